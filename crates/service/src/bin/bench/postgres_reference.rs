//! The Postgres reference: single-row transactions per second on one
//! connection, with the server's own durability settings
//! (`synchronous_commit` as configured; on by default).

use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::{Connection, Executor, PgConnection};

/// Commits per second of `BEGIN; INSERT one row; COMMIT` for `how_long`.
pub async fn single_row_commit_rate(url: &str, how_long: Duration) -> anyhow::Result<f64> {
    let mut conn = PgConnection::connect(url).await.context("opening the scratch database")?;
    conn.execute("CREATE TABLE scratch (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, at BIGINT NOT NULL)").await?;
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
