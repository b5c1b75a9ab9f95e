//! Sliding-window rate limits kept in the database, so every service
//! instance counts against the same limit: "at most `limit` in any
//! `window_ms`", with no burst allowed at a window's edge.

use super::{Result, WriteCtx};
use crate::args;

/// Attempts for `key` within the window ending at `now`.
pub async fn count(w: &mut WriteCtx, key: &str, now: i64, window_ms: i64) -> Result<i64> {
    // Older events can never matter again.
    w.execute("DELETE FROM rate_events WHERE key = $1 AND at <= $2", args![key, now - window_ms]).await?;
    w.scalar("SELECT COUNT(*) FROM rate_events WHERE key = $1", args![key]).await
}

/// Records one attempt for `key`.
pub async fn record(w: &mut WriteCtx, key: &str, now: i64) -> Result<()> {
    w.execute("INSERT INTO rate_events (key, at) VALUES ($1, $2)", args![key, now]).await?;
    Ok(())
}

/// Counts an attempt for `key` when fewer than `limit` happened in the
/// window; false (and nothing counted) when the limit is reached.
pub async fn hit(w: &mut WriteCtx, key: &str, now: i64, window_ms: i64, limit: i64) -> Result<bool> {
    if count(w, key, now, window_ms).await? >= limit {
        return Ok(false);
    }
    record(w, key, now).await?;
    Ok(true)
}

/// Forgets the attempts of `key` (after a success).
pub async fn reset(w: &mut WriteCtx, key: &str) -> Result<()> {
    w.execute("DELETE FROM rate_events WHERE key = $1", args![key]).await?;
    Ok(())
}

/// [`hit`] in a write of its own, for a request whose work is elsewhere (a
/// call to Oscar): `RateLimited(message)` when the limit is reached.
pub async fn take(
    db: &super::Db,
    key: String,
    now: i64,
    window_ms: i64,
    limit: i64,
    message: &'static str,
) -> Result<()> {
    db.write(move |w| {
        Box::pin(async move {
            if hit(w, &key, now, window_ms, limit).await? {
                Ok(())
            } else {
                Err(super::StoreError::RateLimited(message.into()))
            }
        })
    })
    .await
}
