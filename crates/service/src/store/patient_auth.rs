//! The patient's identity check and portal sessions.
//!
//! A notification email carries a link (a random token). Opening it asks for
//! the health card number and date of birth, compared with keyed hashes of
//! what the clinic has on file; a match emails a six-digit one-time code
//! (ten minutes, single use); the code signs the patient in. Six failures
//! in a row (details or code) lock the patient out until staff unlock them.

use crate::args;
use sqlx::AnyPool;

use super::{Db, Result, StoreError, WriteCtx};
use crate::clock::{DAY, HOUR, MINUTE};
use crate::crypto;

/// Failed checks in a row that lock the patient out.
pub const MAX_FAILED_CHECKS: i64 = 6;
/// How long a one-time code is valid.
pub const CODE_LIFETIME: i64 = 10 * MINUTE;
/// How long a notification link works.
pub const LINK_LIFETIME: i64 = 30 * DAY;
/// Session length with "keep me signed in".
pub const LONG_SESSION: i64 = 30 * DAY;
/// Session length otherwise (also its idle limit).
pub const SHORT_SESSION: i64 = 12 * HOUR;

/// Key purposes, so one secret serves several hashes that cannot be compared.
const HIN_PURPOSE: &str = "health-card-number";
const DOB_PURPOSE: &str = "date-of-birth";

/// A health card number as compared: letters and digits only, upper case,
/// without an Ontario-style version code after the ten digits.
pub fn normalize_hin(raw: &str) -> Option<String> {
    let s: String = raw.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
    if s.len() < 6 || s.len() > 20 {
        return None;
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &s[digits..];
    // 10 digits then 1–2 letters: the letters are the version code.
    if digits == 10 && (1..=2).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Some(s[..digits].to_owned());
    }
    Some(s)
}

/// A date of birth as compared: `YYYY-MM-DD`, or `None` when not a real date.
pub fn normalize_dob(year: &str, month: &str, day: &str) -> Option<String> {
    let (y, m, d): (i32, u32, u32) = (year.trim().parse().ok()?, month.trim().parse().ok()?, day.trim().parse().ok()?);
    if !(1890..=2200).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1];
    (d <= days).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// `YYYY-MM-DD` (also `YYYY-M-D`) into its normal form.
pub fn normalize_dob_text(text: &str) -> Option<String> {
    let mut parts = text.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    normalize_dob(y, m, d)
}

/// Keyed hash of a normalized health card number.
pub fn hin_hash(key: &[u8], normalized: &str) -> Vec<u8> {
    crypto::keyed_hash(key, HIN_PURPOSE, normalized)
}

/// Keyed hash of a normalized date of birth.
pub fn dob_hash(key: &[u8], normalized: &str) -> Vec<u8> {
    crypto::keyed_hash(key, DOB_PURPOSE, normalized)
}

/// A notification link, once checked.
#[derive(Clone, Debug)]
pub struct Link {
    /// The patient it is for.
    pub patient_id: i64,
    /// Their clinic.
    pub clinic_id: i64,
    /// The conversation it opens, if any.
    pub conversation_id: Option<i64>,
}

/// Creates a link for a patient; returns the token for the URL.
pub async fn create_link(w: &mut WriteCtx, patient_id: i64, conversation_id: Option<i64>, now: i64) -> Result<String> {
    let token = crypto::new_token();
    w.execute("INSERT INTO patient_links (token_hash, patient_id, conversation_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)", args![crypto::token_hash(&token), patient_id, conversation_id, now, now + LINK_LIFETIME])
    .await?;
    Ok(token)
}

/// Why a link does not work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// No such link (mistyped or tampered with).
    Unknown,
    /// Older than 30 days.
    Expired,
}

/// Looks a link up.
pub async fn link(pool: &AnyPool, token: &str, now: i64) -> Result<std::result::Result<Link, LinkProblem>> {
    if token.len() > 100 {
        return Ok(Err(LinkProblem::Unknown));
    }
    let row: Option<(i64, i64, Option<i64>, i64)> = sqlx::query_as(
        "SELECT l.patient_id, p.clinic_id, l.conversation_id, l.expires_at
         FROM patient_links l JOIN patients p ON p.id = l.patient_id WHERE l.token_hash = $1",
    )
    .bind(crypto::token_hash(token))
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => Err(LinkProblem::Unknown),
        Some((_, _, _, expires_at)) if expires_at <= now => Err(LinkProblem::Expired),
        Some((patient_id, clinic_id, conversation_id, _)) => Ok(Link { patient_id, clinic_id, conversation_id }),
    })
}

/// The outcome of an identity check or a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// It matched.
    Passed,
    /// It did not; this many tries are left before the lock.
    Failed {
        /// Tries left.
        left: i64,
    },
    /// The patient is locked out (six failures); staff must unlock.
    Locked,
}

/// Counts a failure, locking at the sixth in a row.
async fn fail(w: &mut WriteCtx, patient_id: i64, now: i64) -> Result<Check> {
    let failed: i64 = w
        .scalar(
            "UPDATE patients SET failed_checks = failed_checks + 1,
             locked_at = CASE WHEN failed_checks + 1 >= $2 THEN $3 ELSE locked_at END
         WHERE id = $1 RETURNING failed_checks",
            args![patient_id, MAX_FAILED_CHECKS, now],
        )
        .await?;
    Ok(if failed >= MAX_FAILED_CHECKS { Check::Locked } else { Check::Failed { left: MAX_FAILED_CHECKS - failed } })
}

async fn locked(w: &mut WriteCtx, patient_id: i64) -> Result<bool> {
    let locked_at: Option<i64> = w.scalar("SELECT locked_at FROM patients WHERE id = $1", args![patient_id]).await?;
    Ok(locked_at.is_some())
}

/// Checks the health card number and date of birth (already hashed by the
/// caller) against the patient's. A patient without details on file fails
/// the same way as wrong details. On a match, a code notification is queued.
pub async fn check_identity(db: &Db, link: &Link, hin: Vec<u8>, dob: Vec<u8>, now: i64) -> Result<Check> {
    let (patient_id, clinic_id, conversation_id) = (link.patient_id, link.clinic_id, link.conversation_id);
    db.write(move |w| {
        Box::pin(async move {
            if locked(w, patient_id).await? {
                return Ok(Check::Locked);
            }
            let (stored_hin, stored_dob, email): (Option<Vec<u8>>, Option<Vec<u8>>, Option<String>) =
                w.one("SELECT hin_hash, dob_hash, email FROM patients WHERE id = $1", args![patient_id]).await?;
            // Both comparisons always run, in constant time.
            let hin_ok = crypto::same(&hin, stored_hin.as_deref().unwrap_or(&[0; 32]));
            let dob_ok = crypto::same(&dob, stored_dob.as_deref().unwrap_or(&[0; 32]));
            if !(hin_ok && dob_ok && stored_hin.is_some() && stored_dob.is_some()) {
                return fail(w, patient_id, now).await;
            }
            let Some(email) = email else {
                return Err(StoreError::Rejected("no_email".into()));
            };
            super::notifications::insert(w, clinic_id, patient_id, conversation_id, "code", "email", &email, now)
                .await?;
            Ok(Check::Passed)
        })
    })
    .await
}

/// Stores a new code (made by the notification worker when it sends it).
pub async fn store_code(w: &mut WriteCtx, patient_id: i64, code_hash: String, now: i64) -> Result<()> {
    w.execute(
        "INSERT INTO patient_codes (patient_id, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        args![patient_id, code_hash, now, now + CODE_LIFETIME],
    )
    .await?;
    Ok(())
}

/// Checks a code against the patient's live codes (a hash per code, so the
/// caller passes the verifier). Success uses the code up and clears failures.
pub async fn check_code(db: &Db, patient_id: i64, code: String, now: i64) -> Result<Check> {
    let wellformed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    let live: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, code_hash FROM patient_codes WHERE patient_id = $1 AND used_at IS NULL AND expires_at > $2
         ORDER BY id DESC LIMIT 5",
    )
    .bind(patient_id)
    .bind(now)
    .fetch_all(db.read())
    .await?;
    // Argon2 is slow on purpose: verify outside the writer.
    let matched = if wellformed {
        tokio::task::spawn_blocking(move || {
            live.into_iter().find(|(_, hash)| crypto::verify_password(&code, hash)).map(|(id, _)| id)
        })
        .await
        .map_err(|_| StoreError::Rejected("internal error".into()))?
    } else {
        None
    };
    db.write(move |w| {
        Box::pin(async move {
            if locked(w, patient_id).await? {
                return Ok(Check::Locked);
            }
            let Some(code_id) = matched else { return fail(w, patient_id, now).await };
            let used = w
                .execute("UPDATE patient_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL", args![code_id, now])
                .await?;
            if used == 0 {
                // Used in the meantime by a concurrent request: single use.
                return fail(w, patient_id, now).await;
            }
            w.execute("UPDATE patients SET failed_checks = 0 WHERE id = $1", args![patient_id]).await?;
            Ok(Check::Passed)
        })
    })
    .await
}

/// Starts a portal session; returns the cookie value.
pub async fn create_session(db: &Db, patient_id: i64, keep: bool, now: i64) -> Result<String> {
    db.write(move |w| {
        Box::pin(async move {
            let token = crypto::new_token();
            let lifetime = if keep { LONG_SESSION } else { SHORT_SESSION };
            w.execute("INSERT INTO patient_sessions (token_hash, patient_id, created_at, last_used_at, expires_at) VALUES ($1, $2, $3, $3, $4)", args![crypto::token_hash(&token), patient_id, now, now + lifetime])
            .await?;
            Ok(token)
        })
    })
    .await
}

/// A live portal session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatientSession {
    /// Session id.
    pub id: i64,
    /// The patient.
    pub patient_id: i64,
    /// Their clinic.
    pub clinic_id: i64,
}

/// The session of a cookie, if live and the patient is not locked out.
pub async fn session(db: &Db, token: &str, now: i64) -> Result<Option<PatientSession>> {
    if token.len() > 100 {
        return Ok(None);
    }
    let row: Option<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT s.id, s.patient_id, p.clinic_id, s.last_used_at, s.expires_at - s.created_at
         FROM patient_sessions s JOIN patients p ON p.id = s.patient_id
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND p.locked_at IS NULL",
    )
    .bind(crypto::token_hash(token))
    .bind(now)
    .fetch_optional(db.read())
    .await?;
    let Some((id, patient_id, clinic_id, last_used, lifetime)) = row else { return Ok(None) };
    // A short session also ends after twelve idle hours.
    if lifetime <= SHORT_SESSION && now - last_used > SHORT_SESSION {
        return Ok(None);
    }
    if now - last_used > MINUTE {
        db.write_later(move |w| {
            Box::pin(async move {
                w.execute("UPDATE patient_sessions SET last_used_at = $2 WHERE id = $1", args![id, now]).await?;
                Ok(())
            })
        });
    }
    Ok(Some(PatientSession { id, patient_id, clinic_id }))
}

/// Ends a portal session.
pub async fn end_session(db: &Db, session_id: i64, now: i64) -> Result<()> {
    db.write(move |w| {
        Box::pin(async move {
            w.execute("UPDATE patient_sessions SET revoked_at = $2 WHERE id = $1", args![session_id, now]).await?;
            Ok(())
        })
    })
    .await
}

/// Staff unlock a locked-out patient (and end nothing else).
pub async fn unlock(w: &mut WriteCtx, patient_id: i64) -> Result<()> {
    w.execute("UPDATE patients SET locked_at = NULL, failed_checks = 0 WHERE id = $1", args![patient_id]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_card_numbers_compare_without_spaces_dashes_case_or_version_code() {
        let want = Some("5620066588".to_owned());
        assert_eq!(normalize_hin("5620066588"), want);
        assert_eq!(normalize_hin("5620-066-588"), want);
        assert_eq!(normalize_hin(" 5620 066 588 rt "), want);
        assert_eq!(normalize_hin("5620066588RT"), want);
        assert_eq!(normalize_hin("5620066588-r"), want);
        // Quebec's RAMQ number keeps its letters.
        assert_eq!(normalize_hin("ABCD 1234 5678"), Some("ABCD12345678".to_owned()));
        assert_eq!(normalize_hin("12"), None);
    }

    #[test]
    fn dates_of_birth_are_real_dates() {
        assert_eq!(normalize_dob("1984", "5", "7"), Some("1984-05-07".to_owned()));
        assert_eq!(normalize_dob("2000", "02", "29"), Some("2000-02-29".to_owned()));
        assert_eq!(normalize_dob("1900", "02", "29"), None);
        assert_eq!(normalize_dob("1984", "13", "1"), None);
        assert_eq!(normalize_dob_text("1984-5-7"), Some("1984-05-07".to_owned()));
        assert_eq!(normalize_dob_text("07/05/1984"), None);
    }
}
