//! A conversation as plain text, for the patient's chart in Oscar.

use cortico_protocol::api::{AuthorKind, MessageView};
use sqlx::AnyPool;

use super::lists::{self, Viewer};
use super::{Result, StoreError};
use crate::timezone::{format_local, Zone};

/// Every message of one conversation, oldest first.
#[derive(Clone, Debug)]
pub struct Transcript {
    /// The patient (service id).
    pub patient_id: i64,
    /// The patient's Oscar demographic number.
    pub demographic_no: u32,
    /// "First Last".
    pub patient_name: String,
    /// The messages.
    pub messages: Vec<MessageView>,
    /// The newest message's id.
    pub last_message_id: i64,
}

/// Reads a whole conversation the viewer may see.
pub async fn transcript(pool: &AnyPool, viewer: Viewer, conversation_id: i64) -> Result<Transcript> {
    let mut page = lists::detail_page(pool, viewer, conversation_id, None, 500).await?;
    let summary = page.summary.clone();
    let mut messages = std::mem::take(&mut page.messages);
    while let Some(before) = page.older_cursor {
        page = lists::detail_page(pool, viewer, conversation_id, Some(before), 500).await?;
        let mut older = std::mem::take(&mut page.messages);
        older.append(&mut messages);
        messages = older;
    }
    let last_message_id = messages.last().map(|m| m.id).ok_or(StoreError::NotFound("No such conversation."))?;
    let clinic_id = match viewer {
        Viewer::Staff { clinic_id, .. } | Viewer::Patient { clinic_id, .. } => clinic_id,
    };
    Ok(Transcript {
        patient_id: lists::patient_of(pool, clinic_id, conversation_id).await?,
        demographic_no: summary.patient.demographic_no,
        patient_name: format!("{} {}", summary.patient.first_name, summary.patient.last_name),
        messages,
        last_message_id,
    })
}

impl Transcript {
    /// The note text: a heading, then each message with its time (in the
    /// clinic's zone), author and attached file names.
    pub fn render(&self, clinic_name: &str, zone: Zone) -> String {
        let mut out = format!("Secure messages with {} ({clinic_name})\n", self.patient_name);
        for m in &self.messages {
            let who = match m.author_kind {
                AuthorKind::Patient => format!("{} (patient)", m.author_name),
                AuthorKind::Staff => m.author_name.clone(),
            };
            out.push_str(&format!("\n[{}] {who}:\n", format_local(m.created_at, zone)));
            if !m.body.trim().is_empty() {
                out.push_str(m.body.trim_end());
                out.push('\n');
            }
            for a in &m.attachments {
                out.push_str(&format!("Attached: {}\n", a.file_name));
            }
        }
        out
    }
}
