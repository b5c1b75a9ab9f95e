//! The e-chart: which patient is open.

use cortico_protocol::{OscarPatientRef, PatientName};
use serde::Serialize;
use web_sys::Document;

use super::params::number_param;
use super::{select, text_of, ContextError};
use crate::page::PageUrl;

/// The patient whose e-chart is open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EchartContext {
    /// Demographic number and displayed name.
    pub patient: OscarPatientRef,
    /// The appointment the chart was opened from, when the URL says.
    pub appointment_no: Option<u32>,
}

/// Reads the e-chart. The demographic number comes from the URL, then the
/// header's master-record link, then the hidden form input (it appears only
/// once Oscar's notes have loaded).
pub fn read_echart(url: &str, doc: &Document) -> Result<EchartContext, ContextError> {
    let page = PageUrl::parse(url);
    let from_url =
        ["demographicNo", "demographic_no"].iter().find_map(|k| page.param(k).and_then(|v| v.parse::<u32>().ok()));
    let header_link = select(doc, "#encounterHeader a[onclick*='demographic_no=']")
        .map(|a| (a.get_attribute("onclick"), a))
        .or_else(|| select(doc, "#patient-full-name a[href*='demographic_no=']").map(|a| (a.get_attribute("href"), a)));
    let from_header = header_link.as_ref().and_then(|(attr, _)| number_param(attr.as_deref()?, "demographic_no"));
    let from_input = select(doc, "input[name=demographicNo]")
        .and_then(|i| i.get_attribute("value"))
        .and_then(|v| v.trim().parse::<u32>().ok());
    let demographic_no =
        from_url.or(from_header).or(from_input).filter(|n| *n != 0).ok_or(ContextError::NoDemographicNumber)?;

    let header_name = header_link.map(|(_, a)| strip_title(&text_of(&a)));
    let name = header_name
        .and_then(|n| PatientName::parse(&n))
        .or_else(|| title_name(doc))
        .unwrap_or(PatientName { last: String::new(), first: String::new() });
    Ok(EchartContext {
        patient: OscarPatientRef { demographic_no, name },
        appointment_no: page.param("appointmentNo").and_then(|v| v.parse().ok()).filter(|n| *n != 0),
    })
}

/// Open-O prefixes an honorific ("Mr. Smith, John") and may append " (alias)".
fn strip_title(name: &str) -> String {
    const TITLES: [&str; 8] = ["MR. ", "MRS. ", "MS. ", "MISS ", "DR. ", "MX. ", "MR ", "MS "];
    let mut name = name.trim();
    for t in TITLES {
        if name.len() > t.len() && name[..t.len()].eq_ignore_ascii_case(t) {
            name = &name[t.len()..];
            break;
        }
    }
    match name.find(" (") {
        Some(i) => name[..i].trim().to_owned(),
        None => name.to_owned(),
    }
}

/// Classic Oscar's title: "Encounter - SMITH, JOHN M 45 years".
fn title_name(doc: &Document) -> Option<PatientName> {
    let title = doc.title();
    let rest = title.strip_prefix("Encounter - ")?;
    let (last, after) = rest.split_once(',')?;
    let first: Vec<&str> =
        after.split_whitespace().take_while(|w| !matches!(*w, "M" | "F" | "O" | "U" | "T")).collect();
    PatientName::parse(&format!("{},{}", last, first.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::strip_title;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn honorific_and_alias_are_removed() {
        assert_eq!(strip_title("Mr. Smith, John (Jack)"), "Smith, John");
        assert_eq!(strip_title("SMITH, JOHN"), "SMITH, JOHN");
        assert_eq!(strip_title("Dr. Who, The"), "Who, The");
    }
}
