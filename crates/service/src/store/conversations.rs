//! Changes to conversations: start, send, read, unread, close, reopen.
//!
//! The rules:
//! - "Send" leaves the conversation closed to patient replies (the patient
//!   can read it); "Send & Allow Replies" opens it to replies.
//! - Staff sending into a closed conversation reopens it; Reopen does it
//!   explicitly and lets the patient reply again. Close stops patient replies.
//! - The patient may reply when the conversation is open and replies are allowed.
//! - A conversation is in Triage (`needs_reply`) while it is open and its
//!   latest message is the patient's.
//! - Unread is per staff member: reading sets their read marker, "mark as
//!   unread" flags it for them only.

use crate::args;
use cortico_protocol::api::limits::{MAX_ATTACHMENTS_PER_MESSAGE, MAX_MESSAGE_CHARS};
use cortico_protocol::OscarPatientRef;

use super::audit::{self, Record};
use super::lists::{self, Viewer};
use super::{flag, patients, Actor, Db, Result, StoreError, WriteCtx};
use cortico_protocol::api::{ConversationSummary, MessageView};

/// A message to send, as the client gave it.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// Plain text.
    pub body: String,
    /// Uploaded, not yet sent attachments of the sender.
    pub attachment_ids: Vec<i64>,
    /// "Send & Allow Replies" (staff only).
    pub allow_replies: bool,
    /// Retrying with the same key never sends twice.
    pub idempotency_key: String,
}

/// What a send did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The conversation.
    pub conversation_id: i64,
    /// The message.
    pub message_id: i64,
    /// True when the key had been used and nothing new was stored.
    pub replayed: bool,
    /// The conversation's list row for the sender, after the send.
    pub conversation: ConversationSummary,
    /// The message as stored.
    pub message: MessageView,
}

/// The result of a send, with what the sender sees of it.
async fn sent(w: &mut WriteCtx, actor: Actor, conversation_id: i64, message_id: i64, replayed: bool) -> Result<Sent> {
    let viewer = match actor {
        Actor::Staff { id, clinic_id } => Viewer::Staff { id, clinic_id },
        Actor::Patient { id, clinic_id } => Viewer::Patient { id, clinic_id },
    };
    let (conversation, message) = lists::sent_view(w, viewer, conversation_id, message_id).await?;
    Ok(Sent { conversation_id, message_id, replayed, conversation, message })
}

impl Outgoing {
    /// Checks sizes before anything is written.
    pub fn validate(&self) -> Result<()> {
        let chars = self.body.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            return Err(StoreError::Rejected(format!(
                "A message can be at most {MAX_MESSAGE_CHARS} characters; this one has {chars}."
            )));
        }
        if self.body.trim().is_empty() && self.attachment_ids.is_empty() {
            return Err(StoreError::Rejected("Write a message or attach a file.".into()));
        }
        if self.attachment_ids.len() > MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(StoreError::Rejected(format!("At most {MAX_ATTACHMENTS_PER_MESSAGE} files per message.")));
        }
        let key = &self.idempotency_key;
        if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(StoreError::Rejected("idempotency_key must be 1 to 128 visible ASCII characters.".into()));
        }
        Ok(())
    }
}

/// The list preview of a message: its first words, or the attached file's name.
pub fn preview(body: &str, first_file: Option<&str>) -> String {
    const MAX: usize = 140;
    let text = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return first_file.map(|f| format!("📎 {f}")).unwrap_or_default();
    }
    if text.chars().count() <= MAX {
        return text;
    }
    let mut cut: String = text.chars().take(MAX - 1).collect();
    cut.push('…');
    cut
}

/// The conversation facts a write needs, fetched within the clinic.
struct Conversation {
    patient_id: i64,
    state: String,
    replies_allowed: i64,
}

async fn conversation(w: &mut WriteCtx, clinic_id: i64, id: i64) -> Result<Conversation> {
    let row: Option<(i64, String, i64)> = w
        .optional(
            "SELECT patient_id, state, replies_allowed FROM conversations WHERE id = $1 AND clinic_id = $2",
            args![id, clinic_id],
        )
        .await?;
    let (patient_id, state, replies_allowed) = row.ok_or(StoreError::NotFound("No such conversation."))?;
    Ok(Conversation { patient_id, state, replies_allowed })
}

/// A previous send with this key, if any: (conversation, message).
async fn replay(w: &mut WriteCtx, actor: Actor, key: &str) -> Result<Option<(i64, i64)>> {
    w.optional(
        "SELECT m.conversation_id, m.id FROM idempotency_keys k JOIN messages m ON m.id = k.message_id
         WHERE k.clinic_id = $1 AND k.actor = $2 AND k.key = $3",
        args![actor.clinic_id(), actor.key(), key],
    )
    .await
}

/// Inserts the message, attaches its files and updates the conversation row.
async fn insert_message(w: &mut WriteCtx, actor: Actor, conversation_id: i64, out: &Outgoing, now: i64) -> Result<i64> {
    let clinic_id = actor.clinic_id();
    let staff_id = match actor {
        Actor::Staff { id, .. } => Some(id),
        Actor::Patient { .. } => None,
    };
    let message_id: i64 = w.scalar("INSERT INTO messages (conversation_id, author_staff_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id", args![conversation_id, staff_id, &out.body, now])
    .await?;

    let mut first_file = None;
    for &attachment_id in &out.attachment_ids {
        let name: Option<String> = w
            .scalar_optional(
                "UPDATE attachments SET message_id = $1
             WHERE id = $2 AND clinic_id = $3 AND uploader = $4 AND message_id IS NULL
             RETURNING file_name",
                args![message_id, attachment_id, clinic_id, actor.key()],
            )
            .await?;
        let name = name.ok_or_else(|| {
            StoreError::Rejected(format!("File {attachment_id} is not one of your uploads waiting to be sent."))
        })?;
        first_file.get_or_insert(name);
    }

    w.execute(
        "INSERT INTO idempotency_keys (clinic_id, actor, key, message_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        args![clinic_id, actor.key(), &out.idempotency_key, message_id, now],
    )
    .await?;

    let preview = preview(&out.body, first_file.as_deref());
    let seq = w.seq();
    match actor {
        Actor::Staff { id: staff_id, .. } => {
            // language=SQL
            w.execute(
                "UPDATE conversations SET state = 'open', replies_allowed = $2, last_message_id = $3,
                     last_message_at = $4, last_author = 'staff', preview = $5, needs_reply = 0, change_seq = $6
                 WHERE id = $1",
                args![conversation_id, flag(out.allow_replies), message_id, now, &preview, seq],
            )
            .await?;
            // Writing makes you a member, and you have read what you wrote.
            w.execute(
                "INSERT INTO conversation_members (conversation_id, staff_id, last_message_at, added_at)
                 VALUES ($1, $2, $3, $3) ON CONFLICT (conversation_id, staff_id) DO NOTHING",
                args![conversation_id, staff_id, now],
            )
            .await?;
            set_read(w, staff_id, conversation_id, message_id).await?;
            super::unread::staff_wrote(w, conversation_id).await?;
            // Tell the patient, in the same transaction: never lost, never blocking.
            super::notifications::new_message(w, conversation_id, now).await?;
        }
        Actor::Patient { .. } => {
            w.execute(
                "UPDATE conversations SET last_message_id = $2, last_message_at = $3, last_author = 'patient',
                     preview = $4, needs_reply = 1, change_seq = $5
                 WHERE id = $1",
                args![conversation_id, message_id, now, &preview, seq],
            )
            .await?;
            super::unread::patient_wrote(w, clinic_id, conversation_id).await?;
        }
    }
    w.execute(
        "UPDATE conversation_members SET last_message_at = $2 WHERE conversation_id = $1",
        args![conversation_id, now],
    )
    .await?;
    w.changed(clinic_id, Some(conversation_id), None);
    Ok(message_id)
}

/// Moves a staff member's read marker forward (never back) and clears "unread".
async fn set_read(w: &mut WriteCtx, staff_id: i64, conversation_id: i64, message_id: i64) -> Result<()> {
    // language=SQL
    w.execute(
        "INSERT INTO read_state (staff_id, conversation_id, last_read_message_id, marked_unread) VALUES ($1, $2, $3, 0)
         ON CONFLICT (staff_id, conversation_id) DO UPDATE SET
             marked_unread = 0,
             last_read_message_id = CASE WHEN read_state.last_read_message_id > excluded.last_read_message_id
                                         THEN read_state.last_read_message_id ELSE excluded.last_read_message_id END",
        args![staff_id, conversation_id, message_id],
    )
    .await?;
    Ok(())
}

/// Staff start a conversation with a patient of their clinic, with its first message.
pub async fn start(db: &Db, actor: Actor, patient: OscarPatientRef, out: Outgoing, now: i64) -> Result<Sent> {
    out.validate()?;
    let Actor::Staff { id: staff_id, clinic_id } = actor else {
        return Err(StoreError::Rejected("Only staff start conversations here.".into()));
    };
    db.write(move |w| {
        Box::pin(async move {
            if let Some((conversation_id, message_id)) = replay(w, actor, &out.idempotency_key).await? {
                // A retry of this very start, or a key reused by mistake?
                let first: Option<i64> = w
                    .scalar_optional(
                        "SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id
                     JOIN patients p ON p.id = c.patient_id
                     WHERE m.conversation_id = $1 AND p.demographic_no = $2 ORDER BY m.id LIMIT 1",
                        args![conversation_id, i64::from(patient.demographic_no)],
                    )
                    .await?;
                if first != Some(message_id) {
                    return Err(StoreError::Conflict(
                        "This idempotency_key was already used for another message.".into(),
                    ));
                }
                return sent(w, actor, conversation_id, message_id, true).await;
            }
            let patient_id = patients::upsert(w, clinic_id, &patient, now).await?;
            // language=SQL
            let conversation_id: i64 = w
                .scalar(
                    "INSERT INTO conversations (clinic_id, patient_id, state, replies_allowed, created_by, created_at,
                     last_message_at, last_author, preview, needs_reply, change_seq)
                 VALUES ($1, $2, 'open', $3, $4, $5, $5, 'staff', '', 0, $6)
                 RETURNING id",
                    args![clinic_id, patient_id, flag(out.allow_replies), staff_id, now, w.seq()],
                )
                .await?;
            let message_id = insert_message(w, actor, conversation_id, &out, now).await?;
            audit::append(
                w,
                now,
                &[
                    Record::new(actor, "conversation.start", Some(patient_id), Some(conversation_id)),
                    Record::new(actor, "message.send", Some(patient_id), Some(conversation_id)),
                ],
            )
            .await?;
            sent(w, actor, conversation_id, message_id, false).await
        })
    })
    .await
}

/// A patient starts a conversation from the portal (when the clinic allows
/// it). It is open, replies allowed, and waiting in Triage.
pub async fn start_by_patient(db: &Db, actor: Actor, out: Outgoing, now: i64) -> Result<Sent> {
    out.validate()?;
    let Actor::Patient { id: patient_id, clinic_id } = actor else {
        return Err(StoreError::Rejected("Only patients start conversations from the portal.".into()));
    };
    db.write(move |w| {
        Box::pin(async move {
            if let Some((conversation_id, message_id)) = replay(w, actor, &out.idempotency_key).await? {
                return sent(w, actor, conversation_id, message_id, true).await;
            }
            let allowed: i64 =
                w.scalar("SELECT patient_initiated FROM clinics WHERE id = $1", args![clinic_id]).await?;
            if allowed == 0 {
                return Err(StoreError::Rejected("The clinic does not take new conversations from patients.".into()));
            }
            // language=SQL
            let conversation_id: i64 = w
                .scalar(
                    "INSERT INTO conversations (clinic_id, patient_id, state, replies_allowed, created_by, created_at,
                     last_message_at, last_author, preview, needs_reply, change_seq)
                 VALUES ($1, $2, 'open', 1, NULL, $3, $3, 'patient', '', 1, $4)
                 RETURNING id",
                    args![clinic_id, patient_id, now, w.seq()],
                )
                .await?;
            let message_id = insert_message(w, actor, conversation_id, &out, now).await?;
            audit::append(
                w,
                now,
                &[
                    Record::new(actor, "conversation.start", Some(patient_id), Some(conversation_id)),
                    Record::new(actor, "message.send", Some(patient_id), Some(conversation_id)),
                ],
            )
            .await?;
            sent(w, actor, conversation_id, message_id, false).await
        })
    })
    .await
}

/// Sends a message into a conversation: staff (reopens it, sets whether the
/// patient may reply) or the patient (only while replies are allowed).
pub async fn send(db: &Db, actor: Actor, conversation_id: i64, out: Outgoing, now: i64) -> Result<Sent> {
    out.validate()?;
    db.write(move |w| {
        Box::pin(async move {
            if let Some((previous_conversation, message_id)) = replay(w, actor, &out.idempotency_key).await? {
                if previous_conversation != conversation_id {
                    return Err(StoreError::Conflict(
                        "This idempotency_key was already used for another conversation.".into(),
                    ));
                }
                return sent(w, actor, conversation_id, message_id, true).await;
            }
            let conv = conversation(w, actor.clinic_id(), conversation_id).await?;
            if let Actor::Patient { id, .. } = actor {
                if conv.patient_id != id {
                    return Err(StoreError::NotFound("No such conversation."));
                }
                if conv.state != "open" {
                    return Err(StoreError::Rejected(
                        "This conversation is closed, so replies are not accepted.".into(),
                    ));
                }
                if conv.replies_allowed == 0 {
                    return Err(StoreError::Rejected(
                        "The clinic did not ask for a reply to this conversation.".into(),
                    ));
                }
            }
            let message_id = insert_message(w, actor, conversation_id, &out, now).await?;
            audit::append(w, now, &[Record::new(actor, "message.send", Some(conv.patient_id), Some(conversation_id))])
                .await?;
            sent(w, actor, conversation_id, message_id, false).await
        })
    })
    .await
}

/// Staff mark a conversation read up to a message.
pub async fn mark_read(db: &Db, actor: Actor, conversation_id: i64, up_to: i64, now: i64) -> Result<()> {
    let Actor::Staff { id: staff_id, clinic_id } = actor else {
        return Err(StoreError::Rejected("Only staff have read markers.".into()));
    };
    db.write(move |w| {
        Box::pin(async move {
            let row: Option<(i64, i64)> = w
                .optional(
                    "SELECT patient_id, last_message_id FROM conversations WHERE id = $1 AND clinic_id = $2",
                    args![conversation_id, clinic_id],
                )
                .await?;
            let (patient_id, last) = row.ok_or(StoreError::NotFound("No such conversation."))?;
            if up_to < 0 {
                return Err(StoreError::Rejected("up_to_message_id must be a message id.".into()));
            }
            set_read(w, staff_id, conversation_id, up_to.min(last)).await?;
            super::unread::refresh_one(w, staff_id, conversation_id).await?;
            touch(w, clinic_id, conversation_id, Some(staff_id)).await?;
            audit::append(
                w,
                now,
                &[Record::new(actor, "conversation.mark_read", Some(patient_id), Some(conversation_id))],
            )
            .await
        })
    })
    .await
}

/// Staff flag a conversation unread for themselves; it shows in their Triage.
pub async fn mark_unread(db: &Db, actor: Actor, conversation_id: i64, now: i64) -> Result<()> {
    let Actor::Staff { id: staff_id, clinic_id } = actor else {
        return Err(StoreError::Rejected("Only staff have read markers.".into()));
    };
    db.write(move |w| {
        Box::pin(async move {
            let conv = conversation(w, clinic_id, conversation_id).await?;
            // language=SQL
            w.execute("INSERT INTO read_state (staff_id, conversation_id, last_read_message_id, marked_unread) VALUES ($1, $2, 0, 1)
                 ON CONFLICT (staff_id, conversation_id) DO UPDATE SET marked_unread = 1", args![staff_id, conversation_id])
            .await?;
            super::unread::refresh_one(w, staff_id, conversation_id).await?;
            touch(w, clinic_id, conversation_id, Some(staff_id)).await?;
            audit::append(
                w,
                now,
                &[Record::new(actor, "conversation.mark_unread", Some(conv.patient_id), Some(conversation_id))],
            )
            .await
        })
    })
    .await
}

/// Close (no more patient replies) or reopen (replies allowed again).
pub async fn set_open(db: &Db, actor: Actor, conversation_id: i64, open: bool, now: i64) -> Result<()> {
    let Actor::Staff { clinic_id, .. } = actor else {
        return Err(StoreError::Rejected("Only staff close or reopen conversations.".into()));
    };
    db.write(move |w| {
        Box::pin(async move {
            let conv = conversation(w, clinic_id, conversation_id).await?;
            if open {
                // language=SQL
                w.execute(
                    "UPDATE conversations SET state = 'open', replies_allowed = 1,
                         needs_reply = CASE WHEN last_author = 'patient' THEN 1 ELSE 0 END
                     WHERE id = $1",
                    args![conversation_id],
                )
                .await?;
            } else {
                w.execute(
                    "UPDATE conversations SET state = 'closed', needs_reply = 0 WHERE id = $1",
                    args![conversation_id],
                )
                .await?;
            }
            super::unread::refresh_conversation(w, conversation_id).await?;
            touch(w, clinic_id, conversation_id, None).await?;
            let action = if open { "conversation.reopen" } else { "conversation.close" };
            audit::append(w, now, &[Record::new(actor, action, Some(conv.patient_id), Some(conversation_id))]).await
        })
    })
    .await
}

/// Records the change for the live streams (clinic-wide, or one staff member's view).
async fn touch(w: &mut WriteCtx, clinic_id: i64, conversation_id: i64, staff_id: Option<i64>) -> Result<()> {
    w.execute("UPDATE conversations SET change_seq = $2 WHERE id = $1", args![conversation_id, w.seq()]).await?;
    w.changed(clinic_id, Some(conversation_id), staff_id);
    Ok(())
}

/// The patient opened a conversation: their first opening of each staff
/// message is recorded ("Read by <first name>").
pub async fn patient_opened(db: &Db, actor: Actor, conversation_id: i64, now: i64) -> Result<()> {
    let Actor::Patient { id: patient_id, clinic_id } = actor else {
        return Err(StoreError::Rejected("Only the patient records read receipts.".into()));
    };
    db.write(move |w| {
        Box::pin(async move {
            let conv = conversation(w, clinic_id, conversation_id).await?;
            if conv.patient_id != patient_id {
                return Err(StoreError::NotFound("No such conversation."));
            }
            let updated = w
                .execute(
                    "UPDATE messages SET patient_read_at = $2
                 WHERE conversation_id = $1 AND author_staff_id IS NOT NULL AND patient_read_at IS NULL",
                    args![conversation_id, now],
                )
                .await?;
            if updated > 0 {
                touch(w, clinic_id, conversation_id, None).await?;
            }
            audit::append(w, now, &[Record::new(actor, "conversation.read", Some(patient_id), Some(conversation_id))])
                .await
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(body: &str, key: &str) -> Outgoing {
        Outgoing { body: body.into(), attachment_ids: vec![], allow_replies: false, idempotency_key: key.into() }
    }

    #[test]
    fn message_size_and_key_are_checked() {
        assert!(out("Hello", "k").validate().is_ok());
        assert!(out("   ", "k").validate().is_err());
        assert!(out(&"x".repeat(10_000), "k").validate().is_ok());
        assert!(out(&"x".repeat(10_001), "k").validate().is_err());
        assert!(out("Hi", "").validate().is_err());
        assert!(out("Hi", "has space").validate().is_err());
        let files_only = Outgoing { attachment_ids: vec![1], ..out("", "k") };
        assert!(files_only.validate().is_ok());
    }

    #[test]
    fn previews_fold_white_space_and_stop_at_140_characters() {
        assert_eq!(preview("Your  results\nare in.", None), "Your results are in.");
        let long = preview(&"é".repeat(300), None);
        assert_eq!(long.chars().count(), 140);
        assert!(long.ends_with('…'));
        assert_eq!(preview("", Some("lab.pdf")), "📎 lab.pdf");
    }
}
