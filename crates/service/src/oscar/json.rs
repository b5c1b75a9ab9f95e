//! Reading Oscar's JSON in both dialects: classic Oscar (Jackson 1.9:
//! `content` lists, epoch-millisecond dates, nulls) and Open-O (JAXB names:
//! `Item` lists, bare arrays), with json-lib's habits mixed in (a single
//! object where a list is expected, numbers as strings, `{"time": ms}` dates).

use serde_json::Value;

/// What the service keeps of a demographic record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Demographic {
    /// Oscar's demographic number.
    pub demographic_no: u32,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email, if Oscar has one.
    pub email: Option<String>,
    /// Cell phone if known, else the home phone.
    pub phone: Option<String>,
    /// Health card number as stored (normalised later, before hashing).
    pub hin: Option<String>,
    /// Date of birth, `yyyy-mm-dd`.
    pub date_of_birth: Option<String>,
}

/// One appointment of a provider's day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    /// Oscar's appointment number.
    pub appointment_no: u32,
    /// The patient, or 0 for a non-patient booking.
    pub demographic_no: u32,
    /// Start time as Oscar shows it (`hh:mm AM`).
    pub start_time: String,
    /// Name on the booking.
    pub name: String,
}

/// The provider an access token acts as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// Provider number.
    pub provider_no: String,
    /// "First Last".
    pub name: String,
}

/// A field that should be a string: strings as they are, numbers printed,
/// null and blanks as nothing.
fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A field that should be a positive integer, as a number or a numeric string.
fn number(v: &Value, key: &str) -> Option<u32> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The items of a list in any of Oscar's shapes: a bare array, a single
/// object, or either under one of `keys` (`content`, `Item`, `patients`…),
/// possibly nested once more (`{"List": {"Item": […]}}`).
pub fn items<'a>(v: &'a Value, keys: &[&str]) -> Vec<&'a Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => {
            for key in keys {
                if let Some(inner) = o.get(*key) {
                    return match inner {
                        Value::Null => Vec::new(),
                        Value::Object(_) if keys.iter().any(|k| inner.get(*k).is_some()) => items(inner, keys),
                        other => items(other, keys),
                    };
                }
            }
            vec![v]
        }
        _ => Vec::new(),
    }
}

/// A date of birth from `dobYear`/`dobMonth`/`dobDay` (preferred: they are
/// the stored strings), else `dateOfBirth` as epoch milliseconds, a json-lib
/// date object, or an ISO string.
fn date_of_birth(v: &Value) -> Option<String> {
    if let (Some(y), Some(m), Some(d)) = (number(v, "dobYear"), number(v, "dobMonth"), number(v, "dobDay")) {
        return valid_date(y as i64, m, d);
    }
    match v.get("dateOfBirth")? {
        Value::Number(n) => n.as_i64().and_then(date_from_millis),
        Value::Object(o) => o.get("time").and_then(Value::as_i64).and_then(date_from_millis),
        Value::String(s) => {
            let day = s.get(..10)?;
            let mut parts = day.split('-');
            let (y, m, d) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
            valid_date(y, m, d)
        }
        _ => None,
    }
}

fn valid_date(y: i64, m: u32, d: u32) -> Option<String> {
    ((1850..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// Oscar stores a birth date as local midnight in its own time zone. Every
/// Canadian zone is behind UTC, so that instant falls on the same calendar
/// day in UTC.
fn date_from_millis(ms: i64) -> Option<String> {
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = crate::timezone::civil_from_days(days);
    valid_date(y, m as u32, d as u32)
}

/// The cell phone: Open-O's `cellPhone`, the `demo_cell` extra of the full
/// record, or `/summary`'s `alternativePhone` (which holds the cell there).
fn cell_phone(v: &Value, summary: bool) -> Option<String> {
    text(v, "cellPhone")
        .or_else(|| {
            items(v.get("extras").unwrap_or(&Value::Null), &["extras", "Item"])
                .into_iter()
                .find(|e| e.get("key").and_then(Value::as_str) == Some("demo_cell"))
                .and_then(|e| text(e, "value"))
        })
        .or_else(|| if summary { text(v, "alternativePhone") } else { None })
}

/// Parses a `DemographicTo1` (full record or `/summary`). `None` when the
/// body is not a demographic record at all.
pub fn demographic(body: &Value, summary: bool) -> Option<Demographic> {
    // Open-O may wrap a single record.
    let v = body.get("demographic").filter(|d| d.is_object()).unwrap_or(body);
    let demographic_no = number(v, "demographicNo")?;
    Some(Demographic {
        demographic_no,
        first_name: text(v, "firstName").unwrap_or_default(),
        last_name: text(v, "lastName").unwrap_or_default(),
        email: text(v, "email").filter(|e| e.contains('@')),
        phone: cell_phone(v, summary).or_else(|| text(v, "phone")),
        hin: text(v, "hin"),
        date_of_birth: date_of_birth(v),
    })
}

/// Parses a day of appointments: classic `{"patients": […]}`, Open-O's bare
/// array, or a search envelope.
pub fn appointments(body: &Value) -> Option<Vec<Appointment>> {
    if !(body.is_array() || body.is_object()) {
        return None;
    }
    let list = items(body, &["patients", "content", "Item", "appointments"]);
    Some(
        list.into_iter()
            .filter_map(|a| {
                Some(Appointment {
                    appointment_no: number(a, "appointmentNo").or_else(|| number(a, "id"))?,
                    demographic_no: number(a, "demographicNo").unwrap_or(0),
                    start_time: text(a, "startTime").unwrap_or_default(),
                    name: text(a, "name").unwrap_or_default(),
                })
            })
            .collect(),
    )
}

/// Parses `/providerService/provider/me` (json-lib's bean dump).
pub fn provider(body: &Value) -> Option<Provider> {
    let v = body.get("provider").filter(|p| p.is_object()).unwrap_or(body);
    let provider_no = text(v, "providerNo").or_else(|| text(v, "id"))?;
    let name = text(v, "fullName")
        .or_else(|| match (text(v, "firstName"), text(v, "lastName")) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (f, l) => f.or(l),
        })
        .unwrap_or_else(|| format!("provider {provider_no}"));
    Some(Provider { provider_no, name })
}

/// The note id Oscar gave a saved note, if it says.
pub fn saved_note_id(body: &Value) -> Option<String> {
    let v = body.get("encounterNote").unwrap_or(body);
    text(v, "noteId").or_else(|| text(v, "uuid"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classic_full_record_with_epoch_dates_and_extras() {
        let v = json!({
            "demographicNo": 1001, "firstName": "ELIN", "lastName": "BERGSTROM", "email": "elin@example.org",
            "phone": "416-555-0101", "alternativePhone": "905-555-0199", "hin": "5620066588", "ver": "RT",
            "dateOfBirth": 452750400000_i64, "dobYear": null, "dobMonth": null, "dobDay": null,
            "extras": [{"key": "demo_cell", "value": "647-555-0123"}, {"key": "other", "value": "x"}],
            "middleNames": null
        });
        let d = demographic(&v, false).unwrap();
        assert_eq!(d.demographic_no, 1001);
        assert_eq!(d.phone.as_deref(), Some("647-555-0123"));
        // 1984-05-07 04:00 UTC is local midnight in Toronto.
        assert_eq!(d.date_of_birth.as_deref(), Some("1984-05-07"));
        assert_eq!(d.hin.as_deref(), Some("5620066588"));
    }

    #[test]
    fn dob_parts_win_over_date_of_birth() {
        let v = json!({"demographicNo": "7", "dobYear": "1971", "dobMonth": "11", "dobDay": "3",
                       "dateOfBirth": 0, "alternativePhone": "555", "phone": ""});
        let d = demographic(&v, true).unwrap();
        assert_eq!(d.demographic_no, 7);
        assert_eq!(d.date_of_birth.as_deref(), Some("1971-11-03"));
        assert_eq!(d.phone.as_deref(), Some("555"), "the summary's alternativePhone is the cell");
        assert_eq!(d.email, None);
    }

    #[test]
    fn open_o_cell_phone_and_json_lib_dates() {
        let v = json!({"demographicNo": 9, "cellPhone": "111", "dateOfBirth": {"time": 0, "year": 70}});
        let d = demographic(&v, false).unwrap();
        assert_eq!(d.phone.as_deref(), Some("111"));
        assert_eq!(d.date_of_birth.as_deref(), Some("1970-01-01"));
    }

    #[test]
    fn not_a_record() {
        assert_eq!(demographic(&json!({"error": "x"}), false), None);
        assert_eq!(demographic(&json!([1, 2]), false), None);
    }

    #[test]
    fn schedules_in_every_shape() {
        let classic = json!({"template": "patientlist/patientList1.jsp", "patients": [
            {"demographicNo": 1001, "appointmentNo": 5, "name": "Bergstrom, Elin", "startTime": "09:00 AM"},
            {"demographicNo": 0, "appointmentNo": 6, "name": "Lunch", "startTime": "12:00 PM"}]});
        assert_eq!(appointments(&classic).unwrap().len(), 2);
        let open_o = json!([{"demographicNo": 1002, "appointmentNo": 8, "duration": 15}]);
        assert_eq!(appointments(&open_o).unwrap()[0].demographic_no, 1002);
        let single = json!({"patients": {"demographicNo": 3, "appointmentNo": 4}});
        assert_eq!(appointments(&single).unwrap()[0].appointment_no, 4);
        let empty = json!({"template": "x", "patients": null});
        assert!(appointments(&empty).unwrap().is_empty());
        assert_eq!(appointments(&json!("oops")), None);
    }

    #[test]
    fn lists_under_item_or_content() {
        let a = json!({"offset": 0, "Item": {"demographicNo": 1}});
        assert_eq!(items(&a, &["content", "Item"]).len(), 1);
        let b = json!({"List": {"Item": [{"a": 1}, {"a": 2}]}});
        assert_eq!(items(&b, &["List", "Item"]).len(), 2);
        let c = json!({"content": []});
        assert!(items(&c, &["content", "Item"]).is_empty());
    }

    #[test]
    fn provider_me_in_json_lib_style() {
        let v = json!({"providerNo": "100001", "firstName": "Amara", "lastName": "Osei", "fullName": "Amara Osei",
                       "formattedName": "Osei, Amara", "dob": ""});
        assert_eq!(provider(&v).unwrap(), Provider { provider_no: "100001".into(), name: "Amara Osei".into() });
        let bare = json!({"id": 5, "lastName": "Li"});
        assert_eq!(provider(&bare).unwrap().name, "Li");
    }

    #[test]
    fn millis_to_dates() {
        assert_eq!(date_from_millis(-86_400_000 * 365).as_deref(), Some("1969-01-01"));
        assert_eq!(date_from_millis(1_704_067_200_000 + 3_600_000).as_deref(), Some("2024-01-01"));
    }
}
