//! The durable notification outbox: rows written with the change that
//! causes them, then claimed and sent by [`crate::notify`].

use super::{Db, Result, WriteCtx};
use crate::args;
use crate::clock::{DAY, MINUTE};

/// A notification to send.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Due {
    /// Row id.
    pub id: i64,
    /// Clinic.
    pub clinic_id: i64,
    /// Patient.
    pub patient_id: i64,
    /// Conversation the link opens.
    pub conversation_id: Option<i64>,
    /// `new_message` or `code`.
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    /// Address or number.
    pub recipient: String,
    /// Tries so far, this one included.
    pub attempts: i64,
    /// The one-time code a `code` notification sends.
    pub code_id: Option<i64>,
}

crate::row_struct!(Due { id, clinic_id, patient_id, conversation_id, kind, channel, recipient, attempts, code_id });

/// Gives up after this long: the patient can still open the portal and the
/// clinic sees the failure.
pub const GIVE_UP_AFTER: i64 = 3 * DAY;

/// What a notification announces: a message (by its link), a one-time
/// code, or that the patient's contact details changed (to the old address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// "The clinic sent you a message".
    NewMessage,
    /// The identity check's code (the `patient_codes` row it sends).
    Code(i64),
    /// "Your contact details at the clinic changed".
    DetailsChanged,
}

/// Queues a notification in the current transaction.
pub async fn insert(
    w: &mut WriteCtx,
    (clinic_id, patient_id, conversation_id): (i64, i64, Option<i64>),
    kind: Kind,
    channel: &str,
    recipient: &str,
    now: i64,
) -> Result<()> {
    let (kind, code_id) = match kind {
        Kind::NewMessage => ("new_message", None),
        Kind::Code(id) => ("code", Some(id)),
        Kind::DetailsChanged => ("details_changed", None),
    };
    w.execute("INSERT INTO notifications (clinic_id, patient_id, conversation_id, kind, channel, recipient, status, next_attempt_at, created_at, code_id)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7, $8)", args![clinic_id, patient_id, conversation_id, kind, channel, recipient, now, code_id])
    .await?;
    Ok(())
}

/// Queues the "you have a message" notification for a staff message, by
/// email when the patient has one, otherwise by SMS when they have a phone;
/// a notification already waiting for the conversation covers it.
pub async fn new_message(w: &mut WriteCtx, conversation_id: i64, now: i64) -> Result<()> {
    // language=SQL
    let (clinic_id, patient_id, email, phone, waiting): (i64, i64, Option<String>, Option<String>, i64) = w
        .one(
            "SELECT c.clinic_id, c.patient_id, p.email, p.phone,
                    CASE WHEN EXISTS (SELECT 1 FROM notifications n WHERE n.status = 'pending'
                                      AND n.kind = 'new_message' AND n.conversation_id = c.id) THEN 1 ELSE 0 END
             FROM conversations c JOIN patients p ON p.id = c.patient_id WHERE c.id = $1",
            args![conversation_id],
        )
        .await?;
    if waiting != 0 {
        return Ok(());
    }
    let (channel, recipient) = match (email, phone) {
        (Some(e), _) if !e.is_empty() => ("email", e),
        (_, Some(p)) if !p.is_empty() => ("sms", p),
        // No way to reach them: the clinic sees "no email on file" and tells them otherwise.
        _ => return Ok(()),
    };
    insert(w, (clinic_id, patient_id, Some(conversation_id)), Kind::NewMessage, channel, &recipient, now).await
}

/// Claims up to `limit` due notifications for one minute.
pub async fn claim(db: &Db, now: i64, limit: i64) -> Result<Vec<Due>> {
    db.write(move |w| {
        Box::pin(async move {
            // The status and claim conditions are repeated outside the
            // subquery so a concurrent instance re-checks them (Postgres).
            // language=SQL
            w.all(
                "UPDATE notifications SET claimed_until = $1 + $2, attempts = attempts + 1
                 WHERE status = 'pending' AND next_attempt_at <= $1 AND claimed_until <= $1 AND id IN (
                     SELECT id FROM notifications
                     WHERE status = 'pending' AND next_attempt_at <= $1 AND claimed_until <= $1
                     ORDER BY next_attempt_at LIMIT $3)
                 RETURNING id, clinic_id, patient_id, conversation_id, kind, channel, recipient, attempts, code_id",
                args![now, MINUTE, limit],
            )
            .await
        })
    })
    .await
}

/// Marks a notification sent.
pub async fn sent(w: &mut WriteCtx, id: i64, now: i64) -> Result<()> {
    w.execute(
        "UPDATE notifications SET status = 'sent', sent_at = $2, last_error = NULL WHERE id = $1",
        args![id, now],
    )
    .await?;
    Ok(())
}

/// Schedules another try with exponential backoff (30 s doubling, at most
/// an hour), or gives up after [`GIVE_UP_AFTER`].
pub async fn retry_later(db: &Db, due: &Due, error: String, now: i64) -> Result<()> {
    let (id, attempts) = (due.id, due.attempts);
    db.write(move |w| {
        Box::pin(async move {
            let created: i64 = w.scalar("SELECT created_at FROM notifications WHERE id = $1", args![id])
                .await?;
            let delay = (30_000_i64 << attempts.clamp(0, 7)).min(60 * MINUTE);
            let give_up = now - created > GIVE_UP_AFTER;
            w.execute("UPDATE notifications SET status = $2, next_attempt_at = $3, claimed_until = 0, last_error = $4 WHERE id = $1", args![id, if give_up { "failed" } else { "pending" }, now + delay, error])
            .await?;
            Ok(())
        })
    })
    .await
}

/// Marks a notification failed for good (e.g. no transport for its channel).
pub async fn failed(db: &Db, id: i64, error: String) -> Result<()> {
    db.write(move |w| {
        Box::pin(async move {
            w.execute("UPDATE notifications SET status = 'failed', last_error = $2 WHERE id = $1", args![id, error])
                .await?;
            Ok(())
        })
    })
    .await
}
