//! What the portal refuses before any handler runs or any body is read:
//! forms posted from another site, and form fields past their size.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::i18n::{Lang, T};
use super::layout::message_page;
use crate::http::AppState;

/// The identity and code forms are a few short fields.
pub const SMALL_FORM_LIMIT: usize = 16 * 1024;
/// A text field of a message form: the longest message in UTF-8 (up to 4
/// bytes a character), with room for line breaks sent as CRLF.
pub const MESSAGE_FIELD_LIMIT: usize = 5 * cortico_protocol::api::limits::MAX_MESSAGE_CHARS;
/// Any other text field of a form (its key).
pub const SHORT_FIELD_LIMIT: usize = 256;

/// The scheme, host and port of a URL, as browsers send them in `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Whether a request that changes something comes from the portal's own
/// pages. `Origin` decides when it names one; `Origin: null` (what browsers
/// send from our own pages too, as they carry `Referrer-Policy: no-referrer`,
/// and from sandboxed frames) counts only with `Sec-Fetch-Site: same-origin`;
/// without `Origin`, a `Sec-Fetch-Site` naming another site is refused, and a
/// client that sends neither (older browsers) is let through, as SameSite
/// cookies still guard sessions.
pub fn from_our_site(headers: &HeaderMap, public_url: &str) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).unwrap_or("");
    match headers.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("")) {
        Some("null") => fetch_site.eq_ignore_ascii_case("same-origin"),
        Some(origin) => origin_of(origin).is_some_and(|sent| Some(sent) == origin_of(public_url)),
        None => !fetch_site.eq_ignore_ascii_case("cross-site") && !fetch_site.eq_ignore_ascii_case("same-site"),
    }
}

/// Refuses, with 403 and before the body is read, every portal request
/// other than GET or HEAD that another site made the browser send.
pub async fn same_site_forms(State(state): State<AppState>, lang: Lang, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    if safe || from_our_site(req.headers(), &state.settings.public_url) {
        return next.run(req).await;
    }
    // Not the path: a link's path holds its token.
    tracing::warn!(method = %req.method(), "refused a portal form sent from another site");
    message_page(lang, StatusCode::FORBIDDEN, lang.t(T::OtherSite), lang.t(T::OtherSiteText))
}

/// A form field's text, refused once it passes `limit` bytes, so an
/// oversize field is never held in memory whole.
pub async fn capped_text(mut field: axum::extract::multipart::Field<'_>, limit: usize) -> Result<String, FieldError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| FieldError::Unreadable)? {
        if bytes.len() + chunk.len() > limit {
            return Err(FieldError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| FieldError::Unreadable)
}

/// Why a form field was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldError {
    /// Past its limit (413).
    TooLarge,
    /// Broken multipart or not UTF-8 (400).
    Unreadable,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), v.parse().unwrap())).collect()
    }

    #[test]
    fn only_our_own_origin_may_post() {
        let ours = "https://messages.clinic.example";
        assert!(from_our_site(&headers(&[("origin", "https://messages.clinic.example")]), ours));
        assert!(from_our_site(&headers(&[("origin", "https://messages.clinic.example:443")]), ours));
        assert!(!from_our_site(&headers(&[("origin", "https://evil.test")]), ours));
        assert!(!from_our_site(&headers(&[("origin", "http://messages.clinic.example")]), ours));
        assert!(!from_our_site(&headers(&[("origin", "null")]), ours));
        assert!(!from_our_site(&headers(&[("origin", "null"), ("sec-fetch-site", "cross-site")]), ours));
        // Our own pages under `Referrer-Policy: no-referrer` (Chromium).
        assert!(from_our_site(&headers(&[("origin", "null"), ("sec-fetch-site", "same-origin")]), ours));
        // Origin decides over Sec-Fetch-Site when both are sent.
        assert!(!from_our_site(&headers(&[("origin", "https://evil.test"), ("sec-fetch-site", "same-origin")]), ours));
        assert!(!from_our_site(&headers(&[("sec-fetch-site", "cross-site")]), ours));
        assert!(!from_our_site(&headers(&[("sec-fetch-site", "same-site")]), ours));
        assert!(from_our_site(&headers(&[("sec-fetch-site", "same-origin")]), ours));
        assert!(from_our_site(&headers(&[]), ours), "old clients send neither");
    }
}
