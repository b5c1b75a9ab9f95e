//! Who am I: `/providerService/provider/me` (json-lib's dump of the domain
//! `Provider`, §4.6), `/oauth/info` and `/status/checkIfAuthed` (§3.6).
//! json-lib writes `""` for null strings and `java.util.Date` as an object.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::demographics::provider_type;
use super::time::{json_lib_date, local_ms};
use super::{json, json_status, Call};
use crate::clinic::Provider;

/// `GET providerService/provider/me`.
pub(super) fn me(call: &Call<'_>) -> Response {
    match call.state.clinic.provider(call.provider_no) {
        Some(p) => json(&provider_bean(call, p)),
        None => json_status(StatusCode::NOT_FOUND, &json!({ "error": "Provider not found" })),
    }
}

/// `GET oauth/info`: `{"provider":{…},"login":"<providerNo>","roles":[]}`.
pub(super) fn oauth_info(call: &Call<'_>) -> Response {
    let provider = call.state.clinic.provider(call.provider_no).map(|p| provider_bean(call, p));
    json(&json!({ "provider": provider, "login": call.provider_no, "roles": [] }))
}

/// `GET status/checkIfAuthed`: `GenericRESTResponse`.
pub(super) fn check_if_authed(call: &Call<'_>) -> Response {
    json(&json!({ "success": true, "message": call.provider_no }))
}

/// The domain `Provider` as json-lib's `JSONObject.fromObject` writes it.
fn provider_bean(call: &Call<'_>, p: &Provider) -> Value {
    let updated = local_ms(call.state, call.state.clinic.today.add_days(-90), 9 * 60);
    json!({
        "providerNo": p.provider_no,
        "id": p.provider_no,
        "firstName": p.first_name,
        "lastName": p.last_name,
        "formattedName": p.formatted_name(),
        "fullName": p.full_name(),
        "providerType": provider_type(p),
        "specialty": "",
        "team": "",
        "sex": "",
        "dob": null,
        "address": "",
        "phone": "",
        "workPhone": "",
        "email": "",
        "title": "",
        "ohipNo": "",
        "rmaNo": "",
        "billingNo": "",
        "hsoNo": "",
        "practitionerNo": "",
        "practitionerNoType": "",
        "status": "1",
        "providerActivity": "",
        "comments": "",
        "signedConfidentiality": null,
        "supervisor": "",
        "lastUpdateUser": "",
        "lastUpdateDate": json_lib_date(call.state, updated),
        "persistent": true,
    })
}
