//! The patient's identity check and portal sessions.
//!
//! A notification email carries a link (a random token). Opening it asks for
//! the health card number and date of birth, compared with keyed hashes of
//! what the clinic has on file; a match emails a six-digit one-time code
//! (ten minutes, single use, only in the browser that asked for it); the
//! code signs the patient in. Six failures in a row (details or code),
//! counted per link and per patient, lock the patient out until staff
//! unlock them (see [`check`]).

mod check;

use crate::args;
use sqlx::AnyPool;

pub use check::{check_code, check_identity, store_code, unlock, Check};

use super::{Db, Result, WriteCtx};
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
    /// Its row.
    pub id: i64,
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
    let row: Option<(i64, i64, i64, Option<i64>, i64)> = sqlx::query_as(
        "SELECT l.id, l.patient_id, p.clinic_id, l.conversation_id, l.expires_at
         FROM patient_links l JOIN patients p ON p.id = l.patient_id WHERE l.token_hash = $1",
    )
    .bind(crypto::token_hash(token))
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => Err(LinkProblem::Unknown),
        Some((.., expires_at)) if expires_at <= now => Err(LinkProblem::Expired),
        Some((id, patient_id, clinic_id, conversation_id, _)) => {
            Ok(Link { id, patient_id, clinic_id, conversation_id })
        }
    })
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
