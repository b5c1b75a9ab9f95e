//! The two steps of the identity check and their failure count.
//!
//! Passing the details step makes a code bound to the link and to the
//! browser that passed it (the hash of a cookie only that browser holds),
//! and makes every earlier code of the patient useless: only the newest
//! code is valid. A failure (wrong details, wrong code, or a code from
//! another browser) counts against the link and the patient; either count
//! reaching [`MAX_FAILED_CHECKS`] locks the patient out until staff unlock.

use super::{Link, CODE_LIFETIME, MAX_FAILED_CHECKS};
use crate::args;
use crate::crypto;
use crate::store::notifications::{self, Kind};
use crate::store::{Db, Result, StoreError, WriteCtx};

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

/// Counts a failure against the link and the patient, locking the patient
/// when either count reaches the limit.
async fn fail(w: &mut WriteCtx, link: &Link, now: i64) -> Result<Check> {
    let through_link: i64 = w
        .scalar(
            "UPDATE patient_links SET failed_checks = failed_checks + 1 WHERE id = $1 RETURNING failed_checks",
            args![link.id],
        )
        .await?;
    let of_patient: i64 = w
        .scalar(
            "UPDATE patients SET failed_checks = failed_checks + 1,
             locked_at = CASE WHEN failed_checks + 1 >= $2 OR $4 >= $2 THEN $3 ELSE locked_at END
         WHERE id = $1 RETURNING failed_checks",
            args![link.patient_id, MAX_FAILED_CHECKS, now, through_link],
        )
        .await?;
    let failed = through_link.max(of_patient);
    Ok(if failed >= MAX_FAILED_CHECKS { Check::Locked } else { Check::Failed { left: MAX_FAILED_CHECKS - failed } })
}

async fn locked(w: &mut WriteCtx, patient_id: i64) -> Result<bool> {
    let locked_at: Option<i64> = w.scalar("SELECT locked_at FROM patients WHERE id = $1", args![patient_id]).await?;
    Ok(locked_at.is_some())
}

/// Checks the health card number and date of birth (already hashed by the
/// caller) against the patient's. A patient without details on file fails
/// the same way as wrong details. On a match, a code for the browser whose
/// cookie hashes to `browser` replaces any earlier code, and its
/// notification is queued (none when no email is on file: the clinic sees
/// that in the panel, and the patient gets the same answer either way).
pub async fn check_identity(
    db: &Db,
    link: &Link,
    hin: Vec<u8>,
    dob: Vec<u8>,
    browser: Vec<u8>,
    now: i64,
) -> Result<Check> {
    let link = link.clone();
    db.write(move |w| {
        Box::pin(async move {
            if locked(w, link.patient_id).await? {
                return Ok(Check::Locked);
            }
            let (stored_hin, stored_dob, email): (Option<Vec<u8>>, Option<Vec<u8>>, Option<String>) =
                w.one("SELECT hin_hash, dob_hash, email FROM patients WHERE id = $1", args![link.patient_id]).await?;
            // Both comparisons always run, in constant time.
            let hin_ok = crypto::same(&hin, stored_hin.as_deref().unwrap_or(&[0; 32]));
            let dob_ok = crypto::same(&dob, stored_dob.as_deref().unwrap_or(&[0; 32]));
            if !(hin_ok && dob_ok && stored_hin.is_some() && stored_dob.is_some()) {
                return fail(w, &link, now).await;
            }
            let Some(email) = email.filter(|e| !e.is_empty()) else {
                tracing::info!(patient_id = link.patient_id, "identity confirmed, but no email on file: no code sent");
                return Ok(Check::Passed);
            };
            // Only the newest code is valid.
            w.execute(
                "UPDATE patient_codes SET used_at = $2 WHERE patient_id = $1 AND used_at IS NULL",
                args![link.patient_id, now],
            )
            .await?;
            // The hash stays empty until the notification worker makes and sends the code.
            let code_id: i64 = w
                .scalar(
                    "INSERT INTO patient_codes (patient_id, code_hash, created_at, expires_at, link_id, browser_hash)
                     VALUES ($1, '', $2, $3, $4, $5) RETURNING id",
                    args![link.patient_id, now, now + CODE_LIFETIME, link.id, browser],
                )
                .await?;
            let whom = (link.clinic_id, link.patient_id, link.conversation_id);
            notifications::insert(w, whom, Kind::Code(code_id), "email", &email, now).await?;
            Ok(Check::Passed)
        })
    })
    .await
}

/// Sets the code of a `patient_codes` row as it is sent; it is valid for
/// [`CODE_LIFETIME`] from now (a resend replaces it).
pub async fn store_code(w: &mut WriteCtx, code_id: i64, code_hash: String, now: i64) -> Result<()> {
    w.execute(
        "UPDATE patient_codes SET code_hash = $2, expires_at = $3 WHERE id = $1 AND used_at IS NULL",
        args![code_id, code_hash, now + CODE_LIFETIME],
    )
    .await?;
    Ok(())
}

/// Checks a code entered through `link` in the browser whose cookie is
/// `browser` (none: another browser, which always fails). Success uses the
/// code up and clears the failures of the patient and of the link.
pub async fn check_code(db: &Db, link: &Link, browser: Option<String>, code: String, now: i64) -> Result<Check> {
    let wellformed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    let live: Option<(i64, String)> = match &browser {
        Some(browser) if wellformed => {
            sqlx::query_as(
                "SELECT id, code_hash FROM patient_codes
                 WHERE patient_id = $1 AND link_id = $2 AND browser_hash = $3 AND used_at IS NULL
                   AND expires_at > $4 AND code_hash <> ''
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(link.patient_id)
            .bind(link.id)
            .bind(crypto::token_hash(browser))
            .bind(now)
            .fetch_optional(db.read())
            .await?
        }
        _ => None,
    };
    let matched = match live {
        Some((id, hash)) => crypto::verify_password_limited(code, hash)
            .await
            .map_err(|_| StoreError::Rejected("internal error".into()))?
            .then_some(id),
        None => None,
    };
    let link = link.clone();
    db.write(move |w| {
        Box::pin(async move {
            if locked(w, link.patient_id).await? {
                return Ok(Check::Locked);
            }
            let Some(code_id) = matched else { return fail(w, &link, now).await };
            let used = w
                .execute("UPDATE patient_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL", args![code_id, now])
                .await?;
            if used == 0 {
                // Used or replaced in the meantime by a concurrent request: single use.
                return fail(w, &link, now).await;
            }
            w.execute("UPDATE patients SET failed_checks = 0 WHERE id = $1", args![link.patient_id]).await?;
            w.execute("UPDATE patient_links SET failed_checks = 0 WHERE id = $1", args![link.id]).await?;
            Ok(Check::Passed)
        })
    })
    .await
}

/// Staff unlock a locked-out patient: their count and every link's start
/// over (and nothing else ends).
pub async fn unlock(w: &mut WriteCtx, patient_id: i64) -> Result<()> {
    w.execute("UPDATE patients SET locked_at = NULL, failed_checks = 0 WHERE id = $1", args![patient_id]).await?;
    w.execute("UPDATE patient_links SET failed_checks = 0 WHERE patient_id = $1", args![patient_id]).await?;
    Ok(())
}
