//! Transcripts saved to charts in Oscar, and the saves under way. A save is
//! begun before the note goes to Oscar and finished when Oscar answers, so a
//! retry after a lost answer is recognised and never writes a second note.

use crate::args;
use crate::clock::MINUTE;

use super::audit::{self, Record};
use super::{rate_limit, Actor, Db, Result, StoreError};

/// Saves to the chart one staff member may make in [`WINDOW`] (each calls Oscar).
pub const LIMIT: i64 = 10;
/// The rate limit's window.
pub const WINDOW: i64 = 10 * MINUTE;

/// Where a save of one transcript (a conversation through one message) stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begun {
    /// Nothing was sent for it yet: send it now.
    Started,
    /// It is in the chart already: answer as the first save did.
    Saved {
        /// Oscar's note id.
        oscar_note_id: Option<String>,
        /// When.
        saved_at: i64,
    },
    /// It was sent and Oscar never answered (or a save is under way): it may
    /// be in the chart.
    Uncertain,
}

/// Counts the attempt against the staff member's limit, then begins saving
/// the transcript through `through_message_id` unless that was done.
pub async fn begin(db: &Db, actor: Actor, conversation_id: i64, through_message_id: i64, now: i64) -> Result<Begun> {
    let clinic_id = actor.clinic_id();
    db.write(move |w| {
        Box::pin(async move {
            let key = format!("chart:{}", actor.key());
            if !rate_limit::hit(w, &key, now, WINDOW, LIMIT).await? {
                return Err(StoreError::RateLimited(
                    "Too many saves to the chart in a short time. Try again in a few minutes.".into(),
                ));
            }
            // language=SQL
            let saved: Option<(Option<String>, i64)> = w
                .optional(
                    "SELECT oscar_note_id, saved_at FROM chart_notes
                     WHERE clinic_id = $1 AND conversation_id = $2 AND through_message_id = $3
                     ORDER BY id DESC LIMIT 1",
                    args![clinic_id, conversation_id, through_message_id],
                )
                .await?;
            if let Some((oscar_note_id, saved_at)) = saved {
                return Ok(Begun::Saved { oscar_note_id, saved_at });
            }
            let pending: Option<i64> = w
                .scalar_optional(
                    "SELECT started_at FROM chart_note_attempts WHERE conversation_id = $1 AND through_message_id = $2",
                    args![conversation_id, through_message_id],
                )
                .await?;
            if pending.is_some() {
                return Ok(Begun::Uncertain);
            }
            // language=SQL
            w.execute(
                "INSERT INTO chart_note_attempts (conversation_id, through_message_id, clinic_id, started_by, started_at)
                 VALUES ($1, $2, $3, $4, $5)",
                args![conversation_id, through_message_id, clinic_id, actor.id(), now],
            )
            .await?;
            Ok(Begun::Started)
        })
    })
    .await
}

/// Ends a transcript's save attempt (saved, or Oscar saved nothing).
const END_ATTEMPT: &str = "DELETE FROM chart_note_attempts WHERE conversation_id = $1 AND through_message_id = $2";

/// Oscar answered that it saved nothing: the transcript may be sent again.
pub async fn abandon(db: &Db, conversation_id: i64, through_message_id: i64) -> Result<()> {
    db.write(move |w| {
        Box::pin(async move {
            w.execute(END_ATTEMPT, args![conversation_id, through_message_id]).await?;
            Ok(())
        })
    })
    .await
}

/// Records a transcript Oscar saved, ending its attempt.
pub async fn record(
    db: &Db,
    actor: Actor,
    (conversation_id, patient_id, through_message_id): (i64, i64, i64),
    oscar_note_id: Option<String>,
    now: i64,
) -> Result<()> {
    let clinic_id = actor.clinic_id();
    db.write(move |w| {
        Box::pin(async move {
            w.execute(END_ATTEMPT, args![conversation_id, through_message_id]).await?;
            // language=SQL
            w.execute(
                "INSERT INTO chart_notes (clinic_id, conversation_id, through_message_id, oscar_note_id, saved_by, saved_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                args![clinic_id, conversation_id, through_message_id, oscar_note_id, actor.id(), now],
            )
            .await?;
            audit::append(
                w,
                now,
                &[Record::new(actor, "conversation.save_to_chart", Some(patient_id), Some(conversation_id))],
            )
            .await
        })
    })
    .await
}
