//! Uploading and downloading attachments.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cortico_protocol::api::limits::MAX_ATTACHMENT_BYTES;
use cortico_protocol::api::AttachmentInfo;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;
use tokio_util::io::ReaderStream;

use super::error::{ApiError, ApiResult};
use super::extract::{AppJson, AppPath, AppQuery, StaffAuth};
use super::AppState;
use crate::clock::HOUR;
use crate::file_names::{clean_file_name, name_for_type, refuse_by_name};
use crate::files::{FileBytes, FileStore, UploadError};
use crate::store::{attachments, rate_limit, Actor, Db};

/// Uploads allowed per person per hour.
const UPLOADS_PER_HOUR: i64 = 120;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/attachments", post(upload_attachment))
        .route("/api/attachments/{id}", get(download_attachment))
        // The upload streams to disk and enforces its own 25 MB cap.
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// `?name=<file name>` of an upload.
#[derive(Debug, Deserialize)]
struct UploadQuery {
    name: String,
}

/// `POST /api/attachments?name=…` with the file's bytes as the body: stores
/// it until a message carries it. The type is sniffed from the bytes.
async fn upload_attachment(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppQuery(q): AppQuery<UploadQuery>,
    request: Request,
) -> ApiResult<(StatusCode, AppJson<AttachmentInfo>)> {
    let info = store_upload(
        &state.db,
        &state.files,
        auth.actor(),
        &q.name,
        request.into_body().into_data_stream(),
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(info)))
}

/// Shared by the staff API and the patient portal, so the rules are the
/// same for both: rate limit, clean the name and refuse dangerous ones,
/// stream to disk and sniff, give the name the sniffed type's extension,
/// record. A refusal at any step leaves no file and no record.
pub async fn store_upload<S, E>(
    db: &Db,
    files: &FileStore,
    actor: Actor,
    name: &str,
    body: S,
    now: i64,
) -> ApiResult<AttachmentInfo>
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
{
    let key = format!("upload:{}:{}", actor.clinic_id(), actor.key());
    let allowed =
        db.write(move |w| Box::pin(async move { rate_limit::hit(w, &key, now, HOUR, UPLOADS_PER_HOUR).await })).await?;
    if !allowed {
        return Err(ApiError::RateLimited("Too many uploads in the last hour. Please try again later.".into()));
    }
    let name = clean_file_name(name);
    refuse_by_name(&name).map_err(UploadError::Refused)?;
    let stored = files.save(body, &name, MAX_ATTACHMENT_BYTES).await?;
    let name = name_for_type(&name, stored.media_type);
    let sha256 = stored.sha256.clone();
    match attachments::insert_pending(db, actor, name, stored, now).await {
        Ok(info) => Ok(info),
        Err(err) => {
            // No record, no file.
            if let Err(cleanup) = attachments::discard_unreferenced(db, files, &sha256).await {
                tracing::warn!(error = %cleanup, "could not remove the bytes of a failed upload");
            }
            Err(err.into())
        }
    }
}

/// `GET /api/attachments/{id}`: the file, always as a download.
async fn download_attachment(
    State(state): State<AppState>,
    auth: StaffAuth,
    AppPath(id): AppPath<i64>,
) -> ApiResult<Response> {
    send_file(&state, auth.actor(), id).await
}

/// Streams an attachment the actor may see, with headers that stop
/// browsers from rendering it in our origin.
pub async fn send_file(state: &AppState, actor: Actor, id: i64) -> ApiResult<Response> {
    let (info, patient_id, conversation_id) = attachments::for_download(state.db.read(), actor, id).await?;
    let bytes = state
        .files
        .read(&info.sha256)
        .await
        .map_err(|e| ApiError::Internal(format!("attachment {id} bytes missing: {e}")))?;
    attachments::audit_download(&state.db, actor, patient_id, conversation_id, state.clock.now());
    let ascii: String =
        info.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(&info.file_name, NON_ALPHANUMERIC)
    );
    let body = match bytes {
        FileBytes::File(file) => Body::from_stream(ReaderStream::new(file)),
        FileBytes::Chunks(chunks) => Body::from_stream(chunks),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let media_type =
        if info.media_type == "text/plain" { "text/plain; charset=utf-8".to_owned() } else { info.media_type.clone() };
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(info.size as u64));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert("content-security-policy", HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(response)
}
