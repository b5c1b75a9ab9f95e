//! The HTTP API. Each module routes itself; [`router`] merges them.

pub mod attachments;
mod audit;
mod auth;
pub mod body_timeout;
pub mod client_ip;
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

use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{header, HeaderValue};
use axum::Router;
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::db::Db;
use crate::events::Hub;
use crate::files::FileStore;

/// Settings the handlers read (`Debug` hides the secret key).
#[derive(Clone, Default)]
pub struct Settings {
    /// The reverse proxies whose `X-Forwarded-For` is believed (see [`client_ip`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Secret for keyed hashes (health card numbers, dates of birth).
    pub secret_key: Vec<u8>,
    /// The address patients reach the service at (links in emails).
    pub public_url: String,
    /// Portal cookies carry `Secure` (everywhere but plain http on loopback).
    pub secure_cookies: bool,
    /// How long a request body may stall, and take in all.
    pub body_timeouts: body_timeout::BodyTimeouts,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("trusted_proxies", &self.trusted_proxies)
            .field("secret_key", &crate::config::redact::REDACTED)
            .field("public_url", &self.public_url)
            .field("secure_cookies", &self.secure_cookies)
            .field("body_timeouts", &self.body_timeouts)
            .finish()
    }
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
        .layer(axum::middleware::from_fn_with_state(state.clone(), body_timeout::limit_body_time))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // Query strings and bodies are never logged, and paths only
            // with their ids (see `loggable_path`).
            let matched = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            tracing::info_span!("request", method = %req.method(), path = %loggable_path(matched, req.uri().path()))
        }))
        .with_state(state)
}

/// The path a log line shows. Portal links carry their token in the path
/// (`/p/{token}`), so those are logged by their route; a path no route
/// matched loses every segment long enough to be a token.
pub fn loggable_path(matched: Option<&str>, path: &str) -> String {
    match matched {
        Some(route) if route.starts_with("/p/") => route.to_owned(),
        Some(_) => path.to_owned(),
        None => path
            .split('/')
            .map(|segment| if segment.len() >= 16 { "{redacted}" } else { segment })
            .collect::<Vec<_>>()
            .join("/"),
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
