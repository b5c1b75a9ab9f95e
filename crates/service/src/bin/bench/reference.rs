//! The references: how many single-row transactions the raw database
//! commits per second on one connection, with the service's durability
//! settings (SQLite: WAL, `synchronous=FULL`; Postgres: the server's own,
//! `synchronous_commit` on by default). Group commit is what lets the
//! service beat them.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};

/// Commits per second on a scratch SQLite file in `dir`.
pub async fn sqlite_single_row_commit_rate(dir: &Path, how_long: Duration) -> anyhow::Result<f64> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("scratch.db").display());
    let mut conn = open(&url).await?;
    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL").await?;
    conn.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)").await?;
    commit_rate(conn, how_long).await
}

/// Commits per second on the (scratch) Postgres database at `url`.
pub async fn postgres_single_row_commit_rate(url: &str, how_long: Duration) -> anyhow::Result<f64> {
    let mut conn = open(url).await?;
    conn.execute("CREATE TABLE scratch (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, at BIGINT NOT NULL)").await?;
    commit_rate(conn, how_long).await
}

async fn open(url: &str) -> anyhow::Result<AnyConnection> {
    sqlx::any::install_default_drivers();
    AnyConnectOptions::from_str(url)?
        .disable_statement_logging()
        .connect()
        .await
        .context("opening the scratch database")
}

/// Commits per second of `BEGIN; INSERT one row; COMMIT` for `how_long`.
async fn commit_rate(mut conn: AnyConnection, how_long: Duration) -> anyhow::Result<f64> {
    let body = "x".repeat(200);
    let began = Instant::now();
    let mut commits = 0u64;
    while began.elapsed() < how_long {
        conn.execute("BEGIN").await?;
        sqlx::query("INSERT INTO scratch (body, at) VALUES ($1, $2)")
            .bind(&body)
            .bind(commits as i64)
            .execute(&mut conn)
            .await?;
        conn.execute("COMMIT").await?;
        commits += 1;
    }
    let rate = commits as f64 / began.elapsed().as_secs_f64();
    conn.close().await?;
    Ok(rate)
}
