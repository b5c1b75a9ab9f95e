//! `GET /openapi.json`: the API described for integrators.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::AppState;

/// The document, kept next to the code it describes (`openapi.json`).
const DOCUMENT: &str = include_str!("openapi.json");

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

/// `GET /openapi.json`.
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
