//! Reading conversations: the Triage, My Conversations and per-patient lists,
//! the unread count, one conversation with its messages, members and files.

use cortico_protocol::api::{
    AttachmentInfo, AuthorKind, ConversationDetail, ConversationPage, ConversationState, ConversationSummary, Member,
    MessageView, PatientSummary, ReadStatus, Role,
};
use sqlx::AnyPool;

use super::{Result, StoreError};

/// Who is looking: staff see unread markers and read receipts; the patient sees neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// A staff member.
    Staff {
        /// Staff id.
        id: i64,
        /// Clinic.
        clinic_id: i64,
    },
    /// The patient of the conversation.
    Patient {
        /// Patient id.
        id: i64,
        /// Clinic.
        clinic_id: i64,
    },
}

impl Viewer {
    fn clinic_id(self) -> i64 {
        match self {
            Viewer::Staff { clinic_id, .. } | Viewer::Patient { clinic_id, .. } => clinic_id,
        }
    }

    /// Staff id for the read-state join; 0 matches nobody.
    fn staff_id(self) -> i64 {
        match self {
            Viewer::Staff { id, .. } => id,
            Viewer::Patient { .. } => 0,
        }
    }
}

/// Where a list page starts: after (time, id) of the previous page's last row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    at: i64,
    id: i64,
}

impl Cursor {
    /// The first page.
    pub const START: Cursor = Cursor { at: i64::MAX, id: i64::MAX };

    /// Parses `"<time>.<id>"`.
    pub fn parse(s: &str) -> Option<Cursor> {
        let (at, id) = s.split_once('.')?;
        Some(Cursor { at: at.parse().ok()?, id: id.parse().ok()? })
    }

    fn encode(at: i64, id: i64) -> String {
        format!("{at}.{id}")
    }
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    state: String,
    replies_allowed: i64,
    last_message_at: i64,
    last_message_id: i64,
    preview: String,
    last_author: String,
    patient_id: i64,
    demographic_no: i64,
    first_name: String,
    last_name: String,
    last_read: i64,
    marked: i64,
}

crate::row_struct!(SummaryRow {
    id,
    state,
    replies_allowed,
    last_message_at,
    last_message_id,
    preview,
    last_author,
    patient_id,
    demographic_no,
    first_name,
    last_name,
    last_read,
    marked
});

/// Columns of [`SummaryRow`]; the query must join `patients p` and
/// left-join `read_state rs` for the viewing staff member.
const SUMMARY: &str =
    "c.id, c.state, c.replies_allowed, c.last_message_at, c.last_message_id, c.preview, c.last_author,
     p.id AS patient_id, p.demographic_no, p.first_name, p.last_name,
     COALESCE(rs.last_read_message_id, 0) AS last_read, COALESCE(rs.marked_unread, 0) AS marked";

impl SummaryRow {
    fn into_summary(self, staff_view: bool) -> ConversationSummary {
        ConversationSummary {
            id: self.id,
            patient: PatientSummary {
                demographic_no: self.demographic_no as u32,
                first_name: self.first_name,
                last_name: self.last_name,
            },
            state: if self.state == "open" { ConversationState::Open } else { ConversationState::Closed },
            replies_allowed: self.replies_allowed != 0,
            last_message_at: self.last_message_at,
            preview: self.preview,
            last_author: author_kind(&self.last_author),
            unread: staff_view && (self.marked != 0 || self.last_read < self.last_message_id),
        }
    }
}

fn author_kind(s: &str) -> AuthorKind {
    if s == "patient" {
        AuthorKind::Patient
    } else {
        AuthorKind::Staff
    }
}

/// A page of a list, with the patient of each row (for the audit log).
pub struct Listed {
    /// What the client gets.
    pub page: ConversationPage,
    /// The patient id of each row, in order.
    pub patient_ids: Vec<i64>,
}

fn page(rows: Vec<SummaryRow>, limit: i64, staff_view: bool) -> Listed {
    let more = rows.len() as i64 > limit;
    let rows: Vec<SummaryRow> = rows.into_iter().take(limit as usize).collect();
    let patient_ids = rows.iter().map(|r| r.patient_id).collect();
    let items: Vec<ConversationSummary> = rows.into_iter().map(|r| r.into_summary(staff_view)).collect();
    let next_cursor = if more { items.last().map(|c| Cursor::encode(c.last_message_at, c.id)) } else { None };
    Listed { page: ConversationPage { items, next_cursor }, patient_ids }
}

/// Triage: the clinic's open conversations whose latest message is the
/// patient's, plus those this staff member marked unread.
pub async fn triage(pool: &AnyPool, clinic_id: i64, staff_id: i64, cursor: Cursor, limit: i64) -> Result<Listed> {
    // Two index ranges (waiting for a reply; marked unread), merged.
    // language=SQL
    let sql = format!(
        "SELECT {SUMMARY}
         FROM conversations c
         JOIN patients p ON p.id = c.patient_id
         LEFT JOIN read_state rs ON rs.conversation_id = c.id AND rs.staff_id = $2
         WHERE c.id IN (
             SELECT id FROM (
                 SELECT id FROM conversations
                 WHERE clinic_id = $1 AND needs_reply = 1 AND (last_message_at, id) < ($3, $4)
                 ORDER BY last_message_at DESC, id DESC LIMIT $5
             ) AS waiting
             UNION
             SELECT id FROM (
                 SELECT c2.id FROM read_state r JOIN conversations c2 ON c2.id = r.conversation_id
                 WHERE r.staff_id = $2 AND r.marked_unread = 1 AND c2.clinic_id = $1
                   AND (c2.last_message_at, c2.id) < ($3, $4)
                 ORDER BY c2.last_message_at DESC, c2.id DESC LIMIT $5
             ) AS flagged
         )
         ORDER BY c.last_message_at DESC, c.id DESC
         LIMIT $5"
    );
    let rows = sqlx::query_as(&sql)
        .bind(clinic_id)
        .bind(staff_id)
        .bind(cursor.at)
        .bind(cursor.id)
        .bind(limit + 1)
        .fetch_all(pool)
        .await?;
    Ok(page(rows, limit, true))
}

/// My Conversations: every conversation the staff member belongs to, open or closed.
pub async fn mine(pool: &AnyPool, staff_id: i64, cursor: Cursor, limit: i64) -> Result<Listed> {
    // language=SQL
    let sql = format!(
        "SELECT {SUMMARY}
         FROM conversation_members m
         JOIN conversations c ON c.id = m.conversation_id
         JOIN patients p ON p.id = c.patient_id
         LEFT JOIN read_state rs ON rs.conversation_id = c.id AND rs.staff_id = $1
         WHERE m.staff_id = $1 AND (m.last_message_at, m.conversation_id) < ($2, $3)
         ORDER BY m.last_message_at DESC, m.conversation_id DESC
         LIMIT $4"
    );
    let rows =
        sqlx::query_as(&sql).bind(staff_id).bind(cursor.at).bind(cursor.id).bind(limit + 1).fetch_all(pool).await?;
    Ok(page(rows, limit, true))
}

/// All Conversations of one patient.
pub async fn by_patient(pool: &AnyPool, viewer: Viewer, patient_id: i64, cursor: Cursor, limit: i64) -> Result<Listed> {
    // language=SQL
    let sql = format!(
        "SELECT {SUMMARY}
         FROM conversations c
         JOIN patients p ON p.id = c.patient_id
         LEFT JOIN read_state rs ON rs.conversation_id = c.id AND rs.staff_id = $2
         WHERE c.patient_id = $1 AND c.clinic_id = $3 AND (c.last_message_at, c.id) < ($4, $5)
         ORDER BY c.last_message_at DESC, c.id DESC
         LIMIT $6"
    );
    let rows = sqlx::query_as(&sql)
        .bind(patient_id)
        .bind(viewer.staff_id())
        .bind(viewer.clinic_id())
        .bind(cursor.at)
        .bind(cursor.id)
        .bind(limit + 1)
        .fetch_all(pool)
        .await?;
    Ok(page(rows, limit, matches!(viewer, Viewer::Staff { .. })))
}

/// The badge: Triage conversations holding messages the staff member has
/// not read (a conversation they marked unread counts as unread).
pub async fn unread_count(pool: &AnyPool, clinic_id: i64, staff_id: i64) -> Result<i64> {
    // Kept up to date by every change (see store/unread.rs): one index range.
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff_unread u JOIN staff s ON s.id = u.staff_id WHERE u.staff_id = $1 AND s.clinic_id = $2",
    )
    .bind(staff_id)
    .bind(clinic_id)
    .fetch_one(pool)
    .await?;
    Ok(count)
}

/// Per patient (by demographic number), the staff member's unread Triage
/// conversations: the envelopes next to the day's appointments.
pub async fn unread_by_patient(
    pool: &AnyPool,
    clinic_id: i64,
    staff_id: i64,
    demographic_nos: &[i64],
) -> Result<std::collections::HashMap<i64, i64>> {
    // The user's unread set is small (it is their badge): read it whole.
    // language=SQL
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.demographic_no, COUNT(*) FROM staff_unread u
         JOIN conversations c ON c.id = u.conversation_id
         JOIN patients p ON p.id = c.patient_id
         WHERE u.staff_id = $1 AND c.clinic_id = $2
         GROUP BY p.demographic_no",
    )
    .bind(staff_id)
    .bind(clinic_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter(|(d, _)| demographic_nos.contains(d)).collect())
}

/// One conversation's list row, for this viewer; `NotFound` outside their reach.
pub async fn summary(pool: &AnyPool, viewer: Viewer, conversation_id: i64) -> Result<ConversationSummary> {
    // language=SQL
    let sql = format!(
        "SELECT {SUMMARY}
         FROM conversations c
         JOIN patients p ON p.id = c.patient_id
         LEFT JOIN read_state rs ON rs.conversation_id = c.id AND rs.staff_id = $2
         WHERE c.id = $1 AND c.clinic_id = $3 AND ($4 = 0 OR c.patient_id = $4)"
    );
    let patient_id = match viewer {
        Viewer::Patient { id, .. } => id,
        Viewer::Staff { .. } => 0,
    };
    let row: Option<SummaryRow> = sqlx::query_as(&sql)
        .bind(conversation_id)
        .bind(viewer.staff_id())
        .bind(viewer.clinic_id())
        .bind(patient_id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| r.into_summary(matches!(viewer, Viewer::Staff { .. })))
        .ok_or(StoreError::NotFound("No such conversation."))
}

/// The patient id of a conversation in the clinic (for audit records).
pub async fn patient_of(pool: &AnyPool, clinic_id: i64, conversation_id: i64) -> Result<i64> {
    sqlx::query_scalar("SELECT patient_id FROM conversations WHERE id = $1 AND clinic_id = $2")
        .bind(conversation_id)
        .bind(clinic_id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("No such conversation."))
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    author_staff_id: Option<i64>,
    staff_name: Option<String>,
    body: String,
    created_at: i64,
    patient_read_at: Option<i64>,
}

crate::row_struct!(MessageRow { id, author_staff_id, staff_name, body, created_at, patient_read_at });

/// Columns of [`MessageRow`] from `messages m` left-joined to `staff s`.
const MESSAGE: &str = "m.id, m.author_staff_id, s.name AS staff_name, m.body, m.created_at, m.patient_read_at";

impl MessageRow {
    fn into_view(self, summary: &ConversationSummary, staff_view: bool, attachments: &[AttachmentInfo]) -> MessageView {
        let patient_name = format!("{} {}", summary.patient.first_name, summary.patient.last_name);
        MessageView {
            id: self.id,
            author_kind: if self.author_staff_id.is_some() { AuthorKind::Staff } else { AuthorKind::Patient },
            author_name: self.staff_name.unwrap_or(patient_name),
            author_staff_id: self.author_staff_id,
            body: self.body,
            created_at: self.created_at,
            attachments: attachments.iter().filter(|a| a.message_id == Some(self.id)).cloned().collect(),
            // Read receipts are for staff eyes only.
            read_status: (staff_view && self.author_staff_id.is_some()).then(|| match self.patient_read_at {
                Some(at) => ReadStatus::Read { at, by: summary.patient.first_name.clone() },
                None => ReadStatus::Sent,
            }),
        }
    }
}

/// The conversation row and the message a send just stored, read inside the
/// send's own transaction (no second trip through the database readers).
pub async fn sent_view(
    w: &mut crate::db::WriteCtx,
    viewer: Viewer,
    conversation_id: i64,
    message_id: i64,
) -> Result<(ConversationSummary, MessageView)> {
    use crate::args;
    let summary: SummaryRow = w
        .one(
            &format!(
                "SELECT {SUMMARY} FROM conversations c JOIN patients p ON p.id = c.patient_id
                 LEFT JOIN read_state rs ON rs.conversation_id = c.id AND rs.staff_id = $2
                 WHERE c.id = $1"
            ),
            args![conversation_id, viewer.staff_id()],
        )
        .await?;
    let summary = summary.into_summary(matches!(viewer, Viewer::Staff { .. }));
    let message: MessageRow = w
        .one(
            &format!("SELECT {MESSAGE} FROM messages m LEFT JOIN staff s ON s.id = m.author_staff_id WHERE m.id = $1"),
            args![message_id],
        )
        .await?;
    let files: Vec<AttachmentRow> = w
        .all(
            &format!("SELECT {ATTACHMENT} FROM attachments a WHERE a.message_id = $1 ORDER BY a.id"),
            args![message_id],
        )
        .await?;
    let files: Vec<AttachmentInfo> = files.into_iter().map(AttachmentRow::into_info).collect();
    let view = message.into_view(&summary, matches!(viewer, Viewer::Staff { .. }), &files);
    Ok((summary, view))
}

/// An attachment as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    pub(crate) id: i64,
    pub(crate) message_id: Option<i64>,
    pub(crate) uploader: String,
    pub(crate) file_name: String,
    pub(crate) media_type: String,
    pub(crate) size: i64,
    pub(crate) sha256: String,
    pub(crate) created_at: i64,
}

crate::row_struct!(AttachmentRow { id, message_id, uploader, file_name, media_type, size, sha256, created_at });

/// Columns of [`AttachmentRow`] from `attachments a`.
pub(crate) const ATTACHMENT: &str =
    "a.id, a.message_id, a.uploader, a.file_name, a.media_type, a.size, a.sha256, a.created_at";

impl AttachmentRow {
    pub(crate) fn into_info(self) -> AttachmentInfo {
        AttachmentInfo {
            id: self.id,
            file_name: self.file_name,
            media_type: self.media_type,
            size: self.size,
            sha256: self.sha256,
            created_at: self.created_at,
            uploaded_by: if self.uploader.starts_with("p:") { AuthorKind::Patient } else { AuthorKind::Staff },
            message_id: self.message_id,
        }
    }
}

/// Most messages returned at once.
pub const MESSAGES_PER_PAGE: i64 = 200;

/// A conversation with its latest messages (or those before `before`).
pub async fn detail(
    pool: &AnyPool,
    viewer: Viewer,
    conversation_id: i64,
    before: Option<i64>,
) -> Result<ConversationDetail> {
    detail_page(pool, viewer, conversation_id, before, MESSAGES_PER_PAGE).await
}

/// [`detail`] with at most `per_page` messages (one, to answer a send).
pub async fn detail_page(
    pool: &AnyPool,
    viewer: Viewer,
    conversation_id: i64,
    before: Option<i64>,
    per_page: i64,
) -> Result<ConversationDetail> {
    let summary = summary(pool, viewer, conversation_id).await?;
    let created_at: i64 = sqlx::query_scalar("SELECT created_at FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(pool)
        .await?;
    // language=SQL
    let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT {MESSAGE} FROM messages m LEFT JOIN staff s ON s.id = m.author_staff_id
             WHERE m.conversation_id = $1 AND m.id < $2
             ORDER BY m.id DESC LIMIT $3"
    ))
    .bind(conversation_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(per_page + 1)
    .fetch_all(pool)
    .await?;
    let older_cursor = (rows.len() as i64 > per_page).then(|| {
        rows.truncate(per_page as usize);
        rows.last().map_or(0, |m| m.id)
    });
    rows.reverse();

    let (first, last) = (rows.first().map_or(0, |m| m.id), rows.last().map_or(0, |m| m.id));
    // language=SQL
    let attachments: Vec<AttachmentRow> = sqlx::query_as(&format!(
        "SELECT {ATTACHMENT} FROM attachments a JOIN messages m ON m.id = a.message_id
         WHERE m.conversation_id = $1 AND m.id BETWEEN $2 AND $3 ORDER BY a.id"
    ))
    .bind(conversation_id)
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await?;

    let attachments: Vec<AttachmentInfo> = attachments.into_iter().map(AttachmentRow::into_info).collect();
    let staff_view = matches!(viewer, Viewer::Staff { .. });
    let messages = rows.into_iter().map(|m| m.into_view(&summary, staff_view, &attachments)).collect();
    Ok(ConversationDetail { summary, created_at, messages, older_cursor })
}

/// Group info: the staff members of the conversation, then the patient.
pub async fn members(pool: &AnyPool, viewer: Viewer, conversation_id: i64) -> Result<Vec<Member>> {
    let summary = summary(pool, viewer, conversation_id).await?;
    // language=SQL
    let staff: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT s.id, s.name, s.role FROM conversation_members m JOIN staff s ON s.id = m.staff_id
         WHERE m.conversation_id = $1 ORDER BY m.added_at, s.id",
    )
    .bind(conversation_id)
    .fetch_all(pool)
    .await?;
    let mut members: Vec<Member> = staff
        .into_iter()
        .map(|(id, name, role)| Member { kind: AuthorKind::Staff, name, role: Role::parse(&role), staff_id: Some(id) })
        .collect();
    members.push(Member {
        kind: AuthorKind::Patient,
        name: format!("{} {}", summary.patient.first_name, summary.patient.last_name),
        role: None,
        staff_id: None,
    });
    Ok(members)
}

/// Every file sent in the conversation, oldest first.
pub async fn files(pool: &AnyPool, viewer: Viewer, conversation_id: i64) -> Result<Vec<AttachmentInfo>> {
    summary(pool, viewer, conversation_id).await?;
    let rows: Vec<AttachmentRow> = sqlx::query_as(&format!(
        "SELECT {ATTACHMENT} FROM attachments a JOIN messages m ON m.id = a.message_id
         WHERE m.conversation_id = $1 ORDER BY a.id"
    ))
    .bind(conversation_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AttachmentRow::into_info).collect())
}

/// Conversations of the clinic changed after `seq` (stream resumption);
/// `None` when there are more than `limit` (the client reloads everything).
pub async fn changed_since(pool: &AnyPool, clinic_id: i64, seq: i64, limit: i64) -> Result<Option<Vec<i64>>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE clinic_id = $1 AND change_seq > $2 ORDER BY change_seq LIMIT $3",
    )
    .bind(clinic_id)
    .bind(seq)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    Ok((ids.len() as i64 <= limit).then_some(ids))
}

/// The latest change sequence number.
pub async fn current_seq(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT value FROM counters WHERE name = 'change_seq'").fetch_one(pool).await?)
}

/// The patient's conversations holding clinic messages they have not opened.
pub async fn unseen_by_patient(pool: &AnyPool, patient_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.patient_id = $1 AND m.author_staff_id IS NOT NULL AND m.patient_read_at IS NULL",
    )
    .bind(patient_id)
    .fetch_all(pool)
    .await?)
}
