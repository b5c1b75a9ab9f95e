//! `POST /notes/{demographicNo}/save` with a `NoteTo1` body
//! (`oscar-reference.md` §4.7), in the order Oscar fails:
//!
//! 1. a body that is not a JSON object, or (classic) has a property `NoteTo1`
//!    has no setter for → 400 (Jackson's `UnrecognizedPropertyException`);
//!    Open-O also takes `{"encounterNote":{…}}` and ignores unknown keys;
//! 2. a blank `note` → 204, nothing saved;
//! 3. no `isSigned` → 500 (the NPE on `Boolean`), `assignedIssues: null` → 500;
//! 4. an unknown patient → 500 (Oscar has no such check and would fail later
//!    on the missing demographic; the simulator refuses early, and says so).
//!
//! The response is the note with `noteId`, `uuid`, `updateDate` and
//! `observationDate` filled in.

use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::note_store::SavedNote;
use super::{json, no_content, not_found, server_error, Call};
use crate::clinic::Variant;
use crate::date::Date;
use crate::server::oauth::random_uuid;

/// `NoteTo1`'s settable properties (Jackson rejects anything else).
const ACCEPTED: [&str; 39] = [
    "note",
    "isSigned",
    "isVerified",
    "encounterType",
    "observationDate",
    "appointmentNo",
    "uuid",
    "assignedIssues",
    "noteId",
    "revision",
    "updateDate",
    "providerName",
    "providerNo",
    "status",
    "programName",
    "location",
    "roleName",
    "remoteFacilityId",
    "hasHistory",
    "locked",
    "archived",
    "document",
    "rxAnnotation",
    "eformData",
    "encounterForm",
    "invoice",
    "ticklerNote",
    "editorNames",
    "issueDescriptions",
    "readOnly",
    "groupNote",
    "cpp",
    "summaryCode",
    "encounterTime",
    "encounterTransportationTime",
    "editable",
    "isEditable",
    "position",
    "issues",
];

/// `NoteTo1`'s primitive `boolean` getters: `false` when not set.
const FALSE_BY_DEFAULT: [&str; 13] = [
    "hasHistory",
    "locked",
    "archived",
    "document",
    "rxAnnotation",
    "eformData",
    "encounterForm",
    "invoice",
    "ticklerNote",
    "readOnly",
    "groupNote",
    "cpp",
    "editable",
];

/// Saves a note for the token's provider.
pub(super) fn save(call: &Call<'_>, demographic_no: &str) -> Response {
    let Ok(demographic_no) = demographic_no.parse::<u32>() else {
        return not_found();
    };
    let body = match parse_body(call) {
        Ok(body) => body,
        Err(message) => return bad_request(&message),
    };
    let text = body.get("note").and_then(Value::as_str).unwrap_or("").trim().to_owned();
    if text.is_empty() {
        return no_content();
    }
    let is_signed = match body.get("isSigned").map(as_bool) {
        None | Some(Ok(None)) => return server_error("java.lang.NullPointerException: isSigned"),
        Some(Ok(Some(signed))) => signed,
        Some(Err(())) => return bad_request("Can not deserialize Boolean isSigned"),
    };
    if body.get("assignedIssues").is_some_and(Value::is_null) {
        return server_error("java.lang.NullPointerException: assignedIssues");
    }
    let Ok(is_verified) = body.get("isVerified").map_or(Ok(None), as_bool) else {
        return bad_request("Can not deserialize Boolean isVerified");
    };
    let Ok(appointment_no) = body.get("appointmentNo").map_or(Ok(None), as_int) else {
        return bad_request("Can not deserialize Integer appointmentNo");
    };
    let now = call.state.now_ms();
    let observation = match body.get("observationDate").map_or(Ok(None), parse_date) {
        // A missing date is now; a future one is clamped to now.
        Ok(date) => date.unwrap_or(now).min(now),
        Err(()) => return bad_request("Can not deserialize Date observationDate"),
    };
    if call.state.clinic.patient(demographic_no).is_none() {
        return server_error(&format!("No demographic {demographic_no}"));
    }
    let provider_name = call.state.clinic.provider(call.provider_no).map(|p| p.formatted_name()).unwrap_or_default();
    let uuid =
        body.get("uuid").and_then(Value::as_str).filter(|u| !u.is_empty()).map_or_else(random_uuid, str::to_owned);
    let saved = call.state.notes.save(SavedNote {
        note_id: 0,
        uuid,
        revision: 0,
        demographic_no,
        note: text,
        is_signed,
        is_verified: is_verified.unwrap_or(false),
        encounter_type: body.get("encounterType").and_then(Value::as_str).map(str::to_owned),
        provider_no: call.provider_no.to_owned(),
        provider_name,
        signing_provider_no: is_signed.then(|| call.provider_no.to_owned()),
        appointment_no,
        observation_date: observation,
        update_date: now,
    });
    tracing::info!(demographic_no, note_id = saved.note_id, signed = is_signed, "saved a note");
    json(&note_to1(&body, &saved))
}

/// The body as an object: Open-O unwraps `{"encounterNote":{…}}`; classic
/// refuses properties `NoteTo1` does not have.
fn parse_body(call: &Call<'_>) -> Result<Map<String, Value>, String> {
    let value: Value = serde_json::from_slice(call.body).map_err(|e| format!("Malformed JSON: {e}"))?;
    let Value::Object(mut body) = value else {
        return Err("Can not deserialize NoteTo1 out of a non-object".to_owned());
    };
    match call.variant() {
        Variant::OpenO => {
            if body.len() == 1 {
                if let Some(Value::Object(inner)) = body.remove("encounterNote") {
                    return Ok(inner);
                }
            }
            Ok(body)
        }
        Variant::Classic => match body.keys().find(|k| !ACCEPTED.contains(&k.as_str())) {
            Some(unknown) => Err(format!(
                "Unrecognized field \"{unknown}\" (Class org.oscarehr.ws.rest.to.model.NoteTo1), not marked as ignorable"
            )),
            None => Ok(body),
        },
    }
}

/// The response: every `NoteTo1` property, nulls and `false`s included, the
/// request's values kept, the saved ones filled in.
fn note_to1(body: &Map<String, Value>, saved: &SavedNote) -> Value {
    let mut out = Map::new();
    for key in ACCEPTED.iter().filter(|k| **k != "isEditable") {
        let default = if FALSE_BY_DEFAULT.contains(key) { json!(false) } else { Value::Null };
        out.insert((*key).to_owned(), body.get(*key).cloned().unwrap_or(default));
    }
    out.insert("position".to_owned(), body.get("position").cloned().unwrap_or(json!(0)));
    out.insert("assignedIssues".to_owned(), body.get("assignedIssues").cloned().unwrap_or(json!([])));
    out.extend([
        ("noteId".to_owned(), json!(saved.note_id)),
        ("uuid".to_owned(), json!(saved.uuid)),
        ("revision".to_owned(), json!(saved.revision.to_string())),
        ("note".to_owned(), json!(saved.note)),
        ("isSigned".to_owned(), json!(saved.is_signed)),
        ("isVerified".to_owned(), json!(saved.is_verified)),
        ("updateDate".to_owned(), json!(saved.update_date)),
        ("observationDate".to_owned(), json!(saved.observation_date)),
        ("providerNo".to_owned(), json!(saved.provider_no)),
        ("providerName".to_owned(), json!(saved.provider_name)),
        ("appointmentNo".to_owned(), json!(saved.appointment_no)),
    ]);
    Value::Object(out)
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, [(CONTENT_TYPE, "text/plain")], message.to_owned()).into_response()
}

/// Jackson's `Boolean`: `true`/`false`, their strings, or null.
fn as_bool(value: &Value) -> Result<Option<bool>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) if s == "true" => Ok(Some(true)),
        Value::String(s) if s == "false" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// Jackson's `Integer`: a number, a numeric string, or null.
fn as_int(value: &Value) -> Result<Option<u32>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()).map(Some).ok_or(()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| ()),
        _ => Err(()),
    }
}

/// Jackson 1.9's `Date`: epoch ms (number or digits), or ISO-8601
/// `yyyy-MM-dd[THH:mm[:ss[.SSS]]][Z|±hh:mm]`, read as UTC without a zone.
fn parse_date(value: &Value) -> Result<Option<i64>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).map(Some).ok_or(()),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(ms) = s.parse::<i64>() {
                return Ok(Some(ms));
            }
            parse_iso(s).map(Some).ok_or(())
        }
        _ => Err(()),
    }
}

fn parse_iso(s: &str) -> Option<i64> {
    let (date, rest) = s.split_at(s.find('T').unwrap_or(s.len()));
    let date = Date::parse(date)?;
    let mut ms = date.days_since_epoch() * 86_400_000;
    let Some(time) = rest.strip_prefix('T') else {
        return Some(ms);
    };
    // Split off the zone: `Z`, `+hh:mm`, `-hhmm`.
    let zone_at = time.find(['Z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let mut parts = clock.split(':');
    let hours: i64 = parts.next()?.parse().ok()?;
    let minutes: i64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next().map_or(Ok(0.0), str::parse).ok()?;
    if parts.next().is_some() || hours > 23 || minutes > 59 || !(0.0..61.0).contains(&seconds) {
        return None;
    }
    ms += hours * 3_600_000 + minutes * 60_000 + (seconds * 1000.0).round() as i64;
    let offset_minutes = match zone {
        "" | "Z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            sign * (digits[..2].parse::<i64>().ok()? * 60 + digits[2..].parse::<i64>().ok()?)
        }
    };
    Some(ms - offset_minutes * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_come_as_ms_or_iso() {
        assert_eq!(parse_date(&json!(1_700_000_000_000_i64)), Ok(Some(1_700_000_000_000)));
        assert_eq!(parse_date(&json!("1700000000000")), Ok(Some(1_700_000_000_000)));
        assert_eq!(parse_date(&json!("1970-01-02")), Ok(Some(86_400_000)));
        assert_eq!(parse_date(&json!("1970-01-01T01:00:00Z")), Ok(Some(3_600_000)));
        assert_eq!(parse_date(&json!("1970-01-01T01:00:00.500+01:00")), Ok(Some(500)));
        assert_eq!(parse_date(&json!("1970-01-01T00:00-0130")), Ok(Some(5_400_000)));
        assert_eq!(parse_date(&json!(null)), Ok(None));
        assert!(parse_date(&json!("yesterday")).is_err());
        assert!(parse_date(&json!(true)).is_err());
    }

    #[test]
    fn booleans_and_integers_coerce_like_jackson() {
        assert_eq!(as_bool(&json!("true")), Ok(Some(true)));
        assert_eq!(as_bool(&json!(null)), Ok(None));
        assert!(as_bool(&json!(1)).is_err());
        assert_eq!(as_int(&json!("5001")), Ok(Some(5001)));
        assert!(as_int(&json!(-1)).is_err());
    }
}
