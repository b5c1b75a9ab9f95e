//! The one error type of the HTTP API. Every error is JSON
//! `{"code": …, "message": …}` with the matching status; server-side
//! failures are logged and answered with a generic message.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cortico_protocol::api::ErrorBody;

use crate::db::StoreError;
use crate::files::UploadError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed or breaks a rule.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid session.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: not found (also for another clinic's ids).
    #[error("{0}")]
    NotFound(String),
    /// 409: conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// 413: too large.
    #[error("{0}")]
    TooLarge(String),
    /// 415: not an allowed file type, or not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429: too many requests.
    #[error("{0}")]
    RateLimited(String),
    /// 503: shutting down or the database is unreachable.
    #[error("The service is temporarily unavailable. Please try again.")]
    Unavailable,
    /// Any other status with its own stable code (Oscar connector errors:
    /// `oscar_not_connected` 409, `oscar_unreachable` 504, `oscar_refused`,
    /// `oscar_rest_module_off` and `oscar_bad_response` 502…).
    #[error("{2}")]
    Coded(StatusCode, &'static str, String),
    /// 500: a bug or a failing disk; details go to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::Coded(status, code, _) => (*status, code),
        }
    }

    /// The session is missing, expired or revoked.
    pub fn session_expired() -> Self {
        ApiError::Unauthorized("Your session has expired or was ended. Please sign in again.".into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "Something went wrong on our side. Please try again; if it persists, contact support.".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, axum::Json(ErrorBody { code: code.into(), message })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(m) => ApiError::NotFound(m.into()),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Rejected(m) => ApiError::BadRequest(m),
            StoreError::RateLimited(m) => ApiError::RateLimited(m),
            StoreError::WriterGone => ApiError::Unavailable,
            // Nothing was committed (the database was unreachable or the
            // commit failed): the client may retry, with its idempotency key.
            StoreError::CommitFailed(m) => {
                tracing::error!(error = %m, "a write was not committed");
                ApiError::Unavailable
            }
            StoreError::Db(e) => ApiError::Internal(format!("database: {e}")),
            StoreError::Sqlite(e) => ApiError::Internal(format!("database: {e}")),
        }
    }
}

impl From<crate::oscar::ConnectorError> for ApiError {
    fn from(err: crate::oscar::ConnectorError) -> Self {
        use crate::oscar::client::OscarError;
        use crate::oscar::ConnectorError;
        let message = err.to_string();
        match err {
            ConnectorError::NotConnected(_) => ApiError::Coded(StatusCode::CONFLICT, "oscar_not_connected", message),
            ConnectorError::Invalid(m) => ApiError::BadRequest(m),
            ConnectorError::Store(e) => e.into(),
            ConnectorError::Oscar(e) => match e {
                OscarError::Unreachable { .. } => {
                    ApiError::Coded(StatusCode::GATEWAY_TIMEOUT, "oscar_unreachable", message)
                }
                OscarError::RestModuleOff => ApiError::Coded(StatusCode::BAD_GATEWAY, "oscar_rest_module_off", message),
                OscarError::Refused(_) => ApiError::Coded(StatusCode::BAD_GATEWAY, "oscar_refused", message),
                OscarError::CallbackRejected(_) => {
                    ApiError::Coded(StatusCode::BAD_REQUEST, "oscar_callback_rejected", message)
                }
                OscarError::NotFound => ApiError::NotFound(message),
                OscarError::Status { .. } => ApiError::Coded(StatusCode::BAD_GATEWAY, "oscar_error", message),
                OscarError::Malformed(_) => ApiError::Coded(StatusCode::BAD_GATEWAY, "oscar_bad_response", message),
            },
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(err: UploadError) -> Self {
        match err {
            UploadError::TooLarge(_) => ApiError::TooLarge(err.to_string()),
            UploadError::Refused(_) => ApiError::UnsupportedMediaType(err.to_string()),
            UploadError::Interrupted => ApiError::BadRequest(err.to_string()),
            UploadError::Io(e) => ApiError::Internal(format!("file store: {e}")),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::UnsupportedMediaType("Send JSON with Content-Type: application/json.".into())
            }
            JsonRejection::BytesRejection(_) => ApiError::TooLarge("The request body is too large.".into()),
            other => ApiError::BadRequest(format!("The request body is not valid: {}", other.body_text())),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::NotFound("No such resource.".into())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(format!("Invalid query parameters: {}", rejection.body_text()))
    }
}
