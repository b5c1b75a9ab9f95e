//! The signed-in patient's side: their conversations, reading (which records
//! the read receipt staff see), replying with files, starting a conversation
//! when the clinic allows it, downloading files, signing out.

use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use cortico_protocol::api::limits::{MAX_ATTACHMENTS_PER_MESSAGE, MAX_ATTACHMENT_BYTES, MAX_MESSAGE_CHARS};
use cortico_protocol::api::{AuthorKind, ConversationState, ConversationSummary};
use maud::{html, Markup};

use super::i18n::{Lang, T};
use super::layout::{error_page, message_page, page, size, time};
use super::{guard, set_cookie, Patient, SESSION_COOKIE};
use crate::http::{attachments as http_attachments, error::ApiError, AppState};
use crate::store::conversations::{self, Outgoing};
use crate::store::lists::{self, Cursor, Viewer};
use crate::store::{attachments, clinics, patient_auth, StoreError};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(list_conversations))
        .route("/portal/c/{id}", get(show_conversation).post(reply))
        .route("/portal/new", get(new_form).post(start_conversation))
        .route("/portal/f/{id}", get(download))
        .route("/portal/sign-out", post(sign_out))
        // Replies carry files; each is capped at 25 MB by the file store.
        .layer(axum::extract::DefaultBodyLimit::max(2 * MAX_ATTACHMENT_BYTES + 256 * 1024))
}

fn viewer(p: &Patient) -> Viewer {
    Viewer::Patient { id: p.0.patient_id, clinic_id: p.0.clinic_id }
}

fn not_found(lang: Lang) -> Response {
    message_page(lang, StatusCode::NOT_FOUND, lang.t(T::NotFound), lang.t(T::NotFoundText))
}

/// Store errors as pages: another clinic's or patient's ids are "not found".
fn failure(lang: Lang, err: StoreError) -> Response {
    match err {
        StoreError::NotFound(_) => not_found(lang),
        other => {
            tracing::error!(error = %other, "portal request failed");
            error_page(lang)
        }
    }
}

/// `GET /portal`: the patient's conversations, newest first.
async fn list_conversations(State(state): State<AppState>, lang: Lang, patient: Patient) -> Response {
    let listed =
        match lists::by_patient(state.db.read(), viewer(&patient), patient.0.patient_id, Cursor::START, 200).await {
            Ok(l) => l,
            Err(e) => return failure(lang, e),
        };
    let unseen = lists::unseen_by_patient(state.db.read(), patient.0.patient_id).await.unwrap_or_default();
    let clinic = match clinics::by_id(state.db.read(), patient.0.clinic_id).await {
        Ok(c) => c,
        Err(e) => return failure(lang, e),
    };
    let (can_start, zone) = (clinic.patient_initiated != 0, clinic.zone());
    let content = html! {
        @if can_start { p { a class="button" href="/portal/new" { (lang.t(T::NewConversation)) } } }
        @if listed.page.items.is_empty() {
            p class="message" { (lang.t(T::NoConversations)) }
        } @else {
            ul class="conversations" {
                @for c in &listed.page.items {
                    li { (row(lang, c, unseen.contains(&c.id), zone)) }
                }
            }
        }
    };
    let title = format!("{} · {}", clinic.name, lang.t(T::YourConversations));
    page(lang, StatusCode::OK, &title, true, content)
}

fn row(lang: Lang, c: &ConversationSummary, unseen: bool, zone: crate::timezone::Zone) -> Markup {
    html! {
        a class={ "conversation" @if unseen { " unseen" } } href={ "/portal/c/" (c.id) } {
            span class="when" { (time(c.last_message_at, zone)) }
            @if unseen { span class="tag" { (lang.t(T::UnreadNew)) } }
            span class="preview" { (c.preview) }
        }
    }
}

/// `GET /portal/c/{id}`: the messages, with files; opening records the read
/// receipt staff see as "Read by <first name>".
async fn show_conversation(
    State(state): State<AppState>,
    lang: Lang,
    patient: Patient,
    Path(id): Path<i64>,
) -> Response {
    conversation_page(&state, lang, &patient, id, None, StatusCode::OK).await
}

async fn conversation_page(
    state: &AppState,
    lang: Lang,
    patient: &Patient,
    id: i64,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    if let Err(e) = conversations::patient_opened(&state.db, patient.actor(), id, state.clock.now()).await {
        return failure(lang, e);
    }
    let detail = match lists::detail(state.db.read(), viewer(patient), id, None).await {
        Ok(d) => d,
        Err(e) => return failure(lang, e),
    };
    let clinic = match clinics::by_id(state.db.read(), patient.0.clinic_id).await {
        Ok(c) => c,
        Err(e) => return failure(lang, e),
    };
    let zone = clinic.zone();
    let summary = &detail.summary;
    let closed = summary.state == ConversationState::Closed;
    let content = html! {
        p { a href="/portal" { "← " (lang.t(T::Back)) } }
        ol class="messages" {
            @for m in &detail.messages {
                li class={ "msg " @if m.author_kind == AuthorKind::Patient { "mine" } @else { "clinic" } } {
                    div class="meta" {
                        strong { @if m.author_kind == AuthorKind::Patient { (lang.t(T::YouWrote)) } @else { (m.author_name) } }
                        " · " (time(m.created_at, zone))
                    }
                    @if !m.body.is_empty() { div class="body" { (m.body) } }
                    @if !m.attachments.is_empty() {
                        ul class="files" aria-label=(lang.t(T::Files)) {
                            @for a in &m.attachments {
                                li { a href={ "/portal/f/" (a.id) } download { (a.file_name) } " (" (size(a.size)) ")" }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(problem) = problem { div class="problem" role="alert" { p { (problem) } } }
        @if closed {
            p class="notice" { (lang.t(T::ClosedNoReply)) }
        } @else if !summary.replies_allowed {
            p class="notice" { (lang.t(T::RepliesNotAllowed)) }
        } @else {
            (compose_form(lang, &format!("/portal/c/{id}"), T::Reply, T::Send))
        }
    };
    page(lang, status, &clinic.name, true, content)
}

fn compose_form(lang: Lang, action: &str, label: T, button: T) -> Markup {
    html! {
        form method="post" action=(action) enctype="multipart/form-data" class="stack compose" {
            // One key per rendered form: submitting it twice stores one message.
            input type="hidden" name="key" value=(crate::crypto::new_token());
            div class="field" {
                label for="body" { (lang.t(label)) }
                textarea id="body" name="body" rows="5" maxlength=(MAX_MESSAGE_CHARS) {}
            }
            div class="field" {
                label for="files" class="attach" { (lang.t(T::AttachFiles)) }
                input id="files" name="files" type="file" multiple aria-describedby="files-hint";
                small id="files-hint" { (lang.t(T::AttachHint)) }
            }
            button type="submit" class="primary" { (lang.t(button)) }
        }
    }
}

/// A posted message: text, the form's key, and files (stored as pending
/// uploads as they stream in).
struct Posted {
    body: String,
    key: String,
    files: Vec<i64>,
}

/// A refused form: the page's status and text.
type Refusal = (StatusCode, &'static str);

/// Reads the form, storing files on the way. On any problem the files
/// already stored are discarded and the reason is returned as page text.
async fn read_post(state: &AppState, lang: Lang, patient: &Patient, mut form: Multipart) -> Result<Posted, Refusal> {
    let mut posted = Posted { body: String::new(), key: String::new(), files: Vec::new() };
    let too_long = (StatusCode::PAYLOAD_TOO_LARGE, lang.t(T::MessageTooLong));
    let text_refused = |e: guard::FieldError| match e {
        guard::FieldError::TooLarge => too_long,
        guard::FieldError::Unreadable => (StatusCode::BAD_REQUEST, lang.t(T::ErrorText)),
    };
    let result: Result<(), Refusal> = async {
        while let Some(field) =
            form.next_field().await.map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, lang.t(T::FileTooLarge)))?
        {
            match field.name() {
                Some("body") => {
                    posted.body = guard::capped_text(field, guard::MESSAGE_FIELD_LIMIT).await.map_err(text_refused)?
                }
                Some("key") => {
                    posted.key = guard::capped_text(field, guard::SHORT_FIELD_LIMIT)
                        .await
                        .map_err(text_refused)?
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .take(64)
                        .collect()
                }
                Some("files") => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    if name.is_empty() {
                        // The empty file input of a form sent without files.
                        continue;
                    }
                    if posted.files.len() >= MAX_ATTACHMENTS_PER_MESSAGE {
                        return Err((StatusCode::BAD_REQUEST, lang.t(T::FileNotAllowed)));
                    }
                    let info = http_attachments::store_upload(
                        &state.db,
                        &state.files,
                        patient.actor(),
                        &name,
                        field,
                        state.clock.now(),
                    )
                    .await
                    .map_err(|e| match e {
                        ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, lang.t(T::FileTooLarge)),
                        ApiError::UnsupportedMediaType(_) => {
                            (StatusCode::UNSUPPORTED_MEDIA_TYPE, lang.t(T::FileNotAllowed))
                        }
                        _ => (StatusCode::BAD_REQUEST, lang.t(T::ErrorText)),
                    })?;
                    posted.files.push(info.id);
                }
                _ => {}
            }
        }
        if posted.body.chars().count() > MAX_MESSAGE_CHARS {
            return Err(too_long);
        }
        if posted.body.trim().is_empty() && posted.files.is_empty() {
            return Err((StatusCode::BAD_REQUEST, lang.t(T::EmptyMessage)));
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(posted),
        Err(problem) => {
            discard(state, patient, &posted.files).await;
            Err(problem)
        }
    }
}

async fn discard(state: &AppState, patient: &Patient, ids: &[i64]) {
    if let Err(err) = attachments::discard_pending(&state.db, &state.files, patient.actor(), ids.to_vec()).await {
        tracing::warn!(error = %err, "could not discard the uploads of a refused message");
    }
}

/// The idempotency key of a posted form: the form's own key (a form sent
/// twice stores one message), or a fresh one from a client that sent none.
fn form_key(posted: &Posted) -> String {
    if posted.key.len() >= 16 {
        format!("portal-{}", posted.key)
    } else {
        format!("portal-{}", crate::crypto::new_token())
    }
}

/// `POST /portal/c/{id}`: a reply, when the conversation is open and the
/// clinic allows replies; otherwise a clear page and nothing stored.
async fn reply(
    State(state): State<AppState>,
    lang: Lang,
    patient: Patient,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Response {
    // Check first, so a refused reply does not even store its files.
    let summary = match lists::summary(state.db.read(), viewer(&patient), id).await {
        Ok(s) => s,
        Err(e) => return failure(lang, e),
    };
    if summary.state == ConversationState::Closed {
        drain(&mut form).await;
        return conversation_page(&state, lang, &patient, id, Some(lang.t(T::ClosedNoReply)), StatusCode::CONFLICT)
            .await;
    }
    if !summary.replies_allowed {
        drain(&mut form).await;
        return conversation_page(
            &state,
            lang,
            &patient,
            id,
            Some(lang.t(T::RepliesNotAllowed)),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let posted = match read_post(&state, lang, &patient, form).await {
        Ok(p) => p,
        Err((status, problem)) => return conversation_page(&state, lang, &patient, id, Some(problem), status).await,
    };
    let out = Outgoing {
        body: posted.body.clone(),
        attachment_ids: posted.files.clone(),
        allow_replies: false,
        idempotency_key: form_key(&posted),
    };
    match conversations::send(&state.db, patient.actor(), id, out, state.clock.now()).await {
        Ok(_) => Redirect::to(&format!("/portal/c/{id}#end")).into_response(),
        Err(StoreError::Rejected(_)) => {
            // Closed meanwhile, for instance: nothing is kept.
            discard(&state, &patient, &posted.files).await;
            conversation_page(&state, lang, &patient, id, Some(lang.t(T::ClosedNoReply)), StatusCode::CONFLICT).await
        }
        Err(e) => {
            discard(&state, &patient, &posted.files).await;
            failure(lang, e)
        }
    }
}

/// Reads a refused form to its end, keeping nothing, so the browser gets
/// the answer instead of a connection closed while it was still sending
/// (the route's body limit bounds what is read).
async fn drain(form: &mut Multipart) {
    while let Ok(Some(mut field)) = form.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

async fn patient_may_start(state: &AppState, patient: &Patient) -> bool {
    clinics::by_id(state.db.read(), patient.0.clinic_id).await.is_ok_and(|c| c.patient_initiated != 0)
}

/// `GET /portal/new`: a new conversation, when the clinic takes them.
async fn new_form(State(state): State<AppState>, lang: Lang, patient: Patient) -> Response {
    if !patient_may_start(&state, &patient).await {
        return message_page(lang, StatusCode::FORBIDDEN, lang.t(T::NewConversation), lang.t(T::NotAllowedToStart));
    }
    new_page(lang, None, StatusCode::OK)
}

fn new_page(lang: Lang, problem: Option<&str>, status: StatusCode) -> Response {
    let content = html! {
        p { a href="/portal" { "← " (lang.t(T::Back)) } }
        p { (lang.t(T::NewConversationIntro)) }
        @if let Some(problem) = problem { div class="problem" role="alert" { p { (problem) } } }
        (compose_form(lang, "/portal/new", T::NewConversation, T::StartConversation))
    };
    page(lang, status, lang.t(T::NewConversation), true, content)
}

/// `POST /portal/new`.
async fn start_conversation(State(state): State<AppState>, lang: Lang, patient: Patient, form: Multipart) -> Response {
    if !patient_may_start(&state, &patient).await {
        return message_page(lang, StatusCode::FORBIDDEN, lang.t(T::NewConversation), lang.t(T::NotAllowedToStart));
    }
    let posted = match read_post(&state, lang, &patient, form).await {
        Ok(p) => p,
        Err((status, problem)) => return new_page(lang, Some(problem), status),
    };
    let out = Outgoing {
        body: posted.body.clone(),
        attachment_ids: posted.files.clone(),
        allow_replies: true,
        idempotency_key: form_key(&posted),
    };
    match conversations::start_by_patient(&state.db, patient.actor(), out, state.clock.now()).await {
        Ok(sent) => Redirect::to(&format!("/portal/c/{}#end", sent.conversation_id)).into_response(),
        Err(e) => {
            discard(&state, &patient, &posted.files).await;
            failure(lang, e)
        }
    }
}

/// `GET /portal/f/{id}`: a file of the patient's conversations.
async fn download(State(state): State<AppState>, lang: Lang, patient: Patient, Path(id): Path<i64>) -> Response {
    match http_attachments::send_file(&state, patient.actor(), id).await {
        Ok(res) => res,
        Err(ApiError::NotFound(_)) => not_found(lang),
        Err(err) => {
            tracing::error!(error = %err, "portal download failed");
            error_page(lang)
        }
    }
}

/// `POST /portal/sign-out`.
async fn sign_out(State(state): State<AppState>, lang: Lang, patient: Patient) -> Response {
    let _ = patient_auth::end_session(&state.db, patient.0.id, state.clock.now()).await;
    let mut res = message_page(lang, StatusCode::OK, lang.t(T::SignOut), lang.t(T::SignedOut));
    res.headers_mut().insert(header::SET_COOKIE, set_cookie(&state, SESSION_COOKIE, "", Some(0)));
    res
}
