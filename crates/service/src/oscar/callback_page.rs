//! `GET /oscar/callback`: where Oscar sends the admin's browser after Allow
//! or Deny. An HTML page, not JSON: a person reads it.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, DOCTYPE};
use serde::Deserialize;

use crate::http::error::ApiError;
use crate::http::AppState;

/// The callback route.
pub fn router() -> Router<AppState> {
    Router::new().route("/oscar/callback", get(callback))
}

#[derive(Deserialize)]
struct CallbackQuery {
    oauth_token: Option<String>,
    oauth_verifier: Option<String>,
    oauth_problem: Option<String>,
}

/// Finishes the connection and says what happened.
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    let french = prefers_french(&headers);
    let Ok(Query(q)) = query else {
        return page(french, StatusCode::BAD_REQUEST, false, "This link is not complete.");
    };
    let Some(token) = q.oauth_token.filter(|t| !t.is_empty() && t.len() <= 200) else {
        return page(french, StatusCode::BAD_REQUEST, false, "This link is not complete.");
    };
    match state.oscar.complete(&token, q.oauth_verifier.as_deref(), q.oauth_problem.as_deref()).await {
        Ok(provider) => page(french, StatusCode::OK, true, &provider),
        Err(err) => {
            let api: ApiError = err.into();
            let status = match &api {
                ApiError::Internal(_) | ApiError::Unavailable => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            let text = match &api {
                ApiError::Internal(detail) => {
                    tracing::error!(%detail, "completing the Oscar connection failed");
                    "Something went wrong on our side. Please try connecting again.".to_owned()
                }
                other => other.to_string(),
            };
            page(french, status, false, &text)
        }
    }
}

fn prefers_french(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("fr"))
}

/// The page an admin sees after authorising in Oscar.
fn page(french: bool, status: StatusCode, connected: bool, text: &str) -> Response {
    let (lang, title) = match (french, connected) {
        (false, true) => ("en", "Oscar is connected"),
        (false, false) => ("en", "Oscar is not connected"),
        (true, true) => ("fr", "Oscar est connecté"),
        (true, false) => ("fr", "Oscar n'est pas connecté"),
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/portal/static/portal.css";
            }
            body {
                main id="main" {
                    h1 { (title) }
                    @if connected {
                        p { @if french { "Connecté en tant que " } @else { "Connected as " } strong { (text) } "." }
                        p { @if french { "Vous pouvez fermer cet onglet et revenir à Oscar." }
                            @else { "You can close this tab and go back to Oscar." } }
                    } @else {
                        p class="error" { (text) }
                    }
                }
            }
        }
    };
    let mut response = (status, Html(markup.into_string())).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'"),
    );
    response
}
