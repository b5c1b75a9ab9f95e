//! The append-only audit log: who read or changed which patient's data, when.

use crate::args;
use cortico_protocol::api::{AuditEntry, AuditPage};
use sqlx::AnyPool;

use super::{Actor, Result, WriteCtx};

/// One audit record before it is stored.
#[derive(Clone, Debug)]
pub struct Record {
    /// Clinic.
    pub clinic_id: i64,
    /// Who.
    pub actor: Actor,
    /// What (`conversation.read`, `message.send`, …).
    pub action: &'static str,
    /// Which patient.
    pub patient_id: Option<i64>,
    /// Which conversation.
    pub conversation_id: Option<i64>,
}

impl Record {
    /// A record for `actor` doing `action`.
    pub fn new(actor: Actor, action: &'static str, patient_id: Option<i64>, conversation_id: Option<i64>) -> Self {
        Record { clinic_id: actor.clinic_id(), actor, action, patient_id, conversation_id }
    }
}

/// List rows recently recorded as seen, per person and conversation, so a
/// list reloaded on every change does not write the same audit records
/// again and again. Each instance keeps its own; at worst a view is
/// recorded once per instance and window, never less than once.
#[derive(Clone, Default)]
pub struct RecentViews {
    seen: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(String, i64), i64>>>,
}

impl RecentViews {
    /// How long a recorded list view covers the same row for the same person.
    pub const WINDOW_MS: i64 = 5 * 60 * 1000;
    /// Beyond this many entries, expired ones are dropped.
    const PRUNE_AT: usize = 100_000;

    /// True when `actor` has not seen `conversation_id` in a list within the
    /// window (the view must be recorded); remembers it from now.
    pub fn first_in_window(&self, actor: Actor, conversation_id: i64, now: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= Self::PRUNE_AT {
            seen.retain(|_, at| now - *at < Self::WINDOW_MS);
        }
        let at = seen.entry((actor.key(), conversation_id)).or_insert(i64::MIN);
        if now.saturating_sub(*at) < Self::WINDOW_MS {
            return false;
        }
        *at = now;
        true
    }
}

/// Appends records inside the current transaction.
pub async fn append(w: &mut WriteCtx, at: i64, records: &[Record]) -> Result<()> {
    for r in records {
        // language=SQL
        w.execute(
            "INSERT INTO audit_log (clinic_id, at, actor_kind, actor_id, action, patient_id, conversation_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![r.clinic_id, at, r.actor.kind(), r.actor.id(), r.action, r.patient_id, r.conversation_id],
        )
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: i64,
    actor_kind: String,
    actor_email: Option<String>,
    actor_patient_no: Option<i64>,
    action: String,
    demographic_no: Option<i64>,
    conversation_id: Option<i64>,
}

/// A page of the clinic's log, newest first, optionally for one patient.
pub async fn query(
    pool: &AnyPool,
    clinic_id: i64,
    patient_id: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> Result<AuditPage> {
    // language=SQL
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.id, a.at, a.actor_kind,
                s.email AS actor_email, ap.demographic_no AS actor_patient_no,
                a.action, p.demographic_no, a.conversation_id
         FROM audit_log a
         LEFT JOIN staff s ON a.actor_kind = 'staff' AND s.id = a.actor_id
         LEFT JOIN patients ap ON a.actor_kind = 'patient' AND ap.id = a.actor_id
         LEFT JOIN patients p ON p.id = a.patient_id
         WHERE a.clinic_id = $1 AND ($2 = 0 OR a.patient_id = $2) AND a.id < $3
         ORDER BY a.id DESC
         LIMIT $4",
    )
    .bind(clinic_id)
    .bind(patient_id.unwrap_or(0))
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<AuditEntry> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            actor: match r.actor_kind.as_str() {
                "staff" => r.actor_email.unwrap_or_default(),
                "patient" => r.actor_patient_no.map(|n| format!("patient {n}")).unwrap_or_default(),
                _ => "system".into(),
            },
            actor_kind: r.actor_kind,
            action: r.action,
            patient_demographic_no: r.demographic_no.map(|n| n as u32),
            conversation_id: r.conversation_id,
        })
        .collect();
    let next_before = if more { items.last().map(|e| e.id) } else { None };
    Ok(AuditPage { items, next_before })
}
