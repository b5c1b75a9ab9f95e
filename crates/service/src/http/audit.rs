//! `GET /api/audit`: the clinic's audit log, for clinic administrators.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use cortico_protocol::api::AuditPage;
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::extract::{AppJson, AppQuery, StaffAuth};
use super::AppState;
use crate::store::{audit, patients};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/audit", get(list_audit))
}

/// `?demographic_no=&before=&limit=`.
#[derive(Debug, Deserialize)]
struct AuditQuery {
    demographic_no: Option<i64>,
    before: Option<i64>,
    limit: Option<i64>,
}

/// `GET /api/audit`: newest first; one patient's with `demographic_no`.
async fn list_audit(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppQuery(q): AppQuery<AuditQuery>,
) -> ApiResult<AppJson<AuditPage>> {
    auth.require_admin()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest("limit must be between 1 and 1000.".into()));
    }
    let patient_id = match q.demographic_no {
        None => None,
        Some(n) => match patients::by_demographic_no(state.db.read(), auth.0.clinic_id, n).await? {
            Some(p) => Some(p.id),
            None => return Ok(AppJson(AuditPage { items: vec![], next_before: None })),
        },
    };
    Ok(AppJson(audit::query(state.db.read(), auth.0.clinic_id, patient_id, q.before, limit).await?))
}
