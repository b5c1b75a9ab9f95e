//! The patient portal: server-rendered HTML that works without JavaScript,
//! mobile first, in English and French, under a strict Content-Security-Policy
//! with no third-party assets.
//!
//! - `/p/{token}`: a notification link: identity check, then one-time code.
//! - `/portal`: the patient's conversations; `/portal/c/{id}`: one of them,
//!   with the reply form; `/portal/new`: a new conversation (clinic setting).

mod conversations;
pub mod guard;
pub mod i18n;
mod identity;
mod layout;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::http::AppState;
use crate::store::patient_auth::{self, PatientSession};
use crate::store::Actor;
use i18n::Lang;

/// The portal session cookie.
pub const SESSION_COOKIE: &str = "cortico_patient";

/// The portal's routes, with the language switch (`?lang=fr` on any page);
/// forms from other sites are refused before anything else runs.
pub fn router_with(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(identity::router())
        .merge(conversations::router())
        .route("/portal/static/portal.css", get(stylesheet))
        .layer(middleware::from_fn_with_state(state.clone(), guard::same_site_forms))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(state, language_switch))
}

/// No scripts, no frames, nothing from elsewhere; and never cache pages that
/// hold health information.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A file download brings its own, stricter policy (a sandbox): keep it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Links carry tokens: never pass them on.
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// `GET /portal/static/portal.css`.
async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("portal.css"),
    )
        .into_response()
}

/// A cookie's value.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// `Set-Cookie` for the portal: HttpOnly, SameSite=Strict, and Secure unless
/// the service runs on this computer only (plain http://127.0.0.1).
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    set_cookie_at(state, name, value, "/", max_age)
}

/// [`set_cookie`] for a cookie only pages under `path` receive.
pub fn set_cookie_at(state: &AppState, name: &str, value: &str, path: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if state.settings.secure_cookies {
        c.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        c.push_str(&format!("; Max-Age={seconds}"));
    }
    HeaderValue::from_str(&c).expect("cookie values are URL-safe")
}

/// The signed-in patient.
#[derive(Clone, Copy, Debug)]
pub struct Patient(pub PatientSession);

impl Patient {
    /// As an actor of the store.
    pub fn actor(&self) -> Actor {
        Actor::Patient { id: self.0.patient_id, clinic_id: self.0.clinic_id }
    }
}

/// Without a session, the portal explains how to get in.
pub struct NeedsSignIn(Lang);

impl IntoResponse for NeedsSignIn {
    fn into_response(self) -> Response {
        let lang = self.0;
        layout::message_page(lang, StatusCode::UNAUTHORIZED, lang.t(i18n::T::Portal), lang.t(i18n::T::SignInNeeded))
    }
}

impl FromRequestParts<AppState> for Patient {
    type Rejection = NeedsSignIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_request_parts(parts, state).await.unwrap_or(Lang::En);
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(NeedsSignIn(lang)) };
        match patient_auth::session(&state.db, &token, state.clock.now()).await {
            Ok(Some(s)) => Ok(Patient(s)),
            _ => Err(NeedsSignIn(lang)),
        }
    }
}

/// `?lang=fr` on any page: remember the choice and show the same page again.
async fn language_switch(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let query = req.uri().query().unwrap_or("");
    let chosen = query.split('&').find_map(|kv| kv.strip_prefix("lang=")).and_then(Lang::parse);
    let Some(lang) = chosen.filter(|_| req.method() == axum::http::Method::GET) else { return next.run(req).await };
    let rest: Vec<&str> = query.split('&').filter(|kv| !kv.starts_with("lang=") && !kv.is_empty()).collect();
    let target =
        if rest.is_empty() { req.uri().path().to_owned() } else { format!("{}?{}", req.uri().path(), rest.join("&")) };
    let mut res = Redirect::to(&target).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&state, i18n::LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)));
    res
}
