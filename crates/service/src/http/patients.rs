//! Patients for staff: contact and identity details (for notifications and
//! the portal's identity check), and unlocking a locked-out patient.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use cortico_protocol::api::{PatientDetails, PatientDetailsRequest, Role};

use super::error::{ApiError, ApiResult};
use super::extract::{AppJson, AppPath, StaffAuth};
use super::AppState;
use crate::store::audit::{self, Record};
use crate::store::patients;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/patients/{demographic_no}", get(get_patient))
        .route("/api/patients/{demographic_no}/details", post(update_patient))
        .route("/api/patients/{demographic_no}/unlock", post(unlock_patient))
}

/// `GET /api/patients/{demographic_no}`: what the service holds, including
/// whether the patient can verify their identity and whether they are locked out.
async fn get_patient(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(demographic_no): AppPath<i64>,
) -> ApiResult<AppJson<PatientDetails>> {
    let details = patients::details(state.db.read(), auth.0.clinic_id, demographic_no).await?;
    if let Ok(Some(p)) = patients::by_demographic_no(state.db.read(), auth.0.clinic_id, demographic_no).await {
        let (record, now) = (Record::new(auth.actor(), "patient.view", Some(p.id), None), state.clock.now());
        state.db.write_later(move |w| Box::pin(async move { audit::append(w, now, &[record]).await }));
    }
    Ok(AppJson(details))
}

/// Who may type a patient's health card number and date of birth (what the
/// portal's identity check compares): see the roles table in the README.
fn may_set_identity(role: Role) -> bool {
    matches!(role, Role::Doctor | Role::Admin)
}

/// `POST /api/patients/{demographic_no}/details`: sets contact and identity
/// details by hand. With Oscar connected those come from Oscar only (its
/// master record, then Refresh from Oscar); names may still be set.
async fn update_patient(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(demographic_no): AppPath<i64>,
    AppJson(req): AppJson<PatientDetailsRequest>,
) -> ApiResult<AppJson<PatientDetails>> {
    let identity = req.health_card_number.is_some() || req.date_of_birth.is_some();
    if identity && !may_set_identity(auth.role()) {
        return Err(ApiError::Forbidden(
            "Only doctors and administrators may set a patient's health card number or date of birth.".into(),
        ));
    }
    if (identity || req.email.is_some() || req.phone.is_some()) && state.oscar.is_connected(auth.0.clinic_id).await? {
        return Err(ApiError::Coded(
            StatusCode::CONFLICT,
            "oscar_managed",
            "With Oscar connected, a patient's email, phone, health card number and date of birth come from \
             Oscar: change them in Oscar's master record, then choose Refresh from Oscar."
                .into(),
        ));
    }
    let changed = patients::update_details(
        &state.db,
        auth.actor(),
        demographic_no,
        req,
        &state.settings.secret_key,
        state.clock.now(),
        patients::Source::Staff,
    )
    .await?;
    if changed {
        // The previous email address is told (queued with the change).
        state.notifier.wake();
    }
    Ok(AppJson(patients::details(state.db.read(), auth.0.clinic_id, demographic_no).await?))
}

/// `POST /api/patients/{demographic_no}/unlock`: lets a locked-out patient
/// try again (audited as `patient.unlock`).
async fn unlock_patient(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(demographic_no): AppPath<i64>,
) -> ApiResult<StatusCode> {
    patients::unlock(&state.db, auth.actor(), demographic_no, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
