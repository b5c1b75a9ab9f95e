//! Fixed-window rate limits kept in the database, so every service
//! instance counts against the same limit.

use super::{Result, WriteCtx};

/// Counts one attempt for `key`; true while the window holds at most `limit`.
pub async fn hit(
    w: &mut WriteCtx,
    key: &str,
    now: i64,
    window_ms: i64,
    limit: i64,
) -> Result<bool> {
    // language=SQL
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN rate_limits.window_start + $3 <= $2 THEN 1 ELSE rate_limits.count + 1 END,
             window_start = CASE WHEN rate_limits.window_start + $3 <= $2 THEN $2 ELSE rate_limits.window_start END
         RETURNING count",
    )
    .bind(key)
    .bind(now)
    .bind(window_ms)
    .fetch_one(&mut w.conn)
    .await?;
    Ok(count <= limit)
}

/// Forgets the counter for `key` (after a success).
pub async fn reset(w: &mut WriteCtx, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key)
        .execute(&mut w.conn)
        .await?;
    Ok(())
}
