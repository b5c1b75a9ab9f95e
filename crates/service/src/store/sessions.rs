//! Staff sessions behind opaque bearer tokens.

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
    sqlx::query("INSERT INTO sessions (token_hash, staff_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)")
        .bind(crypto::token_hash(&token))
        .bind(staff_id)
        .bind(now)
        .execute(&mut w.conn)
        .await?;
    Ok(token)
}

/// The session of a token, if it is live: not revoked, not idle for 12 h,
/// not older than 7 days, and its account not disabled. Touches it.
pub async fn authenticate(db: &Db, token: &str, now: i64) -> Result<Option<SessionStaff>> {
    // language=SQL
    let found: Option<SessionStaff> = sqlx::query_as(
        "SELECT se.id AS session_id, se.created_at, se.last_used_at,
                s.id AS staff_id, s.clinic_id, s.email, s.name, s.role
         FROM sessions se JOIN staff s ON s.id = se.staff_id
         WHERE se.token_hash = $1 AND se.revoked_at IS NULL AND s.disabled = 0
           AND se.last_used_at + $2 > $4 AND se.created_at + $3 > $4",
    )
    .bind(crypto::token_hash(token))
    .bind(IDLE_EXPIRY)
    .bind(ABSOLUTE_EXPIRY)
    .bind(now)
    .fetch_optional(db.read())
    .await?;
    if let Some(s) = &found {
        if now - s.last_used_at > TOUCH_EVERY {
            let id = s.session_id;
            db.write_later(move |w| {
                Box::pin(async move {
                    sqlx::query("UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2")
                        .bind(id)
                        .bind(now)
                        .execute(&mut w.conn)
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
            let ended: Option<(i64, i64)> = sqlx::query_as(
                "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL
                 RETURNING staff_id, (SELECT clinic_id FROM staff WHERE staff.id = sessions.staff_id)",
            )
            .bind(session_id)
            .bind(now)
            .fetch_optional(&mut w.conn)
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
    sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL")
        .bind(staff_id)
        .bind(now)
        .execute(&mut w.conn)
        .await?;
    let clinic_id: i64 =
        sqlx::query_scalar("SELECT clinic_id FROM staff WHERE id = $1").bind(staff_id).fetch_one(&mut w.conn).await?;
    w.changed(clinic_id, None, Some(staff_id));
    Ok(())
}

/// Number of live sessions (admin CLI, tests).
pub async fn count_live(pool: &AnyPool, staff_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE staff_id = $1 AND revoked_at IS NULL")
        .bind(staff_id)
        .fetch_one(pool)
        .await?)
}
