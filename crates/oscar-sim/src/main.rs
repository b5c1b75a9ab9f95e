//! `oscar-sim`: serves the simulated Oscar on a local port.
//!
//! Run with `cargo run -p oscar-sim -- --variant openo --port 8080`, then open
//! <http://127.0.0.1:8080/oscar/provider/providercontrol.jsp>. Sign in (optional)
//! as a provider number with password `oscar-sim` and passcode `1117`.
//!
//! The REST API (`/oscar/ws/services/…`) needs an OAuth client: pass
//! `--rest-client-uri http://127.0.0.1:9000` (key and secret are generated
//! unless given, and logged), or register one at
//! `/oscar/admin/api/clients.jsp` or `POST /__sim/rest-clients`.
//!
//! On start it prints exactly one line to stdout,
//! `oscar-sim listening on http://ADDR:PORT`, which test harnesses parse;
//! logs go to stderr (`RUST_LOG`, default `oscar_sim=info`).

use std::io::{IsTerminal, Write};
use std::net::IpAddr;

use anyhow::Context;
use clap::Parser;
use oscar_sim::clinic::Variant;
use oscar_sim::date::Date;
use oscar_sim::server::{
    normalize_context_path, serve_with_shutdown, shutdown_signal, CspMode, NewRestClient, SimConfig,
    DEFAULT_UTC_OFFSET_MINUTES,
};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// A simulator of the OSCAR EMR's schedule and e-chart pages.
#[derive(Debug, Parser)]
#[command(name = "oscar-sim", version)]
struct Args {
    /// Address to listen on; keep it on loopback unless you mean otherwise.
    #[arg(long, env = "OSCAR_SIM_BIND", default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on; 0 picks a free one (see the printed URL).
    #[arg(long, env = "OSCAR_SIM_PORT", default_value_t = 0)]
    port: u16,
    /// Which Oscar to imitate: classic (OSCAR 19) or openo (Open-O).
    #[arg(long, env = "OSCAR_SIM_VARIANT", default_value = "classic")]
    variant: Variant,
    /// Context path Oscar is mounted under ("/oscar", "/oscar_15", "/" for the root).
    #[arg(long, env = "OSCAR_SIM_CONTEXT_PATH", default_value = "/oscar")]
    context_path: String,
    /// Content-Security-Policy on pages: none, or strict (no 'wasm-unsafe-eval').
    #[arg(long, env = "OSCAR_SIM_CSP", default_value = "none")]
    csp: CspMode,
    /// Put exactly this many appointments on today's schedule (performance tests).
    #[arg(long, env = "OSCAR_SIM_APPOINTMENTS")]
    appointments: Option<usize>,
    /// The simulated today, YYYY-MM-DD (default: today in UTC).
    #[arg(long, env = "OSCAR_SIM_DATE")]
    date: Option<Date>,
    /// The schedule's meta-refresh period in seconds; 0 disables it.
    #[arg(long, env = "OSCAR_SIM_REFRESH_SECONDS", default_value_t = 180)]
    refresh_seconds: u32,
    /// Provider that requests without a session act as.
    #[arg(long, env = "OSCAR_SIM_DEFAULT_PROVIDER", default_value = "100001")]
    default_provider: String,
    /// The simulated server's UTC offset in minutes (REST dates are local).
    #[arg(long, env = "OSCAR_SIM_UTC_OFFSET_MINUTES", default_value_t = DEFAULT_UTC_OFFSET_MINUTES, allow_negative_numbers = true)]
    utc_offset_minutes: i32,
    /// Register a REST (OAuth) client at start with this application URI;
    /// OAuth callbacks must start with it.
    #[arg(long, env = "OSCAR_SIM_REST_CLIENT_URI")]
    rest_client_uri: Option<String>,
    /// The registered client's name.
    #[arg(long, env = "OSCAR_SIM_REST_CLIENT_NAME", default_value = "Cortico")]
    rest_client_name: String,
    /// Its consumer key (default: 16 random [0-9a-z]).
    #[arg(long, env = "OSCAR_SIM_REST_CLIENT_KEY")]
    rest_client_key: Option<String>,
    /// Its consumer secret (default: 16 random [0-9a-z]).
    #[arg(long, env = "OSCAR_SIM_REST_CLIENT_SECRET")]
    rest_client_secret: Option<String>,
    /// Its access tokens' lifetime in seconds; -1 never expires.
    #[arg(long, env = "OSCAR_SIM_REST_CLIENT_LIFETIME", default_value_t = -1, allow_negative_numbers = true)]
    rest_client_lifetime: i64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Harnesses capture stderr to files: colour codes only on a terminal.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("oscar_sim=info")))
        .init();
    let args = Args::parse();
    let config = SimConfig {
        variant: args.variant,
        context_path: normalize_context_path(&args.context_path).context("reading --context-path")?,
        refresh_seconds: args.refresh_seconds,
        csp: args.csp,
        appointments: args.appointments,
        date: args.date.unwrap_or_else(Date::today),
        default_provider: args.default_provider,
        utc_offset_minutes: args.utc_offset_minutes,
        rest_client: args.rest_client_uri.map(|uri| NewRestClient {
            name: args.rest_client_name,
            uri,
            lifetime: args.rest_client_lifetime,
            key: args.rest_client_key,
            secret: args.rest_client_secret,
        }),
    };

    let listener = TcpListener::bind((args.bind, args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.bind, args.port))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    // Listen for signals before announcing readiness.
    let shutdown = shutdown_signal();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "oscar-sim listening on http://{addr}").context("writing the address line")?;
    stdout.flush().context("flushing stdout")?;
    drop(stdout);
    tracing::info!(
        variant = %config.variant,
        context_path = %config.context_path,
        date = %config.date,
        csp = ?config.csp,
        "serving the simulated Oscar at http://{addr}{}/provider/providercontrol.jsp",
        config.context_path
    );

    serve_with_shutdown(config, listener, shutdown).await.context("serving")?;
    Ok(())
}
