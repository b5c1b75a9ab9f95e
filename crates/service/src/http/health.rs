//! `GET /healthz`: for load balancers and monitoring.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(health))
}

/// `GET /healthz`: 200 when the database answers.
async fn health(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    sqlx::query("SELECT 1").execute(state.db.read()).await.map_err(|_| ApiError::Unavailable)?;
    Ok(Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })))
}
