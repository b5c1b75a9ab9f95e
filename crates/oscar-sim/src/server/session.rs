//! Signing in and out, and who a request comes from.
//!
//! Like Oscar, `login.do` sets a `JSESSIONID` cookie (HttpOnly, path = the
//! context path). The simulator's credentials: username = a provider number,
//! password `oscar-sim`, second-level passcode (PIN) `1117`. Requests without
//! a valid session act as the configured default provider, so tests need not
//! sign in.
//!
//! A sign-in from the OAuth authorize page carries `oauth_token`: then, as
//! Oscar's `LoginAction` does, the provider is written into that request
//! token and the browser goes back to `<ctx>/ws/oauth/authorize`; a failed
//! sign-in shows the 3rd-party login page again.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use super::oauth::signature::percent_encode;
use super::oauth::third_party_login_page;
use super::respond::{found, html, html_status};
use super::SimState;
use crate::pages::login_page;

/// The simulator's password for every provider.
pub const PASSWORD: &str = "oscar-sim";
/// The simulator's second-level passcode for every provider.
pub const PIN: &str = "1117";
/// Tomcat's session cookie.
const COOKIE_NAME: &str = "JSESSIONID";

/// Login and logout routes.
pub(super) fn router(ctx: &str) -> Router<SimState> {
    let mut router = Router::new()
        .route(&format!("{ctx}/index.jsp"), get(show_login))
        .route(&format!("{ctx}/login.do"), post(login))
        .route(&format!("{ctx}/logout.jsp"), get(logout));
    if !ctx.is_empty() {
        // Tomcat serves the welcome file for the bare context path.
        router = router.route(&format!("{ctx}/"), get(show_login));
    }
    router
}

/// The provider number a request acts as: the session's user, else the
/// configured default provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser(pub String);

impl FromRequestParts<SimState> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &SimState) -> Result<Self, Self::Rejection> {
        let provider = session_id(&parts.headers)
            .and_then(|id| state.sessions.provider(&id))
            .unwrap_or_else(|| state.config.default_provider.clone());
        Ok(Self(provider))
    }
}

/// The `JSESSIONID` cookie's value, if the request has one.
pub(super) fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim().to_owned())
}

/// `GET <ctx>/index.jsp`: the login page.
async fn show_login(State(state): State<SimState>, user: CurrentUser) -> Response {
    html(login_page(&state.page_options(&user.0), None))
}

/// `POST <ctx>/login.do`: checks the form, starts a session and goes to the
/// schedule, as Oscar's login action does; or, with `oauth_token`, back to
/// the OAuth authorize page.
async fn login(State(state): State<SimState>, Form(form): Form<HashMap<String, String>>) -> Response {
    const REFUSED: &str = "Your username, password or passcode is not correct.";
    let field = |name: &str| form.get(name).map(|v| v.trim()).unwrap_or("");
    let username = field("username");
    let oauth_token = Some(field("oauth_token")).filter(|t| !t.is_empty());
    let known = state.clinic.provider(username).is_some();
    if !known || field("password") != PASSWORD || field("pin") != PIN {
        let page = match oauth_token {
            Some(token) => third_party_login_page(&state, token, Some(REFUSED)),
            None => login_page(&state.page_options(&state.config.default_provider), Some(REFUSED)),
        };
        return html_status(StatusCode::UNAUTHORIZED, page);
    }
    let id = state.sessions.create(username);
    tracing::info!(provider = username, "signed in");
    let target = match oauth_token {
        Some(token) => {
            state.oauth.set_request_token_provider(token, username);
            state.url(&format!("/ws/oauth/authorize?oauth_token={}", percent_encode(token)))
        }
        None => state.url("/provider/providercontrol.jsp"),
    };
    let mut response = found(&target);
    if let Ok(cookie) = format!("{COOKIE_NAME}={id}; Path={}; HttpOnly", cookie_path(&state)).parse() {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

/// `GET <ctx>/logout.jsp`: ends the session and returns to the login page.
async fn logout(State(state): State<SimState>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        state.sessions.remove(&id);
    }
    let clear = format!("{COOKIE_NAME}=; Path={}; Max-Age=0; HttpOnly", cookie_path(&state));
    let mut response = found(&state.url("/index.jsp"));
    if let Ok(cookie) = clear.parse() {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response.into_response()
}

/// The cookie path: the context path, or `/` at the root.
fn cookie_path(state: &SimState) -> &str {
    match state.config.context_path.as_str() {
        "" => "/",
        ctx => ctx,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; JSESSIONID=ABC123 ; b=2"));
        assert_eq!(session_id(&headers).as_deref(), Some("ABC123"));
        assert_eq!(session_id(&HeaderMap::new()), None);
    }
}
