//! The clinic's Oscar origins: where the browser plug-in may run. Every
//! staff member's plug-in reads them after sign-in; administrators add the
//! ones beside the Oscar connection's (a second Oscar host, a hosted address).

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use cortico_protocol::origins::{OriginRequest, OscarOrigins};

use super::error::ApiResult;
use super::extract::{AppJson, StaffAuth};
use super::AppState;
use crate::store::origins;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/clinic/origins", get(list).post(add).delete(remove))
}

async fn current(state: &AppState, clinic_id: i64) -> ApiResult<OscarOrigins> {
    let connection = state.oscar.status(clinic_id).await?;
    let origins = origins::list(state.db.read(), connection.base_url.as_deref(), clinic_id).await?;
    Ok(OscarOrigins { origins })
}

/// `GET /api/clinic/origins`: the origins where the plug-in is active.
async fn list(State(state): State<AppState>, auth: StaffAuth) -> ApiResult<AppJson<OscarOrigins>> {
    Ok(AppJson(current(&state, auth.0.clinic_id).await?))
}

/// `POST /api/clinic/origins`: adds one (administrators); answers them all.
async fn add(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppJson(req): AppJson<OriginRequest>,
) -> ApiResult<AppJson<OscarOrigins>> {
    auth.require_admin()?;
    origins::add(&state.db, auth.actor(), &req.origin, state.clock.now()).await?;
    Ok(AppJson(current(&state, auth.0.clinic_id).await?))
}

/// `DELETE /api/clinic/origins`: removes an added one (administrators).
async fn remove(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppJson(req): AppJson<OriginRequest>,
) -> ApiResult<AppJson<OscarOrigins>> {
    auth.require_admin()?;
    origins::remove(&state.db, auth.actor(), &req.origin, state.clock.now()).await?;
    Ok(AppJson(current(&state, auth.0.clinic_id).await?))
}
