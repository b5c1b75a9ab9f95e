//! Oscar's OAuth-protected REST API, `<ctx>/ws/services/*`, from the seeded
//! clinic, in the running variant's JSON dialect (`oscar-reference.md` §4):
//! classic's Jackson 1.9 (getter-named keys, dates as epoch ms, nulls kept,
//! `content` lists) or Open-O's JAXB-aware Jackson (`Item` lists).
//!
//! One handler takes every path: it applies the injected faults, checks OAuth
//! (`auth`), drops a `.json` suffix and dispatches on the segments to
//! `demographics`, `schedule`, `provider` and `notes`.

mod auth;
mod demographics;
mod note_store;
mod notes;
mod provider;
mod schedule;
mod time;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::Value;

pub use note_store::{NoteStore, SavedNote};

use super::faults;
use super::oauth::request::OAuthRequest;
use super::oauth::signature::{form_pairs, percent_decode};
use super::SimState;
use crate::clinic::Variant;
use crate::pages::error_page;

/// The REST routes: everything under `<ctx>/ws/services/`.
pub(super) fn router(ctx: &str) -> Router<SimState> {
    Router::new().route(&format!("{ctx}/ws/services/{{*path}}"), any(handle))
}

/// One authenticated REST call.
pub(super) struct Call<'a> {
    pub state: &'a SimState,
    /// The provider the access token belongs to.
    pub provider_no: &'a str,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    /// The raw body (JSON for `notes/…/save`).
    pub body: &'a [u8],
}

impl Call<'_> {
    fn variant(&self) -> Variant {
        self.state.config.variant
    }

    fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

async fn handle(
    State(state): State<SimState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = state.faults.get();
    if fault.hang {
        return std::future::pending().await;
    }
    if fault.rest_module_off {
        return faults::no_service_found();
    }
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    if let Some(status) = fault.status {
        return faults::forced_status(status);
    }
    let request = OAuthRequest::new(&method, &uri, &headers, &body);
    let provider_no = match auth::authenticate(&state, &request) {
        Ok(provider_no) => provider_no,
        Err(refusal) => return refusal.into_response(),
    };
    let prefix = state.url("/ws/services/");
    let path = uri.path().strip_prefix(&prefix).unwrap_or("");
    // CXF's extension mapping: `.json` only forces the media type.
    let path = path.strip_suffix(".json").unwrap_or(path);
    let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let call = Call {
        state: &state,
        provider_no: &provider_no,
        query: uri.query().map(form_pairs).unwrap_or_default(),
        body: &body,
    };
    let response = dispatch(&call, &method, &segments);
    if fault.delay_after_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_after_ms)).await;
    }
    if fault.malformed_json {
        return faults::malform(response).await;
    }
    response
}

fn dispatch(call: &Call<'_>, method: &Method, segments: &[&str]) -> Response {
    let get = method == Method::GET;
    match segments {
        ["demographics", "quickSearch"] if get => demographics::quick_search(call),
        ["demographics", "summary", id] if get => demographics::summary(call, id),
        ["demographics", id] if get => demographics::full(call, id),
        ["schedule", "day", date] if get => schedule::day(call, call.provider_no, date),
        ["schedule", provider_no, "day", date] if get => schedule::day(call, provider_no, date),
        ["providerService", "provider", "me"] if get => provider::me(call),
        ["oauth", "info"] if get => provider::oauth_info(call),
        ["status", "checkIfAuthed"] if get => provider::check_if_authed(call),
        ["notes", demographic_no, "save"] if method == Method::POST => notes::save(call, demographic_no),
        _ => not_found(),
    }
}

/// A JSON response.
pub(super) fn json(value: &Value) -> Response {
    json_status(StatusCode::OK, value)
}

/// A JSON response with a status.
pub(super) fn json_status(status: StatusCode, value: &Value) -> Response {
    (status, [(CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

/// `204 No Content`: what JAX-RS answers when a resource method returns null.
pub(super) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// 404, as CXF answers a path no resource matches.
pub(super) fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(CONTENT_TYPE, "text/html")], error_page(404, "No such REST resource.")).into_response()
}

/// 500 with a short text body: what an exception inside Oscar gives.
pub(super) fn server_error(message: &str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, [(CONTENT_TYPE, "text/plain")], message.to_owned()).into_response()
}
