//! Requests and responses of the messaging service's staff API (`/api/...`).
//!
//! Times are milliseconds since the Unix epoch (UTC). Ids are the service's
//! own numbers; they mean nothing outside one clinic's account.

use serde::{Deserialize, Serialize};

use crate::oscar::OscarPatientRef;

/// Every error response: `{"code": "not_found", "message": "No such conversation."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable, machine-readable code (`bad_request`, `unauthorized`, `not_found`, …).
    pub code: String,
    /// A sentence a person can read.
    pub message: String,
}

/// A staff member's role in the clinic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A physician or other provider.
    Doctor,
    /// A medical office assistant.
    Moa,
    /// A clinic administrator (reads the audit log, unlocks patients).
    Admin,
}

impl Role {
    /// The role's JSON and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Doctor => "doctor",
            Role::Moa => "moa",
            Role::Admin => "admin",
        }
    }

    /// Parses `doctor`, `moa` or `admin`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "doctor" => Some(Role::Doctor),
            "moa" => Some(Role::Moa),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The panel tab a user with this role sees first: doctors their own
    /// conversations, MOAs (and admins, who triage) the Triage queue.
    pub fn default_tab(self) -> Tab {
        match self {
            Role::Doctor => Tab::Mine,
            Role::Moa | Role::Admin => Tab::Triage,
        }
    }
}

/// The conversation lists of the envelope panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    /// Open conversations waiting for the clinic, plus those the user marked unread.
    Triage,
    /// Conversations the user is a member of.
    Mine,
    /// Every conversation with one patient (e-chart only).
    Patient,
}

/// `POST /api/auth/sign-in`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRequest {
    /// The clinic's short name, as in `medicalclinic.cortico.ca`.
    pub clinic: String,
    /// The staff member's email.
    pub email: String,
    /// The password.
    pub password: String,
}

/// The clinic a staff member belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicInfo {
    /// Short name used at sign-in.
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// `GET /api/me`: who is signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Staff id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Email used to sign in.
    pub email: String,
    /// Role in the clinic.
    pub role: Role,
    /// The clinic.
    pub clinic: ClinicInfo,
    /// The tab the panel opens on.
    pub default_tab: Tab,
}

/// Answer to a successful sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInResponse {
    /// Opaque bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// When the token stops working at the latest (it also lapses after 12 h unused).
    pub expires_at: i64,
    /// The signed-in user.
    pub me: Me,
}

/// Whether a conversation is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Open.
    Open,
    /// Closed: the patient cannot reply; staff sending reopens it.
    Closed,
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// A staff member of the clinic.
    Staff,
    /// The patient.
    Patient,
}

/// A patient as lists show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSummary {
    /// Oscar demographic number.
    pub demographic_no: u32,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
}

/// One row of a conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// Conversation id.
    pub id: i64,
    /// The patient.
    pub patient: PatientSummary,
    /// Open or closed.
    pub state: ConversationState,
    /// Whether the patient may reply (when open).
    pub replies_allowed: bool,
    /// Time of the latest message.
    pub last_message_at: i64,
    /// Start of the latest message's text.
    pub preview: String,
    /// Who wrote the latest message.
    pub last_author: AuthorKind,
    /// True when it holds messages the signed-in user has not read, or the
    /// user marked it unread.
    pub unread: bool,
}

/// A page of a conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPage {
    /// Rows, most recent activity first.
    pub items: Vec<ConversationSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// Attachment id (download at `/api/attachments/{id}`).
    pub id: i64,
    /// File name as uploaded.
    pub file_name: String,
    /// Media type sniffed from the bytes.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// When it was uploaded.
    pub created_at: i64,
    /// Who uploaded it.
    pub uploaded_by: AuthorKind,
    /// The message it belongs to; absent until it is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i64>,
}

/// Delivery state of a staff message, shown to staff only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReadStatus {
    /// Sent; the patient has not opened it yet.
    Sent,
    /// The patient opened it.
    Read {
        /// When the patient first opened it.
        at: i64,
        /// The patient's first name, for "Read by Ann".
        by: String,
    },
}

/// A message in a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// Message id.
    pub id: i64,
    /// Staff or patient.
    pub author_kind: AuthorKind,
    /// Display name of the author.
    pub author_name: String,
    /// Staff id of the author, for staff messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_staff_id: Option<i64>,
    /// Plain text.
    pub body: String,
    /// When it was sent.
    pub created_at: i64,
    /// Attached files.
    pub attachments: Vec<AttachmentInfo>,
    /// For staff messages: sent or read by the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_status: Option<ReadStatus>,
}

/// A member of a conversation ("group info").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Staff or patient.
    pub kind: AuthorKind,
    /// Display name.
    pub name: String,
    /// Staff role; absent for the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Staff id; absent for the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<i64>,
}

/// `GET /api/conversations/{id}`: a conversation with its messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationDetail {
    /// The list row of this conversation, for the signed-in user.
    pub summary: ConversationSummary,
    /// When it was started.
    pub created_at: i64,
    /// Messages, oldest first (the most recent ones when there are many).
    pub messages: Vec<MessageView>,
    /// Pass as `before` to get older messages; absent when all are here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_cursor: Option<i64>,
}

/// `POST /api/conversations`: start a conversation with its first message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartConversationRequest {
    /// The patient, as read from the e-chart.
    pub patient: OscarPatientRef,
    /// The first message.
    pub message: SendMessageRequest,
}

/// `POST /api/conversations/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageRequest {
    /// Plain text, 1 to 10,000 characters (may be empty when files are attached).
    pub body: String,
    /// Uploaded attachments to attach.
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
    /// "Send & Allow Replies" (true) or "Send" (false).
    #[serde(default)]
    pub allow_replies: bool,
    /// Client-chosen key; retrying with the same key never sends twice.
    pub idempotency_key: String,
}

/// Answer to a send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageResponse {
    /// The conversation after the send.
    pub conversation: ConversationSummary,
    /// The message as stored.
    pub message: MessageView,
    /// True when this key had been used already and nothing new was stored.
    pub replayed: bool,
}

/// `POST /api/conversations/{id}/read`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkReadRequest {
    /// The newest message the user has seen.
    pub up_to_message_id: i64,
}

/// `GET /api/unread`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadCount {
    /// Triage conversations holding messages the user has not read.
    pub count: i64,
}

/// One event of the live stream (`GET /api/stream`, server-sent events,
/// `event: update`; the SSE id is `seq`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamUpdate {
    /// Change sequence number; send it back as `Last-Event-ID` to resume.
    pub seq: i64,
    /// The user's unread count now.
    pub unread: i64,
    /// Conversations that changed since the previous event.
    pub changed: Vec<i64>,
    /// True when changes may have been missed: reload every list.
    #[serde(default)]
    pub resync: bool,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Entry id (increasing).
    pub id: i64,
    /// When it happened.
    pub at: i64,
    /// `staff`, `patient` or `system`.
    pub actor_kind: String,
    /// Who: staff email, or the patient's demographic number.
    pub actor: String,
    /// What was done (`conversation.read`, `message.send`, …).
    pub action: String,
    /// Which patient's data, by demographic number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_demographic_no: Option<u32>,
    /// Which conversation, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<i64>,
}

/// `GET /api/audit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// Entries, newest first.
    pub items: Vec<AuditEntry>,
    /// Pass as `before` for older entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// `POST /api/patients/{demographic_no}/details`: contact and identity
/// details of a patient, as the clinic has them (normally from Oscar).
/// Absent fields are left as they are; the health card number and date of
/// birth are kept only as keyed hashes, for the patient's identity check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetailsRequest {
    /// Given name (required when the patient is new to the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name (required when the patient is new to the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Where notifications go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Health card number, with or without version code, spaces or dashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_card_number: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
}

/// `GET /api/patients/{demographic_no}`: what the service holds about a patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetails {
    /// Oscar demographic number.
    pub demographic_no: u32,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email for notifications, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// True when the health card number and date of birth are on file, so
    /// the patient can pass the identity check.
    pub can_verify_identity: bool,
    /// True when six failed identity checks locked the patient out.
    pub locked: bool,
    /// Failed identity checks since the last success.
    pub failed_checks: i64,
}

/// Where the clinic's connection to its Oscar stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OscarConnectionState {
    /// No connection set up.
    NotConnected,
    /// Waiting for an admin to authorise in Oscar.
    Authorizing,
    /// Connected: the service reads demographics and schedules and saves notes.
    Connected,
    /// Oscar refused the token or the authorisation failed; see `problem`.
    Broken,
}

/// `GET /api/oscar/connection` (admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OscarConnection {
    /// Where it stands.
    pub state: OscarConnectionState,
    /// Oscar's address with its context path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The REST client key (never the secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// The Oscar provider the service acts as, once connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    /// What went wrong and what to do, when broken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The URI to register for the REST client in Oscar (Administration >
    /// Integration > REST Clients): Oscar only calls back under it.
    pub callback_uri: String,
    /// When the state last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
}

/// `PUT /api/oscar/connection`: connect (or reconnect) the clinic's Oscar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OscarConnectRequest {
    /// Oscar's address with its context path, e.g. `https://emr.clinic.ca/oscar`.
    pub base_url: String,
    /// The REST client's key.
    pub client_key: String,
    /// The REST client's secret; omit to keep the saved one (same key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// `HMAC-SHA1` (default) or `PLAINTEXT` (only over https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_method: Option<String>,
}

/// The answer to [`OscarConnectRequest`]: where the admin authorises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OscarAuthorize {
    /// Oscar's authorisation page; open it, sign in to Oscar and allow.
    pub authorize_url: String,
}

/// One appointment of a day, with the patient's unread conversations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleEntry {
    /// Oscar's appointment number.
    pub appointment_no: u32,
    /// The patient (0: not a patient booking).
    pub demographic_no: u32,
    /// Start time as Oscar shows it.
    pub start_time: String,
    /// The patient's conversations holding messages this staff member has not read.
    pub unread: i64,
}

/// `GET /api/schedule?date=YYYY-MM-DD&provider=N`: a provider's day from Oscar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDay {
    /// The day.
    pub date: String,
    /// Its appointments.
    pub appointments: Vec<ScheduleEntry>,
}

/// `POST /api/conversations/{id}/chart`: the transcript saved to the chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartNoteSaved {
    /// Oscar's id for the note, when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_id: Option<String>,
    /// When it was saved.
    pub saved_at: i64,
    /// How many messages the note holds.
    pub messages: usize,
}

/// Limits clients should know about.
pub mod limits {
    /// Longest message text, in characters.
    pub const MAX_MESSAGE_CHARS: usize = 10_000;
    /// Largest attachment, in bytes (25 MB).
    pub const MAX_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;
    /// Most attachments on one message.
    pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_status_is_tagged_by_state() {
        let read = ReadStatus::Read { at: 5, by: "Ann".into() };
        assert_eq!(serde_json::to_string(&read).unwrap(), r#"{"state":"read","at":5,"by":"Ann"}"#);
        assert_eq!(serde_json::to_string(&ReadStatus::Sent).unwrap(), r#"{"state":"sent"}"#);
    }

    #[test]
    fn send_request_defaults_to_plain_send_without_files() {
        let r: SendMessageRequest = serde_json::from_str(r#"{"body":"Hi","idempotency_key":"k1"}"#).unwrap();
        assert!(!r.allow_replies);
        assert!(r.attachment_ids.is_empty());
    }

    #[test]
    fn doctors_start_on_mine_and_moas_on_triage() {
        assert_eq!(Role::Doctor.default_tab(), Tab::Mine);
        assert_eq!(Role::Moa.default_tab(), Tab::Triage);
        assert_eq!(serde_json::to_string(&Tab::Mine).unwrap(), r#""mine""#);
        assert_eq!(Role::parse("moa"), Some(Role::Moa));
    }
}
