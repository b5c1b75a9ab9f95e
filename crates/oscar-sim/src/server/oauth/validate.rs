//! Checking a signed message, with each variant's rules (`oscar-reference.md`
//! §3.2, §3.5, §7):
//!
//! - classic (CXF + net.oauth `SimpleOAuthValidator`): no repeated `oauth_*`
//!   parameter, `oauth_version` 1.0 if present, timestamp within 5 minutes,
//!   nonce unused (recorded *before* the signature check, so a badly signed
//!   request still uses it up), HMAC-SHA1 or PLAINTEXT;
//! - Open-O: timestamp within ±300 s and always HMAC-SHA1, whatever
//!   `oauth_signature_method` says; no nonce store. Every failure is a 401.

use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::request::OAuthRequest;
use super::signature::{constant_time_eq, hmac_sha1, percent_encode, sign, SignatureMethod};
use super::store::NonceKey;
use crate::clinic::Variant;
use crate::server::SimState;

/// net.oauth's default timestamp window, and Open-O's allowed skew.
pub(crate) const TIMESTAMP_WINDOW_SECS: i64 = 300;

/// Why a message was refused: an OAuth problem code, an optional advice
/// (usually the parameter at fault) and the HTTP status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub status: StatusCode,
    pub problem: &'static str,
    pub advice: Option<String>,
}

impl Problem {
    /// A 400 problem.
    pub fn bad_request(problem: &'static str, advice: Option<&str>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, problem, advice: advice.map(str::to_owned) }
    }

    /// A 401 problem.
    pub fn unauthorized(problem: &'static str) -> Self {
        Self { status: StatusCode::UNAUTHORIZED, problem, advice: None }
    }

    /// The response at the token endpoints: CXF's plain `problem - advice`
    /// text (classic), Open-O's form-encoded `oauth_problem=…`.
    pub fn into_response(self, variant: Variant) -> Response {
        let (content_type, body) = match variant {
            Variant::Classic => (
                "text/plain",
                match &self.advice {
                    Some(advice) => format!("{} - {advice}", self.problem),
                    None => self.problem.to_owned(),
                },
            ),
            Variant::OpenO => (
                "application/x-www-form-urlencoded",
                match &self.advice {
                    Some(advice) => {
                        format!("oauth_problem={}&oauth_problem_advice={}", self.problem, percent_encode(advice))
                    }
                    None => format!("oauth_problem={}", self.problem),
                },
            ),
        };
        (self.status, [(CONTENT_TYPE, content_type)], body).into_response()
    }
}

/// The secrets a message is checked against; `token` is `""` at `initiate`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Secrets<'a> {
    pub consumer_key: &'a str,
    pub consumer_secret: &'a str,
    pub token: &'a str,
    pub token_secret: &'a str,
}

/// Validates timestamp, nonce and signature with the running variant's rules.
pub(crate) fn check_message(state: &SimState, req: &OAuthRequest, secrets: Secrets<'_>) -> Result<(), Problem> {
    match state.config.variant {
        Variant::Classic => check_classic(state, req, secrets),
        Variant::OpenO => check_open_o(state, req, secrets),
    }
}

fn check_classic(state: &SimState, req: &OAuthRequest, secrets: Secrets<'_>) -> Result<(), Problem> {
    if let Some(name) = req.repeated_oauth_param() {
        return Err(Problem::bad_request("parameter_rejected", Some(name)));
    }
    if req.get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(Problem::bad_request("version_rejected", None));
    }
    let timestamp_text = req.get("oauth_timestamp").unwrap_or("");
    let timestamp: i64 =
        timestamp_text.parse().map_err(|_| Problem::bad_request("parameter_rejected", Some("oauth_timestamp")))?;
    let now = state.now_secs();
    if (timestamp - now).abs() > TIMESTAMP_WINDOW_SECS {
        return Err(Problem::bad_request("timestamp_refused", None));
    }
    let key = NonceKey {
        timestamp: timestamp_text.to_owned(),
        nonce: req.get("oauth_nonce").unwrap_or("").to_owned(),
        consumer_key: secrets.consumer_key.to_owned(),
        token: secrets.token.to_owned(),
    };
    if !state.oauth.use_nonce(key, timestamp, now, TIMESTAMP_WINDOW_SECS) {
        return Err(Problem::unauthorized("nonce_used"));
    }
    let method = req
        .get("oauth_signature_method")
        .and_then(SignatureMethod::parse)
        .ok_or_else(|| Problem::bad_request("signature_method_rejected", None))?;
    let expected = sign(method, &req.base_string(), secrets.consumer_secret, secrets.token_secret);
    if !constant_time_eq(&expected, req.get("oauth_signature").unwrap_or("")) {
        return Err(Problem::unauthorized("signature_invalid"));
    }
    Ok(())
}

fn check_open_o(state: &SimState, req: &OAuthRequest, secrets: Secrets<'_>) -> Result<(), Problem> {
    let invalid = || Problem::unauthorized("invalid_signature");
    let signature = req.get("oauth_signature").ok_or_else(invalid)?;
    let timestamp: i64 = req.get("oauth_timestamp").and_then(|t| t.parse().ok()).ok_or_else(invalid)?;
    if (state.now_secs() - timestamp).abs() > TIMESTAMP_WINDOW_SECS {
        return Err(invalid());
    }
    // Open-O computes HMAC-SHA1 whatever oauth_signature_method says.
    let expected = hmac_sha1(&req.base_string(), secrets.consumer_secret, secrets.token_secret);
    if !constant_time_eq(&expected, signature) {
        return Err(invalid());
    }
    Ok(())
}
