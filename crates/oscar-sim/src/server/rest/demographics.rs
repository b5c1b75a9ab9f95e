//! `/demographics/{id}`, `/demographics/summary/{id}` and
//! `/demographics/quickSearch?query=` (`oscar-reference.md` §4.3, §4.4).
//!
//! `DemographicTo1` as Jackson writes it: every getter, nulls included, dates
//! as epoch ms (`dateOfBirth` is local midnight), `dobYear`/`dobMonth`/`dobDay`
//! strings, the cell phone in `extras` as `demo_cell`. Open-O adds
//! `cellPhone`, `gender`, `pronoun` (and more) and drops `myOscarUserName`.
//! The seed has no addresses, so one is derived from the demographic number.

use serde_json::{json, Map, Value};

use super::time::{age, local_ms};
use super::{json, no_content, not_found, server_error, Call};
use crate::clinic::{Patient, Provider, ProviderRole, Variant};
use crate::date::Date;

/// quickSearch returns at most this many results.
const QUICK_SEARCH_LIMIT: usize = 10;

/// `GET demographics/{id}`: the full record with the clinic-wide lists;
/// 204 for an unknown id, 404 for a non-numeric one (JAX-RS cannot bind it).
pub(super) fn full(call: &Call<'_>, id: &str) -> Response {
    demographic(call, id, false)
}

/// `GET demographics/summary/{id}`: no lists; `alternativePhone` is the cell;
/// an unknown id is 500 on classic (see `demographic`).
pub(super) fn summary(call: &Call<'_>, id: &str) -> Response {
    demographic(call, id, true)
}

type Response = axum::response::Response;

fn demographic(call: &Call<'_>, id: &str, summary: bool) -> Response {
    let Ok(demographic_no) = id.parse::<u32>() else {
        return not_found();
    };
    match call.state.clinic.patient(demographic_no) {
        Some(patient) => json(&demographic_to1(call, patient, summary)),
        // Classic's summary converts the missing record anyway: a
        // NullPointerException, so 500. Open-O and the full record answer 204.
        None if summary && call.variant() == Variant::Classic => server_error("java.lang.NullPointerException"),
        None => no_content(),
    }
}

/// `GET demographics/quickSearch?query=Last[,First]`: active patients whose
/// lower-cased last name (then first name) starts with the query, by name;
/// the first 10, with `total` the full count. (`addr:` and `chartNo:`
/// queries are not simulated: they are read as names.)
pub(super) fn quick_search(call: &Call<'_>) -> Response {
    let query = call.query_param("query").unwrap_or("").to_owned();
    let (last, first) = match query.split_once(',') {
        Some((last, first)) => (last.trim().to_lowercase(), Some(first.trim().to_lowercase())),
        None => (query.trim().to_lowercase(), None),
    };
    let mut hits: Vec<&Patient> = call
        .state
        .clinic
        .patients
        .iter()
        .filter(|p| p.last_name.to_lowercase().starts_with(&last))
        .filter(|p| first.as_ref().is_none_or(|f| p.first_name.to_lowercase().starts_with(f)))
        .collect();
    hits.sort_by(|a, b| {
        (&a.last_name, &a.first_name, a.demographic_no).cmp(&(&b.last_name, &b.first_name, b.demographic_no))
    });
    let total = hits.len();
    let content: Vec<Value> = hits.iter().take(QUICK_SEARCH_LIMIT).map(|p| search_result(call, p)).collect();
    let mut envelope = json!({
        "offset": 0,
        "limit": 0,
        "total": total,
        "timestamp": call.state.now_ms(),
        "query": if total > 0 { Value::String(query) } else { Value::Null },
    });
    let (key, list) = match call.variant() {
        Variant::Classic => ("content", Value::Array(content)),
        // JAXB's `Item`, and a lone result as an object, not a list.
        Variant::OpenO if content.len() == 1 => ("Item", content.into_iter().next().unwrap_or(Value::Null)),
        Variant::OpenO => ("Item", Value::Array(content)),
    };
    envelope[key] = list;
    json(&envelope)
}

/// `DemographicSearchResult`.
fn search_result(call: &Call<'_>, p: &Patient) -> Value {
    let mrp = call.state.clinic.mrp_of(p.demographic_no);
    json!({
        "demographicNo": p.demographic_no,
        "lastName": p.last_name,
        "firstName": p.first_name,
        "chartNo": "",
        "sex": p.sex,
        "dob": local_ms(call.state, p.dob, 0),
        "formattedDOB": p.dob.to_string(),
        "providerNo": mrp.map(|m| m.provider_no.clone()),
        "providerName": mrp.map(|m| format!("{},{}", m.last_name, m.first_name)),
        "rosterStatus": "RO",
        "patientStatus": "AC",
        "phone": p.phone,
        "hin": p.hin,
        "remoteFacilityId": null,
    })
}

fn demographic_to1(call: &Call<'_>, p: &Patient, summary: bool) -> Value {
    let state = call.state;
    let clinic = &state.clinic;
    let n = p.demographic_no;
    let mrp = clinic.mrp_of(n);
    let mrp_no = mrp.map(|m| m.provider_no.clone());
    // Deterministic "history" dates: joined some years ago, updated last month.
    let joined = clinic.today.add_days(-(400 + (n % 50) as i32 * 30));
    let updated = clinic.today.add_days(-(1 + (n % 28) as i32));
    let ms = |date: Date| local_ms(state, date, 0);
    let mut v = Map::new();
    let mut put = |fields: Value| {
        if let Value::Object(map) = fields {
            v.extend(map);
        }
    };
    put(json!({
        "demographicNo": n,
        "firstName": p.first_name,
        "lastName": p.last_name,
        "middleNames": null,
        "title": null,
        "alias": null,
        "displayName": p.echart_name(),
        "address": address(p),
        "phone": p.phone,
        // Full record: phone2 (work), blank in the seed; summary: the cell.
        "alternativePhone": if summary { p.cell_phone.as_str() } else { "" },
        "patientStatus": "AC",
        "patientStatusDate": ms(joined),
        "rosterStatus": "RO",
        "providerNo": mrp_no,
        "hin": p.hin,
        "ver": p.hin_version,
        "hcType": p.hc_type,
        "hcRenewDate": null,
    }));
    put(json!({
        "dateOfBirth": ms(p.dob),
        "dobYear": format!("{:04}", p.dob.year),
        "dobMonth": format!("{:02}", p.dob.month),
        "dobDay": format!("{:02}", p.dob.day),
        "sex": p.sex,
        "sexDesc": if p.sex == "F" { "Female" } else { "Male" },
        "dateJoined": ms(joined),
        "familyDoctor": null,
        "pcnIndicator": null,
        "endDate": null,
        "chartNo": "",
        "email": p.email,
        "effDate": null,
        "rosterDate": ms(joined),
        "rosterTerminationDate": null,
        "rosterTerminationReason": null,
        "links": null,
        "previousAddress": null,
        "children": "",
        "sourceOfIncome": "",
    }));
    put(json!({
        "citizenship": "",
        "sin": "",
        "anonymous": null,
        "spokenLanguage": "English",
        "officialLanguage": "English",
        "countryOfOrigin": "-1",
        "newsletter": "Unknown",
        "activeCount": 1,
        "hsAlertCount": 0,
        "lastUpdateUser": mrp_no,
        "lastUpdateDate": ms(updated),
        "provider": mrp.map(|m| provider_to1(call, m)),
        "nurse": null,
        "resident": null,
        "alert": null,
        "midwife": null,
        "notes": null,
        "waitingListID": null,
        "waitingListNote": null,
        "onWaitingListSinceDate": null,
        "age": age(p.dob, clinic.today),
        "admissionProgramId": 10016,
    }));
    let lists = !summary;
    let extras = if lists { extras(call, p, ms(joined)) } else { json!([]) };
    let doctors: Vec<Value> = if lists { clinic.doctors().map(|d| provider_to1(call, d)).collect() } else { vec![] };
    put(json!({
        "extras": extras,
        "demoContacts": [],
        "demoContactPros": [],
        "doctors": doctors,
        "nurses": [],
        "midwives": [],
        "referralDoctors": [],
        "waitingListNames": [],
        "patientStatusList": if lists { status_list(&[("AC", "Active"), ("IN", "Inactive"), ("DE", "Deceased"), ("MO", "Moved"), ("FI", "Fired")]) } else { json!([]) },
        "rosterStatusList": if lists { status_list(&[("RO", "Rostered"), ("NR", "Not Rostered"), ("TE", "Terminated"), ("FS", "Fee for Service")]) } else { json!([]) },
    }));
    match call.variant() {
        Variant::Classic => put(json!({ "myOscarUserName": null })),
        Variant::OpenO => put(json!({
            "cellPhone": p.cell_phone,
            "phoneComment": null,
            "gender": null,
            "pronoun": null,
            "genderId": null,
            "pronounId": null,
            "allergies": [],
            "measurements": [],
            "consultationRequests": [],
            "consultationResponses": [],
            "encounterNotes": [],
            "documents": [],
            "medicationSummary": null,
        })),
    }
    Value::Object(v)
}

/// `AddressTo1`, synthesized from the demographic number.
fn address(p: &Patient) -> Value {
    const STREETS: [&str; 6] = ["Lakeshore Rd", "King St W", "Main St E", "Queen St", "Dundas St", "Bay St"];
    let n = p.demographic_no as usize;
    json!({
        "address": format!("{} {}", 10 + n % 90 * 7, STREETS[n % STREETS.len()]),
        "city": "Hamilton",
        "province": "ON",
        "postal": format!("L8P {}R{}", n % 10, (n / 10) % 10),
    })
}

/// `demographicExt` rows: the cell phone is `demo_cell`.
fn extras(call: &Call<'_>, p: &Patient, created: i64) -> Value {
    let n = p.demographic_no;
    let mrp = call.state.clinic.mrp_of(n).map(|m| m.provider_no.clone());
    let rows = [("demo_cell", p.cell_phone.as_str()), ("hPhoneExt", ""), ("wPhoneExt", "")];
    Value::Array(
        rows.iter()
            .enumerate()
            .map(|(i, (key, value))| {
                json!({
                    "id": n * 10 + i as u32,
                    "demographicNo": n,
                    "providerNo": mrp,
                    "key": key,
                    "value": value,
                    "dateCreated": created,
                    "hidden": false,
                })
            })
            .collect(),
    )
}

fn status_list(items: &[(&str, &str)]) -> Value {
    Value::Array(items.iter().map(|(value, label)| json!({ "value": value, "label": label })).collect())
}

/// `ProviderTo1`.
pub(super) fn provider_to1(call: &Call<'_>, p: &Provider) -> Value {
    json!({
        "providerNo": p.provider_no,
        "lastName": p.last_name,
        "firstName": p.first_name,
        "name": p.formatted_name(),
        "comments": null,
        "phone": "",
        "billingNo": "",
        "workPhone": "",
        "address": "",
        "team": "",
        "providerType": provider_type(p),
        "sex": null,
        "ohipNo": "",
        "specialty": "",
        "dob": null,
        "hsoNo": "",
        "providerActivity": "",
        "rmaNo": "",
        "signedConfidentiality": null,
        "practitionerNo": "",
        "email": "",
        "title": "",
        "lastUpdateUser": null,
        "lastUpdateDate": local_ms(call.state, call.state.clinic.today.add_days(-90), 0),
        "enabled": true,
        "practitionerNoType": "",
    })
}

/// Oscar's `provider_type`.
pub(super) fn provider_type(p: &Provider) -> &'static str {
    match p.role {
        ProviderRole::Doctor => "doctor",
        ProviderRole::Receptionist => "receptionist",
    }
}
