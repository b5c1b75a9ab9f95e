//! The reference: how many single-row transactions raw SQLite commits per
//! second with the service's durability settings (WAL, `synchronous=FULL`)
//! on the same disk. Group commit is what lets the service beat it.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor};

/// Commits per second of `BEGIN; INSERT one row; COMMIT` for `how_long`.
pub async fn single_row_commit_rate(dir: &Path, how_long: Duration) -> anyhow::Result<f64> {
    let mut conn = SqliteConnectOptions::new()
        .filename(dir.join("scratch.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .disable_statement_logging()
        .connect()
        .await
        .context("opening the scratch database")?;
    conn.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)").await?;
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
