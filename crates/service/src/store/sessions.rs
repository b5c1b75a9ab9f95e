//! Staff sessions behind opaque bearer tokens.

use crate::args;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::AnyPool;

use super::{Db, Result, WriteCtx};
use crate::clock::{DAY, HOUR, MINUTE};
use crate::crypto;

/// A session lapses after this long unused.
pub const IDLE_EXPIRY: i64 = 12 * HOUR;
/// And after this long whatever happens.
pub const ABSOLUTE_EXPIRY: i64 = 7 * DAY;
/// `last_used_at` is only rewritten when older than this, so busy clients
/// do not turn every read into a write.
const TOUCH_EVERY: i64 = MINUTE;

/// A valid session and its staff member.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionStaff {
    /// Session id.
    pub session_id: i64,
    /// When the session started.
    pub created_at: i64,
    /// When it was last used.
    pub last_used_at: i64,
    /// Staff id.
    pub staff_id: i64,
    /// Clinic.
    pub clinic_id: i64,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
}

impl SessionStaff {
    /// When the session ends at the latest, if it keeps being used.
    pub fn expires_at(&self) -> i64 {
        self.created_at + ABSOLUTE_EXPIRY
    }
}

/// Starts a session and returns its token (shown once, stored hashed).
pub async fn create(w: &mut WriteCtx, staff_id: i64, now: i64) -> Result<String> {
    let token = crypto::new_token();
    w.execute(
        "INSERT INTO sessions (token_hash, staff_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)",
        args![crypto::token_hash(&token), staff_id, now],
    )
    .await?;
    Ok(token)
}

/// Live sessions recently seen, so most requests skip the database. An
/// entry is trusted for [`CACHE_FOR`] at most; ending a session, disabling an
/// account or resetting its password evicts it at once (see [`SessionCache::evict_staff`]).
#[derive(Clone, Default)]
pub struct SessionCache(Arc<Mutex<HashMap<Vec<u8>, Cached>>>);

/// A session and when it was last checked against the database.
type Cached = (SessionStaff, i64);

/// How long a cached session is trusted before the database is asked again
/// (what bounds a change made by another process, e.g. the admin CLI).
const CACHE_FOR: i64 = 10_000;
/// Beyond this many cached sessions the cache starts over.
const CACHE_MAX: usize = 10_000;

impl SessionCache {
    /// Forgets everything.
    pub fn clear(&self) {
        self.0.lock().expect("session cache lock").clear();
    }

    /// Forgets every cached session of a staff member.
    pub fn evict_staff(&self, staff_id: i64) {
        self.0.lock().expect("session cache lock").retain(|_, (s, _)| s.staff_id != staff_id);
    }
}

fn live(s: &SessionStaff, now: i64) -> bool {
    s.last_used_at + IDLE_EXPIRY > now && s.created_at + ABSOLUTE_EXPIRY > now
}

/// The session of a token, if it is live: not revoked, not idle for 12 h,
/// not older than 7 days, and its account not disabled. Touches it.
pub async fn authenticate(db: &Db, cache: &SessionCache, token: &str, now: i64) -> Result<Option<SessionStaff>> {
    let hash = crypto::token_hash(token);
    let cached = cache.0.lock().expect("session cache lock").get(&hash).cloned();
    let found = match cached {
        Some((s, at)) if now - at < CACHE_FOR && live(&s, now) => Some(s),
        _ => {
            // language=SQL
            let found: Option<SessionStaff> = sqlx::query_as(
                "SELECT se.id AS session_id, se.created_at, se.last_used_at,
                        s.id AS staff_id, s.clinic_id, s.email, s.name, s.role
                 FROM sessions se JOIN staff s ON s.id = se.staff_id
                 WHERE se.token_hash = $1 AND se.revoked_at IS NULL AND s.disabled = 0",
            )
            .bind(&hash)
            .fetch_optional(db.read())
            .await?;
            let found = found.filter(|s| live(s, now));
            let mut map = cache.0.lock().expect("session cache lock");
            if map.len() >= CACHE_MAX {
                map.clear();
            }
            match &found {
                Some(s) => map.insert(hash.clone(), (s.clone(), now)),
                None => map.remove(&hash),
            };
            found
        }
    };
    if let Some(s) = &found {
        if now - s.last_used_at > TOUCH_EVERY {
            let id = s.session_id;
            if let Some((cached, _)) = cache.0.lock().expect("session cache lock").get_mut(&hash) {
                cached.last_used_at = now;
            }
            db.write_later(move |w| {
                Box::pin(async move {
                    w.execute(
                        "UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2",
                        args![id, now],
                    )
                    .await?;
                    Ok(())
                })
            });
        }
    }
    Ok(found)
}

/// Ends one session.
pub async fn revoke(db: &Db, session_id: i64, now: i64) -> Result<()> {
    db.write(move |w| {
        Box::pin(async move {
            let ended: Option<(i64, i64)> = w
                .optional(
                    "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL
                 RETURNING staff_id, (SELECT clinic_id FROM staff WHERE staff.id = sessions.staff_id)",
                    args![session_id, now],
                )
                .await?;
            if let Some((staff_id, clinic_id)) = ended {
                // Open live streams of this staff member re-check their session now.
                w.changed(clinic_id, None, Some(staff_id));
            }
            Ok(())
        })
    })
    .await
}

/// Ends every session of a staff member.
pub async fn revoke_all(w: &mut WriteCtx, staff_id: i64, now: i64) -> Result<()> {
    w.execute("UPDATE sessions SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL", args![staff_id, now])
        .await?;
    let clinic_id: i64 = w.scalar("SELECT clinic_id FROM staff WHERE id = $1", args![staff_id]).await?;
    w.changed(clinic_id, None, Some(staff_id));
    Ok(())
}

/// Which of `session_ids` may keep a live stream open: not revoked, account
/// not disabled, not past the absolute limit. A stream in use counts as use,
/// so the idle limit does not apply.
pub async fn still_valid(pool: &AnyPool, session_ids: &[i64], now: i64) -> Result<Vec<i64>> {
    let mut valid = Vec::with_capacity(session_ids.len());
    // Bounded lists keep every statement within both databases' parameter limits.
    for chunk in session_ids.chunks(500) {
        let list: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT se.id FROM sessions se JOIN staff s ON s.id = se.staff_id
             WHERE se.revoked_at IS NULL AND s.disabled = 0 AND se.created_at > $1 AND se.id IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(now - ABSOLUTE_EXPIRY);
        for id in chunk {
            query = query.bind(*id);
        }
        valid.extend(query.fetch_all(pool).await?);
    }
    Ok(valid)
}

/// Number of live sessions (admin CLI, tests).
pub async fn count_live(pool: &AnyPool, staff_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE staff_id = $1 AND revoked_at IS NULL")
        .bind(staff_id)
        .fetch_one(pool)
        .await?)
}
