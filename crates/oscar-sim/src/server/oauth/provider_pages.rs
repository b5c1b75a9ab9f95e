//! The resource owner's pages: `GET <ctx>/ws/oauth/authorize?oauth_token=T`
//! (Oscar's `login/3rdpartyLogin.jsp`) and the decision that follows.
//!
//! Without a session the page is a sign-in form (`username`, `password`,
//! `pin`, hidden `oauth_token`) posting to `<ctx>/login.do`, which writes the
//! provider into the request token and comes back here. With a session it
//! shows the client's name and Authorize / Deny buttons
//! (`name="oauthDecision"`, `value="allow"|"deny"`) posting to
//! `<ctx>/ws/oauth/authorize/decision` with a one-time
//! `session_authenticity_token` (classic, CXF), or to
//! `POST <ctx>/ws/oauth/authorize` (Open-O).
//!
//! Allow answers 303 to `callback?oauth_token=T&oauth_verifier=V`. Deny
//! answers 303 to `callback?oauth_token=T&oauth_problem=user_refused` and
//! deletes the request token: the simulator's choice, so the consumer learns
//! of the refusal and the token cannot be used again.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;

use super::signature::percent_encode;
use super::store::RequestToken;
use crate::clinic::Variant;
use crate::pages::error_page;
use crate::pages::html::esc;
use crate::server::respond::{html, html_status};
use crate::server::session::session_id;
use crate::server::SimState;

type Fields = HashMap<String, String>;

/// `GET <ctx>/ws/oauth/authorize?oauth_token=T`.
pub(super) async fn authorize(
    State(state): State<SimState>,
    headers: HeaderMap,
    Query(params): Query<Fields>,
) -> Response {
    let Some(request) = live_token(&state, field(&params, "oauth_token")) else {
        return unknown_token();
    };
    match signed_in(&state, &headers) {
        None => html(third_party_login_page(&state, &request.token, None)),
        Some((session, provider_no)) => {
            state.oauth.set_request_token_provider(&request.token, &provider_no);
            let authenticity = match state.config.variant {
                Variant::Classic => Some(state.oauth.issue_authenticity_token(&session, &request.token)),
                Variant::OpenO => None,
            };
            html(decision_page(&state, &request, &provider_no, authenticity.as_deref()))
        }
    }
}

/// `POST <ctx>/ws/oauth/authorize/decision` (classic): needs the session
/// that saw the page and its authenticity token.
pub(super) async fn decision(State(state): State<SimState>, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let Some((session, provider_no)) = signed_in(&state, &headers) else {
        return html_status(StatusCode::BAD_REQUEST, error_page(400, "No signed-in session for this decision."));
    };
    let token = field(&form, "oauth_token");
    if !state.oauth.take_authenticity_token(field(&form, "session_authenticity_token"), &session, token) {
        return html_status(StatusCode::BAD_REQUEST, error_page(400, "Invalid session authenticity token."));
    }
    decide(&state, token, &provider_no, field(&form, "oauthDecision") == "allow")
}

/// `POST <ctx>/ws/oauth/authorize` (Open-O): needs a signed-in session;
/// anything but `oauthDecision=deny` allows.
pub(super) async fn authorize_post(
    State(state): State<SimState>,
    headers: HeaderMap,
    Form(form): Form<Fields>,
) -> Response {
    let Some((_, provider_no)) = signed_in(&state, &headers) else {
        return html_status(StatusCode::UNAUTHORIZED, error_page(401, "Not logged in."));
    };
    decide(&state, field(&form, "oauth_token"), &provider_no, field(&form, "oauthDecision") != "deny")
}

/// Records the decision and sends the browser back to the consumer.
fn decide(state: &SimState, token: &str, provider_no: &str, allow: bool) -> Response {
    let Some(request) = live_token(state, token) else {
        return unknown_token();
    };
    let client_uri = state.oauth.client(&request.client_key).map(|c| c.uri).unwrap_or_default();
    if !allow {
        state.oauth.remove_request_token(&request.token);
        let target = with_query(
            &callback_or(&request, &client_uri),
            &[("oauth_token", &request.token), ("oauth_problem", "user_refused")],
        );
        return see_other(&target);
    }
    let Some(request) = state.oauth.authorize_request_token(&request.token, provider_no) else {
        return unknown_token();
    };
    let verifier = request.verifier.clone().unwrap_or_default();
    tracing::info!(provider = provider_no, "authorized a request token");
    if state.config.variant == Variant::OpenO && request.callback == "oob" {
        // Open-O shows the verifier as text for out-of-band clients.
        return ([(CONTENT_TYPE, "text/plain")], format!("oauth_verifier={verifier}")).into_response();
    }
    let target = with_query(
        &callback_or(&request, &client_uri),
        &[("oauth_token", &request.token), ("oauth_verifier", &verifier)],
    );
    see_other(&target)
}

/// Classic sends a token without a usable callback to the application URI.
fn callback_or(request: &RequestToken, client_uri: &str) -> String {
    if request.callback.is_empty() || request.callback == "oob" {
        client_uri.to_owned()
    } else {
        request.callback.clone()
    }
}

/// Appends query parameters with `?` or, when there is a query, `&`.
fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params.iter().map(|(n, v)| format!("{n}={}", percent_encode(v))).collect();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{}", query.join("&"))
}

fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location.to_owned())]).into_response()
}

fn unknown_token() -> Response {
    html_status(StatusCode::BAD_REQUEST, error_page(400, "The OAuth request token is unknown or has expired."))
}

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.get(name).map(|v| v.trim()).unwrap_or("")
}

fn live_token(state: &SimState, token: &str) -> Option<RequestToken> {
    state.oauth.request_token(token, state.now_secs())
}

/// The signed-in session: (session id, provider number).
fn signed_in(state: &SimState, headers: &HeaderMap) -> Option<(String, String)> {
    let id = session_id(headers)?;
    let provider = state.sessions.provider(&id)?;
    Some((id, provider))
}

/// The client's display name for a request token.
fn client_name(state: &SimState, request_token: &str) -> String {
    live_token(state, request_token)
        .and_then(|t| state.oauth.client(&t.client_key))
        .map(|c| c.name)
        .unwrap_or_else(|| "An application".to_owned())
}

/// The 3rd-party sign-in form, with an optional error.
pub(crate) fn third_party_login_page(state: &SimState, oauth_token: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<div class=\"login-error\" style=\"color:#b00;\">{}</div>\n", esc(e)))
        .unwrap_or_default();
    page(
        "OSCAR 3rd Party Login",
        &format!(
            "<h2>3rd party login</h2>\n<p><b>{client}</b> is requesting access to OSCAR on your behalf. Sign in to continue.</p>\n{error}\
             <form name=\"loginForm\" id=\"loginForm\" method=\"post\" action=\"{action}\">\n\
             <label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"off\">\n\
             <label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"off\">\n\
             <label for=\"pin\">2nd Level Passcode</label><input type=\"password\" id=\"pin\" name=\"pin\" autocomplete=\"off\">\n\
             <input type=\"hidden\" name=\"oauth_token\" value=\"{token}\">\n\
             <p><input type=\"submit\" id=\"loginSubmit\" value=\"Sign in\"></p>\n</form>\n\
             <p style=\"font-size:11px;color:#666\">Simulator: username is a provider number (e.g. 100001), password <code>oscar-sim</code>, passcode <code>1117</code>.</p>\n",
            client = esc(&client_name(state, oauth_token)),
            action = esc(&state.url("/login.do")),
            token = esc(oauth_token),
        ),
    )
}

/// The Authorize / Deny page for a signed-in provider.
fn decision_page(state: &SimState, request: &RequestToken, provider_no: &str, authenticity: Option<&str>) -> String {
    let (action, hidden) = match authenticity {
        Some(value) => (
            state.url("/ws/oauth/authorize/decision"),
            format!("<input type=\"hidden\" name=\"session_authenticity_token\" value=\"{}\">\n", esc(value)),
        ),
        None => (state.url("/ws/oauth/authorize"), String::new()),
    };
    let who = state.clinic.provider(provider_no).map(|p| p.formatted_name()).unwrap_or_else(|| provider_no.to_owned());
    page(
        "OSCAR 3rd Party Authorization",
        &format!(
            "<h2>Authorize access</h2>\n<p>Signed in as <span id=\"providerName\">{who}</span>.</p>\n\
             <p><b id=\"clientName\">{client}</b> would like to access OSCAR with your account.</p>\n\
             <form name=\"authorizeForm\" id=\"authorizeForm\" method=\"post\" action=\"{action}\">\n{hidden}\
             <input type=\"hidden\" name=\"oauth_token\" value=\"{token}\">\n\
             <button type=\"submit\" id=\"oauthAllow\" name=\"oauthDecision\" value=\"allow\">Authorize</button>\n\
             <button type=\"submit\" id=\"oauthDeny\" name=\"oauthDecision\" value=\"deny\">Deny</button>\n</form>\n",
            who = esc(&who),
            client = esc(&client_name(state, &request.token)),
            action = esc(&action),
            token = esc(&request.token),
        ),
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n<title>{}</title>\n\
         <style>body{{font-family:Arial,sans-serif;background:#f4f6f9}} .box{{width:360px;margin:80px auto;padding:24px;background:#fff;border:1px solid #ccd}} label{{display:block;margin-top:10px}} input[type=text],input[type=password]{{width:100%}}</style>\n\
         </head>\n<body>\n<div class=\"box\">\n{body}</div>\n</body>\n</html>\n",
        esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_appended_with_the_right_separator() {
        assert_eq!(with_query("http://a/cb", &[("x", "1"), ("y", "a b")]), "http://a/cb?x=1&y=a%20b");
        assert_eq!(with_query("http://a/cb?s=1", &[("x", "1")]), "http://a/cb?s=1&x=1");
    }
}
