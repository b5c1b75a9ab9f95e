//! Who a REST call comes from: the access token's provider, checked with the
//! running variant's rules.
//!
//! Classic (CXF `OAuthRequestFilter` + `OAuthUtils.validateMessage`): every
//! failure is `401` with `WWW-Authenticate: OAuth`. A missing parameter, an
//! unknown token or a token of another consumer just fail; a failed
//! validation (bad signature, stale timestamp, reused nonce, …) on a valid
//! access token also **deletes** it, and so does expiry.
//!
//! Open-O (`OAuthInterceptor`): no consumer key or token → 400, other
//! failures 401, nothing deleted, lifetimes ignored; a request with neither
//! an `Authorization` header nor an `oauth_consumer_key` parameter is let
//! through without a user, and the service then fails with a 500.

use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::clinic::Variant;
use crate::server::oauth::request::OAuthRequest;
use crate::server::oauth::validate::{check_message, Secrets};
use crate::server::SimState;

/// The parameters CXF's filter requires on a resource call.
const REQUIRED: [&str; 6] = [
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
];

/// Why a call is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Classic: 401 with `WWW-Authenticate: OAuth`, no body.
    Classic,
    /// Open-O: a status and a short text body.
    Plain(StatusCode, &'static str),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Classic => (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, "OAuth")]).into_response(),
            Self::Plain(status, body) => (status, [(CONTENT_TYPE, "text/plain")], body).into_response(),
        }
    }
}

/// The provider number the call runs as.
pub(super) fn authenticate(state: &SimState, req: &OAuthRequest) -> Result<String, Refusal> {
    match state.config.variant {
        Variant::Classic => classic(state, req).ok_or(Refusal::Classic),
        Variant::OpenO => open_o(state, req),
    }
}

fn classic(state: &SimState, req: &OAuthRequest) -> Option<String> {
    if let Some(name) = req.first_missing(&REQUIRED) {
        tracing::debug!(missing = name, "REST call refused");
        return None;
    }
    let consumer_key = req.get("oauth_consumer_key").unwrap_or("");
    let token = state.oauth.access_token(req.get("oauth_token").unwrap_or(""))?;
    let client = state.oauth.client(&token.client_key).filter(|c| c.key == consumer_key)?;
    let secrets =
        Secrets { consumer_key, consumer_secret: &client.secret, token: &token.token, token_secret: &token.secret };
    if let Err(problem) = check_message(state, req, secrets) {
        // CXF removes the token whenever validation fails with one supplied.
        state.oauth.remove_access_token(&token.token);
        tracing::info!(problem = problem.problem, "REST call refused; access token deleted");
        return None;
    }
    if token.is_expired(state.now_secs()) {
        state.oauth.remove_access_token(&token.token);
        tracing::info!("REST call refused; access token expired and deleted");
        return None;
    }
    state.clinic.provider(&token.provider_no).map(|p| p.provider_no.clone())
}

fn open_o(state: &SimState, req: &OAuthRequest) -> Result<String, Refusal> {
    if !req.has_auth_header && req.get("oauth_consumer_key").is_none() {
        // No LoggedInInfo: the resource method fails on it.
        return Err(Refusal::Plain(StatusCode::INTERNAL_SERVER_ERROR, "No logged-in provider"));
    }
    let consumer_key =
        req.non_empty("oauth_consumer_key").ok_or(Refusal::Plain(StatusCode::BAD_REQUEST, "missing_consumer_key"))?;
    let token_id =
        req.non_empty("oauth_token").ok_or(Refusal::Plain(StatusCode::BAD_REQUEST, "missing_access_token"))?;
    let refuse = |reason: &'static str| Refusal::Plain(StatusCode::UNAUTHORIZED, reason);
    let client = state.oauth.client(consumer_key).ok_or_else(|| refuse("invalid_consumer"))?;
    let token = state.oauth.access_token(token_id).ok_or_else(|| refuse("invalid_signature"))?;
    let secrets =
        Secrets { consumer_key, consumer_secret: &client.secret, token: &token.token, token_secret: &token.secret };
    check_message(state, req, secrets).map_err(|_| refuse("invalid_signature"))?;
    state.clinic.provider(&token.provider_no).map(|p| p.provider_no.clone()).ok_or_else(|| refuse("unknown_provider"))
}
