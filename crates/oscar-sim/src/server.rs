//! The simulator's web server (feature `server`): Oscar's pages under Oscar's
//! URLs and context path, with its redirects and a cookie session, plus
//! Oscar's REST API and OAuth 1.0a provider.
//!
//! Each module routes itself and [`router`] merges them:
//!
//! - `pages`: schedule, e-chart, chart notes, master record;
//! - `session`: login page, `login.do`, `logout.jsp`, the current user;
//! - `oauth`: the OAuth 1.0a provider (`<ctx>/ws/oauth/…`) and the REST
//!   Clients admin page (`<ctx>/admin/api/clients.jsp`);
//! - `rest`: the OAuth-protected REST API (`<ctx>/ws/services/…`);
//! - `faults`: injected delays, broken bodies, forced statuses, clock skew;
//! - `assets`: stub scripts, styles and images so pages load cleanly;
//! - `sim` and `controls`: simulator-only routes under `/__sim/`, and a
//!   non-Oscar page;
//! - `csp`: the optional strict Content-Security-Policy header.

mod assets;
mod controls;
mod csp;
mod faults;
mod oauth;
mod pages;
mod respond;
mod rest;
mod session;
mod sim;
mod state;

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use csp::STRICT_POLICY;
pub use faults::{FaultSettings, Faults};
pub use oauth::{
    signature, AccessToken, NewRestClient, NonceKey, OAuthStore, RequestToken, RestClient, REQUEST_TOKEN_LIFETIME_SECS,
};
pub use rest::{NoteStore, SavedNote};
pub use session::CurrentUser;
pub use sim::SeedDump;
pub use state::{Sessions, SimState};

use crate::clinic::Variant;
use crate::date::Date;

/// Eastern Standard Time, where most Oscar servers run.
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = -300;

/// How the simulator runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// Classic OSCAR 19 or Open-O.
    pub variant: Variant,
    /// Where Oscar is mounted: `"/oscar"`, `"/oscar_15"` or `""` (root).
    /// Use [`normalize_context_path`] on user input.
    pub context_path: String,
    /// The schedule's meta-refresh period in seconds; 0 turns it off.
    pub refresh_seconds: u32,
    /// Whether HTML responses carry a strict Content-Security-Policy.
    pub csp: CspMode,
    /// `Some(n)`: today's schedule holds `n` appointments (performance pages).
    pub appointments: Option<usize>,
    /// The simulated today.
    pub date: Date,
    /// Who requests without a session act as.
    pub default_provider: String,
    /// The simulated JVM's fixed offset from UTC in minutes (no daylight
    /// saving): REST dates such as `dateOfBirth` are local midnight there.
    pub utc_offset_minutes: i32,
    /// A REST client to register at start.
    pub rest_client: Option<NewRestClient>,
}

impl SimConfig {
    /// Defaults for a given day: classic, `/oscar`, 180 s refresh, no CSP,
    /// the demo clinic, provider `100001`, UTC-05:00 (Ontario winter), no
    /// REST client.
    pub fn new(date: Date) -> Self {
        Self {
            variant: Variant::Classic,
            context_path: "/oscar".to_owned(),
            refresh_seconds: 180,
            csp: CspMode::None,
            appointments: None,
            date,
            default_provider: "100001".to_owned(),
            utc_offset_minutes: DEFAULT_UTC_OFFSET_MINUTES,
            rest_client: None,
        }
    }
}

impl Default for SimConfig {
    /// [`SimConfig::new`] for today (UTC).
    fn default() -> Self {
        Self::new(Date::today())
    }
}

/// The Content-Security-Policy the HTML pages are served with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CspMode {
    /// No CSP header, like a stock Oscar.
    #[default]
    None,
    /// [`STRICT_POLICY`]: no `'wasm-unsafe-eval'`, so Chrome refuses
    /// WebAssembly in content scripts on the page.
    Strict,
}

impl FromStr for CspMode {
    type Err = UnknownCspMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(Self::None),
            "strict" => Ok(Self::Strict),
            _ => Err(UnknownCspMode(s.to_owned())),
        }
    }
}

/// A CSP mode that is neither `none` nor `strict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCspMode(pub String);

impl fmt::Display for UnknownCspMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown CSP mode {:?} (expected \"none\" or \"strict\")", self.0)
    }
}

impl std::error::Error for UnknownCspMode {}

/// A context path with characters other than letters, digits, `._~-` and `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidContextPath(pub String);

impl fmt::Display for InvalidContextPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid context path {:?}: use letters, digits, '.', '_', '~', '-' and '/'", self.0)
    }
}

impl std::error::Error for InvalidContextPath {}

/// Puts a context path in the form Oscar's `request.getContextPath()` has:
/// a leading slash, no trailing slash, `""` for the root (`"/"`, `""`).
/// The characters are restricted because the path is written into pages
/// and scripts as is.
pub fn normalize_context_path(path: &str) -> Result<String, InvalidContextPath> {
    let trimmed = path.trim().trim_matches('/');
    let valid = trimmed.split('/').all(|seg| {
        seg.chars().all(|c| c.is_ascii_alphanumeric() || "._~-".contains(c)) && (trimmed.is_empty() || !seg.is_empty())
    });
    if !valid {
        return Err(InvalidContextPath(path.to_owned()));
    }
    Ok(if trimmed.is_empty() { String::new() } else { format!("/{trimmed}") })
}

/// The whole app: every module's routes, the CSP header and request logging.
pub fn router(state: SimState) -> Router {
    let ctx = state.config.context_path.clone();
    Router::new()
        .merge(pages::router(&ctx))
        .merge(session::router(&ctx))
        .merge(oauth::router(&ctx, state.config.variant))
        .merge(rest::router(&ctx))
        .merge(assets::router(&ctx))
        .merge(sim::router())
        .merge(controls::router())
        .fallback(respond::fallback)
        .layer(middleware::map_response_with_state(state.clone(), csp::add_header))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(config: SimConfig, listener: TcpListener) -> std::io::Result<()> {
    serve_with_shutdown(config, listener, shutdown_signal()).await
}

/// Serves until `shutdown` completes, then lets open requests finish.
pub async fn serve_with_shutdown(
    config: SimConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(SimState::new(config));
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// A future that completes on SIGTERM or Ctrl-C (SIGINT).
///
/// The handlers are installed when this is called, not when the future is
/// first polled, so a harness may signal as soon as it has read the
/// "listening" line. Call it inside the Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::terminate()).ok(), signal(SignalKind::interrupt()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let (mut term, mut int) = signals;
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    // Could not listen: never complete on this one.
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term.take()) => {},
                () = wait(int.take()) => {},
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down");
    }
}

/// Logs each request at debug level, with its status.
async fn log_request(request: Request, next: Next) -> Response {
    let (method, uri) = (request.method().clone(), request.uri().clone());
    let response = next.run(request).await;
    tracing::debug!(%method, %uri, status = response.status().as_u16(), "request");
    response
}

#[cfg(test)]
mod tests;
