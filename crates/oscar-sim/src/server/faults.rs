//! Injected faults, set through `POST /__sim/faults`, so the plug-in's server
//! can be tested against a slow, broken or clock-skewed Oscar.
//!
//! `delay_ms`, `delay_after_ms`, `hang`, `malformed_json` and `status` apply
//! to `<ctx>/ws/services/*` only; `rest_module_off` also to `<ctx>/ws/oauth/*`
//! (both live in the REST module); `clock_offset_secs` shifts the clock the
//! OAuth provider validates timestamps and token lifetimes with. They stay
//! until replaced; `{}` resets everything.

use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::respond::html_status;
use crate::pages::error_page;

/// The fault settings.
///
/// JSON: `{"delay_ms":0,"delay_after_ms":0,"hang":false,"rest_module_off":false,
/// "malformed_json":false,"status":null,"clock_offset_secs":0}`;
/// missing fields take these defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    /// Wait this long before answering a REST call.
    pub delay_ms: u64,
    /// Do the work (a note is saved), then wait this long before answering:
    /// a client that gives up first cannot tell whether it happened.
    pub delay_after_ms: u64,
    /// Accept the connection and never answer (a hung Tomcat).
    pub hang: bool,
    /// `ModuleNames` without `REST` in `oscar.properties`: CXF has no REST
    /// service, so every `/ws/services/…` and `/ws/oauth/…` path answers its
    /// 404 page `No service was found.`
    pub rest_module_off: bool,
    /// Cut successful JSON bodies short, e.g. `{"demographicNo": 10`.
    pub malformed_json: bool,
    /// Answer every REST call with this status and an HTML error page, before
    /// OAuth is checked (as a proxy or a failing Tomcat would).
    pub status: Option<u16>,
    /// Added to the system clock for OAuth validation, token issue and expiry.
    pub clock_offset_secs: i64,
}

/// The current settings, shared by all requests.
#[derive(Debug, Default)]
pub struct Faults {
    settings: Mutex<FaultSettings>,
}

impl Faults {
    /// The settings now.
    pub fn get(&self) -> FaultSettings {
        self.lock().clone()
    }

    /// Replaces the settings.
    pub fn set(&self, settings: FaultSettings) {
        *self.lock() = settings;
    }

    /// Epoch milliseconds on the simulator's (possibly shifted) clock.
    pub fn now_ms(&self) -> i64 {
        let system = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        system.saturating_add(self.lock().clock_offset_secs.saturating_mul(1000))
    }

    fn lock(&self) -> MutexGuard<'_, FaultSettings> {
        self.settings.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The forced-status answer: a Tomcat-like HTML error page.
pub(super) fn forced_status(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    html_status(status, error_page(status.as_u16(), status.canonical_reason().unwrap_or("Error")))
}

/// CXF's answer when no service matches the path (`ServletController`).
pub(super) fn no_service_found() -> Response {
    html_status(StatusCode::NOT_FOUND, "<html><body>No service was found.</body></html>".to_owned())
}

/// Cuts a successful JSON body in half, which never leaves valid JSON.
pub(super) async fn malform(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json || !response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let mut cut = (text.len() / 2).max(1).min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text[..cut].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_resets_everything() {
        let settings: FaultSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(settings, FaultSettings::default());
        let set: FaultSettings = serde_json::from_str("{\"status\":503,\"clock_offset_secs\":-600}").unwrap();
        assert_eq!(set.status, Some(503));
        assert_eq!(set.clock_offset_secs, -600);
        assert!(serde_json::from_str::<FaultSettings>("{\"stauts\":503}").is_err());
    }

    #[test]
    fn clock_offset_shifts_now() {
        let faults = Faults::default();
        let before = faults.now_ms();
        faults.set(FaultSettings { clock_offset_secs: 3600, ..FaultSettings::default() });
        assert!(faults.now_ms() - before >= 3_600_000);
    }
}
