//! The optional strict Content-Security-Policy on HTML responses.
//!
//! The policy leaves out `'wasm-unsafe-eval'` on purpose: with it, Chrome
//! refuses to compile WebAssembly in a content script on the page, which is
//! the case the plug-in must survive.

use axum::extract::State;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::Response;

use super::{CspMode, SimState};

/// The header value sent with `--csp strict`.
pub const STRICT_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

/// Adds the policy to HTML responses when the simulator runs with `Strict`.
pub(super) async fn add_header(State(state): State<SimState>, mut response: Response) -> Response {
    let is_html =
        response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if state.config.csp == CspMode::Strict && is_html {
        response.headers_mut().insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(STRICT_POLICY));
    }
    response
}
