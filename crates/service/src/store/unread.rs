//! The badge: which conversations count as unread for each staff member.
//!
//! A conversation counts for staff member U when it is in Triage (open,
//! latest message the patient's) and U has not read that message, or when U
//! marked it unread. The `staff_unread` table holds exactly those pairs, so
//! the badge is `COUNT(*)` over one index range; each change below keeps it
//! in step, in the same transaction as the change.

use super::{Result, WriteCtx};
use crate::args;

/// The definition, for one conversation: who it counts for now.
// language=SQL
const COUNTS_FOR: &str = "
    SELECT s.id, c.id FROM conversations c
    JOIN staff s ON s.clinic_id = c.clinic_id
    LEFT JOIN read_state rs ON rs.staff_id = s.id AND rs.conversation_id = c.id
    WHERE c.id = $1
      AND ((c.needs_reply = 1 AND (rs.staff_id IS NULL OR rs.last_read_message_id < c.last_message_id))
           OR rs.marked_unread = 1)";

/// Recomputes a conversation's rows from the definition (for the rarer
/// changes: close, reopen, a new patient conversation).
pub async fn refresh_conversation(w: &mut WriteCtx, conversation_id: i64) -> Result<()> {
    w.execute("DELETE FROM staff_unread WHERE conversation_id = $1", args![conversation_id]).await?;
    w.execute(&format!("INSERT INTO staff_unread (staff_id, conversation_id) {COUNTS_FOR}"), args![conversation_id])
        .await?;
    Ok(())
}

/// A patient message: unread for every staff member of the clinic.
pub async fn patient_wrote(w: &mut WriteCtx, clinic_id: i64, conversation_id: i64) -> Result<()> {
    w.execute(
        "INSERT INTO staff_unread (staff_id, conversation_id) SELECT id, $2 FROM staff WHERE clinic_id = $1
         ON CONFLICT (staff_id, conversation_id) DO NOTHING",
        args![clinic_id, conversation_id],
    )
    .await?;
    Ok(())
}

/// A staff message takes the conversation out of Triage: it stays only
/// where someone marked it unread.
pub async fn staff_wrote(w: &mut WriteCtx, conversation_id: i64) -> Result<()> {
    w.execute(
        "DELETE FROM staff_unread WHERE conversation_id = $1 AND staff_id NOT IN (
             SELECT staff_id FROM read_state WHERE conversation_id = $1 AND marked_unread = 1)",
        args![conversation_id],
    )
    .await?;
    Ok(())
}

/// One staff member's read marker or unread flag changed.
pub async fn refresh_one(w: &mut WriteCtx, staff_id: i64, conversation_id: i64) -> Result<()> {
    w.execute(
        "DELETE FROM staff_unread WHERE staff_id = $1 AND conversation_id = $2",
        args![staff_id, conversation_id],
    )
    .await?;
    // language=SQL
    w.execute(
        "INSERT INTO staff_unread (staff_id, conversation_id)
         SELECT $1, c.id FROM conversations c
         LEFT JOIN read_state rs ON rs.staff_id = $1 AND rs.conversation_id = c.id
         WHERE c.id = $2
           AND ((c.needs_reply = 1 AND (rs.staff_id IS NULL OR rs.last_read_message_id < c.last_message_id))
                OR rs.marked_unread = 1)",
        args![staff_id, conversation_id],
    )
    .await?;
    Ok(())
}

/// A new staff member starts with everything waiting in Triage.
pub async fn new_staff(w: &mut WriteCtx, clinic_id: i64, staff_id: i64) -> Result<()> {
    w.execute(
        "INSERT INTO staff_unread (staff_id, conversation_id)
         SELECT $2, id FROM conversations WHERE clinic_id = $1 AND needs_reply = 1",
        args![clinic_id, staff_id],
    )
    .await?;
    Ok(())
}
