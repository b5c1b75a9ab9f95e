//! The HTTP API. Each module routes itself; [`router`] merges them.

pub mod attachments;
mod audit;
mod auth;
mod conversations;
pub mod error;
pub mod extract;
mod health;
mod openapi;
mod origins;
mod oscar;
mod patients;
pub mod stream;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::Router;
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::db::Db;
use crate::events::Hub;
use crate::files::FileStore;

/// Settings the handlers read.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Take the client address from `X-Forwarded-For` (behind a reverse proxy).
    pub trust_proxy: bool,
    /// Secret for keyed hashes (health card numbers, dates of birth).
    pub secret_key: Vec<u8>,
    /// The address patients reach the service at (links in emails).
    pub public_url: String,
    /// Portal cookies carry `Secure` (everywhere but plain http on loopback).
    pub secure_cookies: bool,
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Committed changes, for live streams.
    pub hub: Hub,
    /// Attachment bytes.
    pub files: FileStore,
    /// "Now".
    pub clock: Clock,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Flips to true when the service shuts down, so open streams end.
    pub shutdown: watch::Receiver<bool>,
    /// Wakes the notification worker when something is queued.
    pub notifier: crate::notify::Waker,
    /// Recently seen staff sessions.
    pub sessions: crate::store::sessions::SessionCache,
    /// List rows recently recorded in the audit log.
    pub list_views: crate::store::audit::RecentViews,
    /// Calls to each clinic's Oscar.
    pub oscar: crate::oscar::Connector,
    /// Live streams open on this instance.
    pub streams: stream::open::OpenStreams,
}

/// JSON requests are small: a message is at most 10,000 characters.
const JSON_BODY_LIMIT: usize = 256 * 1024;

/// The whole API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(auth::router())
        .merge(conversations::router())
        .merge(patients::router())
        .merge(stream::router())
        .merge(audit::router())
        .merge(oscar::router())
        .merge(origins::router())
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        // Uploads stream to disk with their own cap, so they sit outside the JSON limit.
        .merge(attachments::router())
        .merge(health::router())
        .merge(crate::portal::router_with(state.clone()))
        .merge(crate::oscar::callback_page::router())
        .merge(openapi::router())
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // Query strings and bodies are never logged, nor a patient link's token.
            tracing::info_span!("request", method = %req.method(), path = %loggable_path(req.uri().path()))
        }))
        .with_state(state)
}

/// A request path as logged: ids only, so the token of a patient link
/// (`/p/{token}…`) is left out.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/p/") {
        "/p/{token}"
    } else {
        path
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; open streams are
/// told to end so shutdown does not wait for them.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown_tx: watch::Sender<bool>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let signal = async move {
        shutdown.await;
        let _ = shutdown_tx.send(true);
        // Give streams a moment to send their last event.
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(signal)
        .await
}

/// Unknown paths get a JSON 404 like every other error.
async fn unknown_route() -> error::ApiError {
    error::ApiError::NotFound("No such resource.".into())
}

/// A known path with the wrong method.
async fn method_not_allowed() -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = cortico_protocol::api::ErrorBody {
        code: "method_not_allowed".into(),
        message: "This method is not allowed here.".into(),
    };
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}
