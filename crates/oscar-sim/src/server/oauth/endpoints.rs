//! The token endpoints: `<ctx>/ws/oauth/initiate` (temporary credentials)
//! and `<ctx>/ws/oauth/token` (token credentials), answering form-encoded
//! bodies as CXF's `RequestTokenHandler` / `AccessTokenHandler` (classic) or
//! Open-O's resources do.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};

use super::request::OAuthRequest;
use super::signature::percent_encode;
use super::validate::{check_message, Problem, Secrets};
use crate::clinic::Variant;
use crate::server::SimState;

/// Open-O stores this lifetime on every access token (and never checks it).
const OPEN_O_TOKEN_LIFETIME: i64 = 3600;

/// Parameters every signed message carries.
const SIGNED: [&str; 5] =
    ["oauth_consumer_key", "oauth_signature_method", "oauth_signature", "oauth_timestamp", "oauth_nonce"];

/// `initiate`: checks the consumer's signature (no token yet) and the
/// callback, then issues a request token.
pub(super) async fn initiate(
    State(state): State<SimState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if state.faults.get().rest_module_off {
        return crate::server::faults::no_service_found();
    }
    let variant = state.config.variant;
    let req = OAuthRequest::new(&method, &uri, &headers, &body);
    match issue_request_token(&state, &req) {
        Ok(body) => form_response(body),
        Err(problem) => problem.into_response(variant),
    }
}

fn issue_request_token(state: &SimState, req: &OAuthRequest) -> Result<String, Problem> {
    let variant = state.config.variant;
    match variant {
        Variant::Classic => {
            let required = [&SIGNED[..], &["oauth_callback"]].concat();
            if let Some(name) = req.first_missing(&required) {
                return Err(Problem::bad_request("parameter_absent", Some(name)));
            }
        }
        // Open-O checks only these two up front, and blank counts as absent.
        Variant::OpenO => {
            for name in ["oauth_consumer_key", "oauth_callback"] {
                if req.non_empty(name).is_none() {
                    return Err(Problem::bad_request("parameter_absent", Some(name)));
                }
            }
        }
    }
    let consumer_key = req.get("oauth_consumer_key").unwrap_or("");
    let client = state.oauth.client(consumer_key).ok_or_else(|| Problem::unauthorized("consumer_key_unknown"))?;
    let secrets = Secrets { consumer_key, consumer_secret: &client.secret, token: "", token_secret: "" };
    check_message(state, req, secrets)?;
    let callback = req.get("oauth_callback").unwrap_or("");
    // Classic (CXF validateCallbackURL): non-empty, and a plain,
    // case-sensitive prefix match on the registered application URI.
    if variant == Variant::Classic && (callback.is_empty() || !callback.starts_with(&client.uri)) {
        return Err(Problem::bad_request("parameter_rejected", Some("oauth_callback")));
    }
    let token = state.oauth.create_request_token(&client.key, callback, state.now_secs());
    tracing::info!(client = %client.name, "issued a request token");
    Ok(format!(
        "oauth_token={}&oauth_token_secret={}&oauth_callback_confirmed=true",
        percent_encode(&token.token),
        percent_encode(&token.secret)
    ))
}

/// `token`: checks the signature made with the request token's secret and
/// the verifier, then swaps the request token for an access token.
pub(super) async fn token(
    State(state): State<SimState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if state.faults.get().rest_module_off {
        return crate::server::faults::no_service_found();
    }
    let variant = state.config.variant;
    let req = OAuthRequest::new(&method, &uri, &headers, &body);
    match issue_access_token(&state, &req) {
        Ok(body) => form_response(body),
        Err(problem) => problem.into_response(variant),
    }
}

fn issue_access_token(state: &SimState, req: &OAuthRequest) -> Result<String, Problem> {
    let variant = state.config.variant;
    let classic = variant == Variant::Classic;
    if classic {
        let required = [&SIGNED[..], &["oauth_token", "oauth_verifier"]].concat();
        if let Some(name) = req.first_missing(&required) {
            return Err(Problem::bad_request("parameter_absent", Some(name)));
        }
    }
    let consumer_key = req.get("oauth_consumer_key").unwrap_or("");
    let token_id = req.get("oauth_token").unwrap_or("");
    let client = state
        .oauth
        .client(consumer_key)
        .ok_or_else(|| Problem::unauthorized(if classic { "consumer_key_unknown" } else { "invalid_consumer" }))?;
    let request = state
        .oauth
        .request_token(token_id, state.now_secs())
        .filter(|t| t.client_key == client.key)
        .ok_or_else(|| Problem::unauthorized(if classic { "token_rejected" } else { "invalid_request_token" }))?;
    let verifier_ok = request.verifier.is_some() && request.verifier.as_deref() == req.get("oauth_verifier");
    // Open-O checks the verifier before the signature, CXF after.
    if !classic && !verifier_ok {
        return Err(Problem::unauthorized("invalid_verifier"));
    }
    let secrets =
        Secrets { consumer_key, consumer_secret: &client.secret, token: token_id, token_secret: &request.secret };
    check_message(state, req, secrets)?;
    if !verifier_ok {
        return Err(Problem::unauthorized("verifier_invalid"));
    }
    let provider_no = request.provider_no.clone().ok_or_else(|| Problem::unauthorized("permission_denied"))?;
    let lifetime = if classic { client.lifetime } else { OPEN_O_TOKEN_LIFETIME };
    let access = state.oauth.exchange(&request, &provider_no, lifetime, state.now_secs());
    tracing::info!(client = %client.name, provider = %provider_no, lifetime, "issued an access token");
    Ok(format!("oauth_token={}&oauth_token_secret={}", percent_encode(&access.token), percent_encode(&access.secret)))
}

fn form_response(body: String) -> Response {
    ([(CONTENT_TYPE, "application/x-www-form-urlencoded")], body).into_response()
}
