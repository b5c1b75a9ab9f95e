//! An incoming request seen as an OAuth 1.0a message: its parameters from the
//! `Authorization` header, the query and a form body, and the URL it was
//! signed for, as the servlet container would report them.

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, Method, Uri};

use super::signature::{base_string, base_string_uri, form_pairs, parse_authorization};

/// The OAuth view of one HTTP request.
#[derive(Clone, Debug)]
pub(crate) struct OAuthRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// `http://host[:port]/path`: what `getRequestURL()` gives behind no proxy.
    pub base_uri: String,
    /// The `Authorization: OAuth` parameters without `realm`.
    pub header: Vec<(String, String)>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Form-body parameters (only for `application/x-www-form-urlencoded`).
    pub body: Vec<(String, String)>,
    /// Whether the request had an `Authorization: OAuth` header.
    pub has_auth_header: bool,
}

impl OAuthRequest {
    /// Reads a request. The scheme is always `http` (the simulator serves no
    /// TLS); the host comes from the `Host` header, else the URI, else
    /// `localhost`. The path is taken undecoded, as Tomcat's `getRequestURI()`.
    pub fn new(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Self {
        let host = headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))
            .unwrap_or_else(|| "localhost".to_owned());
        let auth = headers.get_all(AUTHORIZATION).iter().filter_map(|v| v.to_str().ok()).find_map(parse_authorization);
        let is_form = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        let body = if is_form { form_pairs(&String::from_utf8_lossy(body)) } else { Vec::new() };
        Self {
            method: method.as_str().to_ascii_uppercase(),
            base_uri: base_string_uri("http", &host, uri.path()),
            has_auth_header: auth.is_some(),
            header: auth.unwrap_or_default().into_iter().filter(|(name, _)| name != "realm").collect(),
            query: uri.query().map(form_pairs).unwrap_or_default(),
            body,
        }
    }

    /// Every parameter: header first, then query, then body (net.oauth's order).
    pub fn params(&self) -> impl Iterator<Item = &(String, String)> {
        self.header.iter().chain(&self.query).chain(&self.body)
    }

    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A parameter's first value when present and not blank.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// The first required parameter that is absent (net.oauth's
    /// `requireParameters` accepts an empty value).
    pub fn first_missing<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|name| self.get(name).is_none())
    }

    /// An `oauth_*` parameter given twice with different values (net.oauth
    /// rejects these as `parameter_rejected`).
    pub fn repeated_oauth_param(&self) -> Option<&str> {
        let params: Vec<&(String, String)> = self.params().collect();
        params.iter().enumerate().find_map(|(i, (name, value))| {
            let repeated = name.starts_with("oauth_") && params[i + 1..].iter().any(|(n, v)| n == name && v != value);
            repeated.then_some(name.as_str())
        })
    }

    /// The signature base string of this request.
    pub fn base_string(&self) -> String {
        let params: Vec<(String, String)> = self.params().cloned().collect();
        base_string(&self.method, &self.base_uri, &params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn collects_header_query_and_form_body() {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("Sim.Local:8080"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("OAuth realm=\"x\", oauth_nonce=\"n%201\""));
        let uri: Uri = "/oscar/ws/oauth/initiate?a=1&oauth_nonce=n+1".parse().unwrap();
        let req = OAuthRequest::new(&Method::POST, &uri, &headers, b"b=2");
        assert_eq!(req.base_uri, "http://sim.local:8080/oscar/ws/oauth/initiate");
        assert_eq!(req.get("oauth_nonce"), Some("n 1"));
        assert_eq!(req.get("b"), Some("2"));
        assert_eq!(req.get("realm"), None);
        assert_eq!(req.repeated_oauth_param(), None);
        assert_eq!(req.first_missing(&["a", "c"]), Some("c"));
    }

    #[test]
    fn json_bodies_are_not_parameters() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let uri: Uri = "/x".parse().unwrap();
        let req = OAuthRequest::new(&Method::POST, &uri, &headers, b"{\"a\":1}");
        assert!(req.body.is_empty());
        assert_eq!(req.base_uri, "http://localhost/x");
    }
}
