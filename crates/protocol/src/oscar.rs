//! What the plug-in reads from an Oscar page and hands to the service.

use serde::{Deserialize, Serialize};

/// A patient's name as Oscar shows it, split into its parts.
///
/// JSON: `{"last": "Smith", "first": "John"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientName {
    /// Family name, as displayed (classic Oscar's e-chart shows it upper case).
    pub last: String,
    /// Given name(s), as displayed.
    pub first: String,
}

impl PatientName {
    /// Splits Oscar's `Last,First` / `LAST, FIRST` display form.
    ///
    /// A name without a comma is kept whole as the last name, because Oscar
    /// stores free-typed appointment names that way.
    pub fn parse(display: &str) -> Option<Self> {
        let display = display.trim();
        if display.is_empty() {
            return None;
        }
        let (last, first) = match display.split_once(',') {
            Some((last, first)) => (last.trim(), first.trim()),
            None => (display, ""),
        };
        if last.is_empty() {
            return None;
        }
        Some(Self { last: last.to_owned(), first: first.to_owned() })
    }

    /// `Last, First` (or just `Last`), the form used in lists.
    pub fn display(&self) -> String {
        if self.first.is_empty() {
            self.last.clone()
        } else {
            format!("{}, {}", self.last, self.first)
        }
    }
}

/// An Oscar patient as the plug-in identifies it: the clinic's demographic
/// number and the name shown on the page.
///
/// JSON: `{"demographic_no": 1042, "name": {"last": "Smith", "first": "John"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OscarPatientRef {
    /// Oscar's `demographic_no`, unique within one clinic's Oscar.
    pub demographic_no: u32,
    /// The name as read from the page.
    pub name: PatientName,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_schedule_and_echart_names_split_on_the_comma() {
        assert_eq!(PatientName::parse("Smith,John"), Some(PatientName { last: "Smith".into(), first: "John".into() }));
        assert_eq!(
            PatientName::parse(" SMITH, JOHN PAUL "),
            Some(PatientName { last: "SMITH".into(), first: "JOHN PAUL".into() })
        );
    }

    #[test]
    fn a_name_without_comma_is_kept_as_last_name_and_blank_is_none() {
        assert_eq!(PatientName::parse("STAFF MEETING").unwrap().display(), "STAFF MEETING");
        assert_eq!(PatientName::parse("   "), None);
        assert_eq!(PatientName::parse(", John"), None);
    }

    #[test]
    fn patient_ref_json_shape_is_stable() {
        let p = OscarPatientRef { demographic_no: 7, name: PatientName::parse("Li,Ann").unwrap() };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"demographic_no":7,"name":{"last":"Li","first":"Ann"}}"#);
    }
}
