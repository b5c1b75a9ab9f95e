//! HTTP calls to one clinic's Oscar, signed with OAuth 1.0a.
//!
//! A signed request is sent once. Classic Oscar deletes the access token
//! when a request carries a bad signature, a stale timestamp or a reused
//! nonce, so "retrying with another variant" would destroy the connection;
//! failures go back to the caller instead.

use std::time::Duration;

use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::Value;
use url::Url;

use super::oauth1::{self, Credentials, Freshness, SignatureMethod};
use crate::clock::Clock;

/// Why a call to Oscar failed, in words an admin or staff member can act on.
#[derive(Debug, thiserror::Error)]
pub enum OscarError {
    /// No answer: down, unreachable, a TLS failure, or slower than the
    /// timeout. One message for all, so the service cannot be used to probe
    /// which addresses and ports answer; the detail goes to the log only.
    #[error("Oscar did not answer. Check that Oscar is running and reachable from the messaging service.")]
    Unreachable {
        /// The request may have reached Oscar (it timed out or broke after
        /// connecting), so what it asked may have been done.
        sent: bool,
    },
    /// CXF's `No service was found.`: Oscar's REST module is off.
    #[error(
        "Oscar's REST module is off (Oscar answers \"No service was found.\"). In oscar.properties set \
         ModuleNames=REST (with any other modules in use), then restart Tomcat."
    )]
    RestModuleOff,
    /// 401: the key, secret or token was refused (classic Oscar has then
    /// deleted the token, if one was sent).
    #[error("Oscar refused the credentials ({0}).")]
    Refused(String),
    /// 400 `parameter_rejected - oauth_callback`.
    #[error("Oscar rejected the callback address. In Oscar's REST client, the URI must be the start of {0}.")]
    CallbackRejected(String),
    /// Any other error status.
    #[error("Oscar answered {status}: {detail}")]
    Status {
        /// HTTP status.
        status: u16,
        /// A short excerpt of the body.
        detail: String,
    },
    /// A 404 from one of Oscar's resources (a JSON answer), not from CXF.
    #[error("Oscar has no such record.")]
    NotFound,
    /// The body is not what Oscar sends.
    #[error("Oscar sent a response the service cannot read ({0}).")]
    Malformed(String),
}

impl OscarError {
    /// Whether the stored access token is now unusable.
    pub fn breaks_connection(&self) -> bool {
        matches!(self, OscarError::Refused(_))
    }

    /// Whether Oscar may have done what was asked (no answer came after the
    /// request was sent, or an answer came that could not be read).
    pub fn maybe_done(&self) -> bool {
        matches!(self, OscarError::Unreachable { sent: true } | OscarError::Malformed(_))
    }
}

/// Where a clinic's Oscar is and how to sign requests to it.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The Oscar base URL with its context path, no trailing slash
    /// (`https://emr.clinic.ca/oscar`).
    pub base_url: String,
    /// REST client key.
    pub client_key: String,
    /// REST client secret.
    pub client_secret: String,
    /// Signature method.
    pub method: SignatureMethod,
}

/// A token and its secret (temporary or access).
#[derive(Clone, Debug)]
pub struct Token {
    /// `oauth_token`.
    pub token: String,
    /// `oauth_token_secret`.
    pub secret: String,
}

/// The HTTP client for every clinic's Oscar.
#[derive(Clone)]
pub struct OscarClient {
    http: reqwest::Client,
    clock: Clock,
    timeout: Duration,
}

/// How long one call to Oscar may take before staff get an answer anyway.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Responses bigger than this are not Oscar answers the service needs.
const MAX_BODY: usize = 4 * 1024 * 1024;

impl OscarClient {
    fn unreachable(&self, err: reqwest::Error) -> OscarError {
        unreachable(err, self.timeout)
    }

    /// A client with the service's clock (signatures carry its timestamps).
    pub fn new(clock: Clock, timeout: Duration, private_network: bool) -> OscarClient {
        let http = reqwest::Client::builder()
            .dns_resolver(std::sync::Arc::new(super::address::GuardedResolver { private_network }))
            .connect_timeout(timeout.min(Duration::from_secs(4)))
            .timeout(timeout)
            // A redirect would change the URL the signature was made for.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cortico-messaging/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds with static settings");
        OscarClient { http, clock, timeout }
    }

    /// First leg: a temporary token for `callback`.
    pub async fn initiate(&self, ep: &Endpoint, callback: &str) -> Result<Token, OscarError> {
        let body = self.signed_form(ep, None, "/ws/oauth/initiate", &[("oauth_callback", callback)], callback).await?;
        token_from(&body)
    }

    /// Third leg: exchanges the authorised temporary token for an access token.
    pub async fn exchange(&self, ep: &Endpoint, temporary: &Token, verifier: &str) -> Result<Token, OscarError> {
        let body =
            self.signed_form(ep, Some(temporary), "/ws/oauth/token", &[("oauth_verifier", verifier)], "").await?;
        token_from(&body)
    }

    /// The address an admin opens to authorise the temporary token.
    pub fn authorize_url(ep: &Endpoint, temporary: &Token) -> String {
        format!("{}/ws/oauth/authorize?oauth_token={}", ep.base_url, oauth1::encode(&temporary.token))
    }

    /// `GET {base}/ws/services/{path}` as JSON. `Ok(None)` for 204 (Oscar's
    /// answer for an unknown record).
    pub async fn get_json(&self, ep: &Endpoint, access: &Token, path: &str) -> Result<Option<Value>, OscarError> {
        self.call_json(ep, access, path, None).await
    }

    /// `POST {base}/ws/services/{path}` with a JSON body (not signed: Oscar
    /// leaves JSON bodies out of the base string).
    pub async fn post_json(
        &self,
        ep: &Endpoint,
        access: &Token,
        path: &str,
        body: &Value,
    ) -> Result<Option<Value>, OscarError> {
        self.call_json(ep, access, path, Some(body)).await
    }

    async fn call_json(
        &self,
        ep: &Endpoint,
        access: &Token,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, OscarError> {
        let url = service_url(ep, path)?;
        let method = if body.is_some() { reqwest::Method::POST } else { reqwest::Method::GET };
        let header = self.header(ep, Some(access), method.as_str(), &url, &[]);
        let mut request = self
            .http
            .request(method, url)
            .header(reqwest::header::AUTHORIZATION, header)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        read_json(response, self.timeout).await
    }

    async fn signed_form(
        &self,
        ep: &Endpoint,
        token: Option<&Token>,
        path: &str,
        extra: &[(&str, &str)],
        callback: &str,
    ) -> Result<String, OscarError> {
        let url = Url::parse(&format!("{}{path}", ep.base_url)).map_err(|e| OscarError::Malformed(e.to_string()))?;
        let header = self.header(ep, token, "POST", &url, extra);
        let response = self
            .http
            .post(url)
            .header(reqwest::header::AUTHORIZATION, header)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let body = read_limited(response, self.timeout).await?;
        match status {
            200 => Ok(body),
            404 if is_no_service(&body) => Err(OscarError::RestModuleOff),
            400 if body.contains("oauth_callback") => Err(OscarError::CallbackRejected(callback.to_owned())),
            401 => Err(OscarError::Refused(excerpt(&body, "the key, secret or token is not valid"))),
            _ => Err(OscarError::Status { status, detail: excerpt(&body, "no details") }),
        }
    }

    fn header(&self, ep: &Endpoint, token: Option<&Token>, method: &str, url: &Url, extra: &[(&str, &str)]) -> String {
        let nonce: String = rand::thread_rng().sample_iter(&Alphanumeric).take(24).map(char::from).collect();
        let creds = Credentials {
            consumer_key: &ep.client_key,
            consumer_secret: &ep.client_secret,
            token: token.map(|t| (t.token.as_str(), t.secret.as_str())),
        };
        let req = oauth1::Request { method, url, form: &[], extra };
        let signed =
            oauth1::sign(ep.method, &creds, &req, &Freshness { timestamp: self.clock.now() / 1000, nonce: &nonce });
        oauth1::authorization_header(&signed)
    }
}

fn service_url(ep: &Endpoint, path: &str) -> Result<Url, OscarError> {
    Url::parse(&format!("{}/ws/services/{}", ep.base_url, path.trim_start_matches('/')))
        .map_err(|e| OscarError::Malformed(e.to_string()))
}

fn unreachable(err: reqwest::Error, timeout: Duration) -> OscarError {
    // The URL can name a patient (`demographics/summary/N`): keep it out.
    let err = err.without_url();
    let sent = !err.is_connect();
    tracing::warn!(error = %err, timeout_s = timeout.as_secs_f32(), connect = !sent, "Oscar did not answer");
    OscarError::Unreachable { sent }
}

async fn read_limited(response: reqwest::Response, timeout: Duration) -> Result<String, OscarError> {
    if response.content_length().is_some_and(|n| n as usize > MAX_BODY) {
        return Err(OscarError::Malformed("the response is too large".into()));
    }
    let bytes = response.bytes().await.map_err(|e| unreachable(e, timeout))?;
    if bytes.len() > MAX_BODY {
        return Err(OscarError::Malformed("the response is too large".into()));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

async fn read_json(response: reqwest::Response, timeout: Duration) -> Result<Option<Value>, OscarError> {
    let status = response.status().as_u16();
    let json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let body = read_limited(response, timeout).await?;
    match status {
        200 | 201 => serde_json::from_str(&body)
            .map(Some)
            .map_err(|e| OscarError::Malformed(format!("not JSON: {}", e.classify_name()))),
        204 => Ok(None),
        401 => Err(OscarError::Refused("the access token is no longer valid".into())),
        404 if is_no_service(&body) => Err(OscarError::RestModuleOff),
        // Only a resource's own answer (JSON) means "no such record"; a bare
        // 404 page is a wrong address or a proxy, not an empty result.
        404 if json => Err(OscarError::NotFound),
        _ => Err(OscarError::Status { status, detail: excerpt(&body, "no details") }),
    }
}

/// CXF's page for a path no service is deployed at, bare or in
/// `<html><body>`: what `/ws/…` answers when `ModuleNames` lacks `REST`.
fn is_no_service(body: &str) -> bool {
    body.len() < 200 && body.contains("No service was found.")
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

fn token_from(body: &str) -> Result<Token, OscarError> {
    let pairs = oauth1::parse_form(body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    match (get("oauth_token"), get("oauth_token_secret")) {
        (Some(token), Some(secret)) => Ok(Token { token, secret }),
        _ => Err(OscarError::Malformed("no oauth_token in the answer".into())),
    }
}

/// What of an error body may be shown: only an OAuth problem phrase such as
/// `signature_invalid` or `parameter_absent - oauth_nonce`. Anything else (an
/// HTML error page, a stack trace, whatever answers at an address an admin
/// typed) is not echoed back, so the service cannot be used to read other
/// servers' pages.
fn excerpt(body: &str, fallback: &str) -> String {
    let text = body.trim();
    let phrase = !text.is_empty()
        && text.len() <= 80
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | '=' | '&' | '.'));
    if phrase {
        text.to_owned()
    } else {
        fallback.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn only_oauth_problem_phrases_are_echoed() {
        assert_eq!(excerpt("signature_invalid", "x"), "signature_invalid");
        assert_eq!(excerpt("parameter_absent - oauth_nonce\n", "x"), "parameter_absent - oauth_nonce");
        assert_eq!(excerpt("<html><body>Internal</body></html>", "no details"), "no details");
        assert_eq!(excerpt("{\"secret\": \"internal\"}", "no details"), "no details");
        assert_eq!(excerpt(&"a".repeat(81), "no details"), "no details");
    }
}
