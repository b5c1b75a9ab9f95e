//! Test controls for the REST API and the OAuth provider, under `/__sim/`
//! (no authentication; the simulator is a test fixture):
//!
//! - `POST /__sim/rest-clients` `{"name","uri","lifetime"[,"key","secret"]}` →
//!   the client `{"name","key","secret","uri","lifetime"}`; a missing
//!   lifetime is -1, a string one is parsed as Oscar's admin page does
//!   (non-numeric → 0). `GET` lists the clients.
//! - `GET /__sim/access-tokens` → `[{"token","provider_no","client_key","lifetime","issued"}]`;
//!   `POST` `{"client_key","provider_no"[,"lifetime"]}` mints one without
//!   the three-legged flow and also returns its `"secret"`;
//!   `DELETE /__sim/access-tokens/{token}` revokes one (204, or 404).
//! - `GET /__sim/notes/{demographicNo}` → the saved note revisions.
//! - `GET|POST /__sim/faults` (see `faults`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::faults::FaultSettings;
use super::oauth::{parse_lifetime, NewRestClient};
use super::SimState;

/// The control routes.
pub(super) fn router() -> Router<SimState> {
    Router::new()
        .route("/__sim/rest-clients", get(list_clients).post(add_client))
        .route("/__sim/access-tokens", get(list_tokens).post(mint_token))
        .route("/__sim/access-tokens/{token}", delete(revoke_token))
        .route("/__sim/notes/{demographic_no}", get(notes))
        .route("/__sim/faults", get(get_faults).post(set_faults))
}

#[derive(Debug, Deserialize)]
struct NewClientBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    uri: String,
    #[serde(default)]
    lifetime: Value,
    key: Option<String>,
    secret: Option<String>,
}

async fn add_client(State(state): State<SimState>, Json(body): Json<NewClientBody>) -> Response {
    let lifetime = match &body.lifetime {
        Value::Null => -1,
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => parse_lifetime(s),
        _ => 0,
    };
    let client = state.oauth.add_client(NewRestClient {
        name: body.name,
        uri: body.uri,
        lifetime,
        key: body.key.filter(|k| !k.is_empty()),
        secret: body.secret.filter(|s| !s.is_empty()),
    });
    Json(client).into_response()
}

async fn list_clients(State(state): State<SimState>) -> Response {
    Json(state.oauth.clients()).into_response()
}

async fn list_tokens(State(state): State<SimState>) -> Response {
    Json(state.oauth.access_tokens()).into_response()
}

#[derive(Debug, Deserialize)]
struct MintBody {
    client_key: String,
    provider_no: String,
    lifetime: Option<i64>,
}

async fn mint_token(State(state): State<SimState>, Json(body): Json<MintBody>) -> Response {
    let Some(client) = state.oauth.client(&body.client_key) else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such client" }))).into_response();
    };
    if state.clinic.provider(&body.provider_no).is_none() {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such provider" }))).into_response();
    }
    let lifetime = body.lifetime.unwrap_or(client.lifetime);
    let token = state.oauth.mint_access_token(&client.key, &body.provider_no, lifetime, state.now_secs());
    let mut value = json!(token);
    value["secret"] = json!(token.secret);
    Json(value).into_response()
}

async fn revoke_token(State(state): State<SimState>, Path(token): Path<String>) -> StatusCode {
    if state.oauth.remove_access_token(&token) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn notes(State(state): State<SimState>, Path(demographic_no): Path<u32>) -> Response {
    Json(state.notes.for_patient(demographic_no)).into_response()
}

async fn get_faults(State(state): State<SimState>) -> Response {
    Json(state.faults.get()).into_response()
}

async fn set_faults(State(state): State<SimState>, Json(settings): Json<FaultSettings>) -> Response {
    tracing::info!(?settings, "faults set");
    state.faults.set(settings.clone());
    Json(settings).into_response()
}
