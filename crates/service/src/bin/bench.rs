//! `cortico-bench`: the messaging service's performance figures, measured
//! over real HTTP on loopback against the service running in this process
//! on a scratch SQLite database with its production settings (WAL,
//! `synchronous=FULL`, group commit), and with `--postgres URL` the same
//! again on a scratch database of that Postgres server (figures prefixed
//! `postgres_`).
//!
//! Prints one `name value unit` line per figure on stdout; progress goes to
//! stderr. Run with
//! `cargo run --profile server -p cortico-service --bin cortico-bench`
//! (add `-- --quick` for a smoke test on a small dataset).
//!
//! Figures: `sqlite_single_row_commit_rate` (the raw SQLite reference),
//! `send_throughput`, `send_p50_ms`, `send_p99_ms`, `send_batches_mean`
//! (sends per commit), and the p50/p99 of `GET /api/conversations/triage`
//! and `GET /api/unread` on a clinic with a million messages.

// The crate root is src/bin/bench.rs, so its modules sit in bench/ by path.
#[path = "bench/client.rs"]
mod client;
#[path = "bench/cpu.rs"]
mod cpu;
// The scratch-database helper the service's tests use.
#[path = "../../tests/support/postgres.rs"]
mod pg;
#[path = "bench/populate.rs"]
mod populate;
#[path = "bench/reads.rs"]
mod reads;
#[path = "bench/reference.rs"]
mod reference;
#[path = "bench/send.rs"]
mod send;
#[path = "bench/server.rs"]
mod server;
#[path = "bench/stats.rs"]
mod stats;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, ValueEnum};

use crate::server::ScratchDir;
use crate::stats::figure;

/// Measures the messaging service.
#[derive(Debug, Parser)]
#[command(name = "cortico-bench")]
struct Args {
    /// Small dataset and short runs, for a smoke test.
    #[arg(long)]
    quick: bool,
    /// Parent of the scratch data directories (default: the system temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Run only these parts (comma-separated); all by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Part>,
    /// Keep the scratch data directories and Postgres databases (their paths go to stderr).
    #[arg(long)]
    keep: bool,
    /// Concurrent sending clients, one keep-alive connection each.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Also measure on this Postgres server (a scratch database is made and dropped).
    #[arg(long, env = "CORTICO_BENCH_POSTGRES")]
    postgres: Option<String>,
}

/// The parts of the benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Part {
    /// Raw SQLite single-row commits.
    Sqlite,
    /// Message sends.
    Send,
    /// Triage list and unread count on a large clinic.
    Reads,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let parent = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let runs = |part| args.only.is_empty() || args.only.contains(&part);
    let began = Instant::now();
    // The machine may be shared: say how busy it was.
    eprintln!("bench: load average at start: {}", load_average());
    let backends = std::iter::once(None).chain(args.postgres.as_deref().map(Some));
    for postgres in backends {
        if runs(Part::Sqlite) {
            match postgres {
                None => sqlite_reference(&args, &parent).await?,
                Some(url) => {
                    let db = pg::TestDatabase::create(url).await;
                    let how_long = Duration::from_secs(if args.quick { 1 } else { 3 });
                    eprintln!("bench: raw Postgres single-row commits for {how_long:?}");
                    let rate = reference::postgres_single_row_commit_rate(&db.url, how_long).await?;
                    figure("postgres_single_row_commit_rate", rate, "commits/s");
                }
            }
        }
        if runs(Part::Send) {
            let backend = server::Backend::new(postgres).await;
            sends(&args, &parent, &backend).await?;
            if args.keep {
                backend.keep();
            }
        }
        if runs(Part::Reads) {
            let backend = server::Backend::new(postgres).await;
            lists(&args, &parent, &backend).await?;
            if args.keep {
                backend.keep();
            }
        }
    }
    eprintln!("bench: done in {:.0} s; load average at the end: {}", began.elapsed().as_secs_f64(), load_average());
    Ok(())
}

async fn sqlite_reference(args: &Args, parent: &std::path::Path) -> anyhow::Result<()> {
    let dir = ScratchDir::new(parent, "sqlite", args.keep)?;
    let how_long = Duration::from_secs(if args.quick { 1 } else { 3 });
    eprintln!("bench: raw SQLite single-row commits for {how_long:?}");
    let rate = reference::sqlite_single_row_commit_rate(dir.path(), how_long).await?;
    figure("sqlite_single_row_commit_rate", rate, "commits/s");
    Ok(())
}

async fn sends(args: &Args, parent: &std::path::Path, backend: &server::Backend) -> anyhow::Result<()> {
    let p = backend.prefix();
    let dir = ScratchDir::new(parent, "send", args.keep)?;
    let plan = send::Plan {
        clients: args.clients,
        staff: 8,
        conversations: if args.quick { 100 } else { 500 },
        warm_up: Duration::from_secs(if args.quick { 1 } else { 2 }),
        measure: Duration::from_secs(if args.quick { 3 } else { 10 }),
    };
    let service = server::serve(server::open(dir.path(), backend).await?).await?;
    eprintln!(
        "bench: sends: {} staff, {} conversations; {} clients for {:?} after {:?} warm-up",
        plan.staff, plan.conversations, plan.clients, plan.measure, plan.warm_up
    );
    let (tokens, conversations) = send::setup(&service, &plan).await?;
    let mut outcome = send::run(&service, &plan, &tokens, &conversations).await.context("sending messages")?;
    figure(&format!("{p}send_throughput"), outcome.sent as f64 / plan.measure.as_secs_f64(), "msg/s");
    figure(&format!("{p}send_p50_ms"), outcome.latencies.percentile_ms(50.0), "ms");
    figure(&format!("{p}send_p99_ms"), outcome.latencies.percentile_ms(99.0), "ms");
    if outcome.commits > 0 {
        figure(&format!("{p}send_batches_mean"), outcome.sent as f64 / outcome.commits as f64, "msg/commit");
    }
    eprintln!(
        "bench: {} sends in {} commits ({:.0} commits/s); {}",
        outcome.sent,
        outcome.commits,
        outcome.commits as f64 / plan.measure.as_secs_f64(),
        outcome.cpu
    );
    service.stop().await;
    Ok(())
}

async fn lists(args: &Args, parent: &std::path::Path, backend: &server::Backend) -> anyhow::Result<()> {
    let p = backend.prefix();
    let dir = ScratchDir::new(parent, "reads", args.keep)?;
    let size = if args.quick {
        populate::Size { conversations: 5_000, patients: 1_500 }
    } else {
        populate::Size { conversations: 100_000, patients: 30_000 }
    };
    let app = server::open(dir.path(), backend).await?;
    let clinic_id = server::clinic(&app.state, "bench-clinic").await?;
    let staff = populate::staff(&app.state, clinic_id).await?;
    eprintln!(
        "bench: populating {} conversations, {} messages, {} patients",
        size.conversations,
        size.conversations * 10,
        size.patients
    );
    let began = Instant::now();
    let url = backend.url(dir.path());
    populate::populate(&url, clinic_id, &staff, size, app.state.clock.now()).await?;
    let bytes: i64 = match backend {
        server::Backend::Sqlite => std::fs::metadata(dir.path().join("cortico.db"))?.len() as i64,
        server::Backend::Postgres(_) => {
            sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(app.state.db.read()).await?
        }
    };
    eprintln!("bench: populated in {:.1} s ({} MB)", began.elapsed().as_secs_f64(), bytes / 1_000_000);
    let service = server::serve(app).await?;
    let token = &staff[0].token;
    let triage = reads::peek(service.addr, token, "/api/conversations/triage").await?;
    let unread = reads::peek(service.addr, token, "/api/unread").await?;
    eprintln!(
        "bench: the measuring user's triage page has {} rows; unread count {}",
        triage["items"].as_array().map_or(0, Vec::len),
        unread["count"]
    );
    // Latency of one request at a time, then under four concurrent clients
    // (the bench's own clients share the machine's two cores with the service).
    let (warm_up, requests) = if args.quick { (50, 300) } else { (200, 2_000) };
    for clients in [1, 4] {
        for (name, path) in [("triage_list", "/api/conversations/triage"), ("unread_count", "/api/unread")] {
            // Start each measurement with the writer idle (no audit backlog of the previous one).
            let flush = Instant::now();
            service.state.db.flush().await?;
            eprintln!(
                "bench: GET {path} x{requests} from {clients} clients (writer idle after {} ms)",
                flush.elapsed().as_millis()
            );
            let mut latencies = reads::measure(service.addr, token, path, clients, warm_up, requests).await?;
            let name = if clients == 1 { format!("{p}{name}") } else { format!("{p}{name}_{clients}_clients") };
            figure(&format!("{name}_p50_ms"), latencies.percentile_ms(50.0), "ms");
            figure(&format!("{name}_p99_ms"), latencies.percentile_ms(99.0), "ms");
        }
    }
    let flush = Instant::now();
    service.stop().await;
    eprintln!("bench: the writer caught up {} ms after the last read", flush.elapsed().as_millis());
    Ok(())
}

/// The 1, 5 and 15 minute load averages (Linux), to judge a noisy run.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
