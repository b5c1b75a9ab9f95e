//! Conversations for staff: the three lists, one conversation, sending, and
//! the three-dots actions (mark unread, close, reopen, members, files).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use cortico_protocol::api::{
    AttachmentInfo, ConversationDetail, ConversationPage, MarkReadRequest, Member, SendMessageRequest,
    SendMessageResponse, StartConversationRequest, UnreadCount,
};
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::extract::{AppJson, AppPath, AppQuery, StaffAuth};
use super::AppState;
use crate::oscar::patients::Refresh;
use crate::store::audit::{self, Record};
use crate::store::conversations::{self, Outgoing, Sent};
use crate::store::lists::{self, Cursor, Viewer};
use crate::store::{patients, Actor};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/conversations", post(start_conversation))
        .route("/api/conversations/triage", get(list_triage))
        .route("/api/conversations/mine", get(list_mine))
        .route("/api/patients/{demographic_no}/conversations", get(list_patient_conversations))
        .route("/api/conversations/{id}", get(get_conversation))
        .route("/api/conversations/{id}/messages", post(send_message))
        .route("/api/conversations/{id}/read", post(mark_read))
        .route("/api/conversations/{id}/unread", post(mark_unread))
        .route("/api/conversations/{id}/close", post(close_conversation))
        .route("/api/conversations/{id}/reopen", post(reopen_conversation))
        .route("/api/conversations/{id}/members", get(list_members))
        .route("/api/conversations/{id}/files", get(list_files))
        .route("/api/unread", get(unread_count))
}

/// `?cursor=…&limit=…` of the lists.
#[derive(Debug, Deserialize)]
struct PageQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

impl PageQuery {
    fn parse(&self) -> ApiResult<(Cursor, i64)> {
        let cursor = match &self.cursor {
            None => Cursor::START,
            Some(c) => Cursor::parse(c).ok_or_else(|| ApiError::BadRequest("That cursor is not valid.".into()))?,
        };
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::BadRequest("limit must be between 1 and 200.".into()));
        }
        Ok((cursor, limit))
    }
}

fn viewer(auth: &StaffAuth) -> Viewer {
    Viewer::Staff { id: auth.0.staff_id, clinic_id: auth.0.clinic_id }
}

/// Reading a list reads patients' data: one audit record per conversation
/// shown. The panel reloads its list on every change, so a row the same
/// person already saw in the last few minutes is not recorded again (see
/// `audit::RecentViews`); opening a conversation is always recorded.
fn audit_list(state: &AppState, actor: Actor, listed: &lists::Listed) {
    let now = state.clock.now();
    let records: Vec<Record> = listed
        .page
        .items
        .iter()
        .zip(&listed.patient_ids)
        .filter(|(c, _)| state.list_views.first_in_window(actor, c.id, now))
        .map(|(c, &patient_id)| Record::new(actor, "conversation.list", Some(patient_id), Some(c.id)))
        .collect();
    if records.is_empty() {
        return;
    }
    state.db.write_later(move |w| Box::pin(async move { audit::append(w, now, &records).await }));
}

/// `GET /api/conversations/triage`: conversations waiting for the clinic.
async fn list_triage(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<AppJson<ConversationPage>> {
    let (cursor, limit) = q.parse()?;
    let listed = lists::triage(state.db.read(), auth.0.clinic_id, auth.0.staff_id, cursor, limit).await?;
    audit_list(&state, auth.actor(), &listed);
    Ok(AppJson(listed.page))
}

/// `GET /api/conversations/mine`: conversations the user is a member of.
async fn list_mine(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<AppJson<ConversationPage>> {
    let (cursor, limit) = q.parse()?;
    let listed = lists::mine(state.db.read(), auth.0.staff_id, cursor, limit).await?;
    audit_list(&state, auth.actor(), &listed);
    Ok(AppJson(listed.page))
}

/// `GET /api/patients/{demographic_no}/conversations`: every conversation
/// with one patient (empty for a patient never messaged).
async fn list_patient_conversations(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(demographic_no): AppPath<i64>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<AppJson<ConversationPage>> {
    let (cursor, limit) = q.parse()?;
    let Some(patient) = patients::by_demographic_no(state.db.read(), auth.0.clinic_id, demographic_no).await? else {
        return Ok(AppJson(ConversationPage { items: vec![], next_cursor: None }));
    };
    let listed = lists::by_patient(state.db.read(), viewer(&auth), patient.id, cursor, limit).await?;
    audit_list(&state, auth.actor(), &listed);
    Ok(AppJson(listed.page))
}

/// `GET /api/unread`: the badge number.
async fn unread_count(State(state): State<AppState>, auth: StaffAuth) -> ApiResult<AppJson<UnreadCount>> {
    let count = lists::unread_count(state.db.read(), auth.0.clinic_id, auth.0.staff_id).await?;
    Ok(AppJson(UnreadCount { count }))
}

/// `?before=<message id>` for older messages.
#[derive(Debug, Deserialize)]
struct DetailQuery {
    before: Option<i64>,
}

/// `GET /api/conversations/{id}`: messages with read status.
async fn get_conversation(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
    AppQuery(q): AppQuery<DetailQuery>,
) -> ApiResult<AppJson<ConversationDetail>> {
    let detail = lists::detail(state.db.read(), viewer(&auth), id, q.before).await?;
    audit_one(&state, auth.actor(), id, "conversation.view").await?;
    Ok(AppJson(detail))
}

async fn audit_one(state: &AppState, actor: Actor, conversation_id: i64, action: &'static str) -> ApiResult<()> {
    let patient_id = lists::patient_of(state.db.read(), actor.clinic_id(), conversation_id).await?;
    let now = state.clock.now();
    let record = Record::new(actor, action, Some(patient_id), Some(conversation_id));
    state.db.write_later(move |w| Box::pin(async move { audit::append(w, now, &[record]).await }));
    Ok(())
}

fn outgoing(req: SendMessageRequest) -> Outgoing {
    Outgoing {
        body: req.body,
        attachment_ids: req.attachment_ids,
        allow_replies: req.allow_replies,
        idempotency_key: req.idempotency_key,
    }
}

/// The answer to a send: the conversation's row and the message as the
/// sender sees them, computed in the write itself (no second read).
fn sent_response(sent: Sent) -> ApiResult<(StatusCode, AppJson<SendMessageResponse>)> {
    let status = if sent.replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((
        status,
        AppJson(SendMessageResponse {
            conversation: sent.conversation,
            message: sent.message,
            replayed: sent.replayed,
        }),
    ))
}

/// `POST /api/conversations`: a new conversation with a patient, and its first message.
async fn start_conversation(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppJson(req): AppJson<StartConversationRequest>,
) -> ApiResult<(StatusCode, AppJson<SendMessageResponse>)> {
    refresh_from_oscar(&state, &auth, req.patient.demographic_no).await?;
    let sent =
        conversations::start(&state.db, auth.actor(), req.patient, outgoing(req.message), state.clock.now()).await?;
    // The patient's notification was queued with the message: send it now.
    state.notifier.wake();
    sent_response(sent)
}

/// Before a first message, the patient's email, phone and identity details
/// come from Oscar when the clinic connected it (at most a day old). Oscar
/// being slow or down never stops the message: it is sent with what the
/// service already has. A number Oscar says it does not know is refused.
async fn refresh_from_oscar(state: &AppState, auth: &StaffAuth, demographic_no: u32) -> ApiResult<()> {
    let refresh = state.oscar.refresh_patient(auth.actor(), demographic_no, false);
    match tokio::time::timeout(std::time::Duration::from_secs(5), refresh).await {
        Ok(Ok(Refresh::NotInOscar)) => return Err(super::oscar::not_in_oscar(demographic_no)),
        Ok(Ok(_)) => {}
        Ok(Err(err)) => {
            tracing::warn!(clinic_id = auth.0.clinic_id, error = err.label(), "could not read the patient from Oscar")
        }
        Err(_) => tracing::warn!(clinic_id = auth.0.clinic_id, "Oscar took too long to answer; sending without it"),
    }
    Ok(())
}

/// `POST /api/conversations/{id}/messages`: Send, or Send & Allow Replies.
async fn send_message(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<SendMessageRequest>,
) -> ApiResult<(StatusCode, AppJson<SendMessageResponse>)> {
    let sent = conversations::send(&state.db, auth.actor(), id, outgoing(req), state.clock.now()).await?;
    // The patient's notification was queued with the message: send it now.
    state.notifier.wake();
    sent_response(sent)
}

/// `POST /api/conversations/{id}/read`: the user has read up to a message.
async fn mark_read(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<MarkReadRequest>,
) -> ApiResult<StatusCode> {
    conversations::mark_read(&state.db, auth.actor(), id, req.up_to_message_id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/conversations/{id}/unread`: back to unread, for this user only.
async fn mark_unread(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
) -> ApiResult<StatusCode> {
    conversations::mark_unread(&state.db, auth.actor(), id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/conversations/{id}/close`: no more patient replies.
async fn close_conversation(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
) -> ApiResult<StatusCode> {
    conversations::set_open(&state.db, auth.actor(), id, false, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/conversations/{id}/reopen`: the patient may reply again.
async fn reopen_conversation(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
) -> ApiResult<StatusCode> {
    conversations::set_open(&state.db, auth.actor(), id, true, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/conversations/{id}/members`: group info.
async fn list_members(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
) -> ApiResult<AppJson<Vec<Member>>> {
    let members = lists::members(state.db.read(), viewer(&auth), id).await?;
    audit_one(&state, auth.actor(), id, "conversation.members").await?;
    Ok(AppJson(members))
}

/// `GET /api/conversations/{id}/files`: every file in the conversation.
async fn list_files(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
) -> ApiResult<AppJson<Vec<AttachmentInfo>>> {
    let files = lists::files(state.db.read(), viewer(&auth), id).await?;
    audit_one(&state, auth.actor(), id, "conversation.files").await?;
    Ok(AppJson(files))
}
