//! The clinic's Oscar connection: admins connect it (OAuth 1.0a; Oscar then
//! sends the admin's browser to `/oscar/callback`, see
//! `crate::oscar::callback_page`); staff read a day's appointments with
//! unread counts, refresh a patient from Oscar and save transcripts to the chart.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use cortico_protocol::api::{
    ChartNoteSaved, OscarAuthorize, OscarConnectRequest, OscarConnection, PatientDetails, ScheduleDay, ScheduleEntry,
};
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::extract::{AppJson, AppPath, AppQuery, StaffAuth};
use super::AppState;
use crate::clock::MINUTE;
use crate::oscar::patients::Refresh;
use crate::oscar::ConnectorError;
use crate::store::chart_notes::{self, Begun};
use crate::store::lists::{self, Viewer};
use crate::store::{patients, rate_limit, transcript};
use crate::timezone;

/// Refreshes from Oscar one staff member may ask for in ten minutes.
const REFRESH_LIMIT: i64 = 20;

/// Why a save may be in the chart already, and what to do.
const UNCERTAIN: &str = "Oscar did not answer after the note was sent, so it may already be in the patient's \
     chart. Check the chart in Oscar before anything else: this transcript is not sent again, so it is never \
     saved twice (after a new message, Save to chart saves the whole conversation again).";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/oscar/connection", get(connection).put(connect).delete(disconnect))
        .route("/api/schedule", get(schedule))
        .route("/api/patients/{demographic_no}/refresh", post(refresh_patient))
        .route("/api/conversations/{id}/chart", post(save_to_chart))
}

/// `GET /api/oscar/connection`: where the connection stands (admins).
async fn connection(State(state): State<AppState>, auth: StaffAuth) -> ApiResult<AppJson<OscarConnection>> {
    auth.require_admin()?;
    Ok(AppJson(state.oscar.status(auth.0.clinic_id).await?))
}

/// `PUT /api/oscar/connection`: starts connecting; answers where to authorise.
async fn connect(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppJson(req): AppJson<OscarConnectRequest>,
) -> ApiResult<AppJson<OscarAuthorize>> {
    auth.require_admin()?;
    let authorize_url = state
        .oscar
        .connect(
            auth.actor(),
            &req.base_url,
            &req.client_key,
            req.client_secret.as_deref(),
            req.signature_method.as_deref(),
        )
        .await?;
    Ok(AppJson(OscarAuthorize { authorize_url }))
}

/// `DELETE /api/oscar/connection`: forgets the connection (admins).
async fn disconnect(State(state): State<AppState>, auth: StaffAuth) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    state.oscar.disconnect(auth.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ScheduleQuery {
    date: Option<String>,
    provider: Option<String>,
}

/// `GET /api/schedule?date=YYYY-MM-DD&provider=N`: a provider's appointments
/// from Oscar (today and the connected provider by default), each with the
/// patient's unread conversations for the signed-in user.
async fn schedule(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppQuery(q): AppQuery<ScheduleQuery>,
) -> ApiResult<AppJson<ScheduleDay>> {
    let clinic = crate::store::clinics::by_id(state.db.read(), auth.0.clinic_id).await?;
    let date = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if valid_date(d) => d.to_owned(),
        Some(_) => return Err(ApiError::BadRequest("The date must be YYYY-MM-DD.".into())),
        None => timezone::format_local(state.clock.now(), clinic.zone())[..10].to_owned(),
    };
    let provider = q.provider.as_deref().map(str::trim).filter(|p| !p.is_empty());
    if provider.is_some_and(|p| p.len() > 20 || !p.chars().all(|c| c.is_ascii_alphanumeric())) {
        return Err(ApiError::BadRequest("That is not an Oscar provider number.".into()));
    }
    let appointments = state.oscar.appointments(auth.0.clinic_id, &date, provider).await?;
    let patients: Vec<i64> =
        appointments.iter().filter(|a| a.demographic_no != 0).map(|a| i64::from(a.demographic_no)).collect();
    let unread = lists::unread_by_patient(state.db.read(), auth.0.clinic_id, auth.0.staff_id, &patients).await?;
    let appointments = appointments
        .into_iter()
        .map(|a| ScheduleEntry {
            unread: unread.get(&i64::from(a.demographic_no)).copied().unwrap_or(0),
            appointment_no: a.appointment_no,
            demographic_no: a.demographic_no,
            start_time: a.start_time,
        })
        .collect();
    Ok(AppJson(ScheduleDay { date, appointments }))
}

fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&d[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d[8..10].parse::<u32>().unwrap_or(0))
}

/// `POST /api/patients/{demographic_no}/refresh`: reads the patient's record
/// from Oscar now (name, email, phone, identity details).
async fn refresh_patient(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(demographic_no): AppPath<u32>,
) -> ApiResult<AppJson<PatientDetails>> {
    let key = format!("oscar_refresh:{}", auth.actor().key());
    let busy = "Too many refreshes from Oscar in a short time. Try again in a few minutes.";
    rate_limit::take(&state.db, key, state.clock.now(), 10 * MINUTE, REFRESH_LIMIT, busy).await?;
    match state.oscar.refresh_patient(auth.actor(), demographic_no, true).await? {
        Refresh::Updated | Refresh::Fresh => {}
        Refresh::NotConnected => {
            return Err(ApiError::Coded(
                StatusCode::CONFLICT,
                "oscar_not_connected",
                "Oscar is not connected. An administrator can connect it from the menu.".into(),
            ))
        }
        Refresh::NotInOscar => return Err(not_in_oscar(demographic_no)),
    }
    Ok(AppJson(patients::details(state.db.read(), auth.0.clinic_id, i64::from(demographic_no)).await?))
}

/// The answer for a demographic number Oscar does not know.
pub(super) fn not_in_oscar(demographic_no: u32) -> ApiError {
    ApiError::Coded(
        StatusCode::NOT_FOUND,
        "not_in_oscar",
        format!("Oscar has no patient with demographic number {demographic_no}."),
    )
}

/// `POST /api/conversations/{id}/chart`: saves the conversation's transcript
/// to the patient's chart in Oscar as an unsigned email-encounter note. A
/// transcript is saved once: saving it again answers as the first save did,
/// and one whose save got no answer is not sent again (`chart_save_uncertain`).
async fn save_to_chart(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
) -> ApiResult<AppJson<ChartNoteSaved>> {
    let viewer = Viewer::Staff { id: auth.0.staff_id, clinic_id: auth.0.clinic_id };
    let clinic = crate::store::clinics::by_id(state.db.read(), auth.0.clinic_id).await?;
    let transcript = transcript::transcript(state.db.read(), viewer, id).await?;
    let (through, messages) = (transcript.last_message_id, transcript.messages.len());
    let uncertain = |status| ApiError::Coded(status, "chart_save_uncertain", UNCERTAIN.into());
    match chart_notes::begin(&state.db, auth.actor(), id, through, state.clock.now()).await? {
        Begun::Started => {}
        Begun::Saved { oscar_note_id, saved_at } => {
            return Ok(AppJson(ChartNoteSaved { note_id: oscar_note_id, saved_at, messages }))
        }
        Begun::Uncertain => return Err(uncertain(StatusCode::CONFLICT)),
    }
    // Lets staff reading the chart tell which transcript a note is.
    let text = format!(
        "{}\n(Cortico conversation {id}, through message {through})\n",
        transcript.render(&clinic.name, clinic.zone())
    );
    let note_id = match state.oscar.save_note(auth.0.clinic_id, transcript.demographic_no, &text).await {
        Ok(note_id) => note_id,
        Err(ConnectorError::Oscar(err)) if err.maybe_done() => {
            tracing::warn!(clinic_id = auth.0.clinic_id, conversation_id = id, "Save to chart: outcome unknown");
            return Err(uncertain(StatusCode::GATEWAY_TIMEOUT));
        }
        Err(err) => {
            chart_notes::abandon(&state.db, id, through).await?;
            return Err(err.into());
        }
    };
    let now = state.clock.now();
    let keys = (id, transcript.patient_id, through);
    chart_notes::record(&state.db, auth.actor(), keys, note_id.clone(), now).await?;
    Ok(AppJson(ChartNoteSaved { note_id, saved_at: now, messages }))
}
