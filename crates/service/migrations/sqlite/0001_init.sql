-- The messaging service's schema (SQLite). Times are Unix epoch milliseconds.
-- Booleans are INTEGER 0/1 (the Postgres schema uses BIGINT the same way), so
-- one set of queries serves both backends.

CREATE TABLE clinics (
    id INTEGER PRIMARY KEY,
    -- The "clinic name" staff type at sign-in, as in medicalclinic.cortico.ca.
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- Setting: may patients start conversations from the portal?
    patient_initiated INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    -- Stored lower-case; sign-in compares lower-case.
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('doctor', 'moa', 'admin')),
    provider_no TEXT,
    -- Argon2id PHC string.
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    -- Set when ten sign-ins failed within fifteen minutes (see rate_events).
    locked_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (clinic_id, email)
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash BLOB NOT NULL UNIQUE,
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_by_staff ON sessions (staff_id);

CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    demographic_no INTEGER NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    -- Keyed hashes (HMAC-SHA256) of the normalised health card number and
    -- the date of birth, for the patient identity check; never the values.
    hin_hash BLOB,
    dob_hash BLOB,
    oscar_synced_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (clinic_id, demographic_no)
);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    replies_allowed INTEGER NOT NULL,
    -- NULL when the patient started it.
    created_by INTEGER REFERENCES staff (id),
    created_at INTEGER NOT NULL,
    -- Denormalised from the latest message so lists read one row each.
    last_message_id INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER NOT NULL,
    last_author TEXT NOT NULL CHECK (last_author IN ('staff', 'patient')),
    preview TEXT NOT NULL,
    -- Open and the latest message is the patient's: it is in Triage.
    needs_reply INTEGER NOT NULL DEFAULT 0,
    -- The change sequence number of the last change, for stream resumption.
    change_seq INTEGER NOT NULL
);
-- Triage: the clinic's conversations waiting for a reply, newest first.
CREATE INDEX conversations_triage ON conversations (clinic_id, last_message_at DESC, id DESC) WHERE needs_reply = 1;
CREATE INDEX conversations_by_patient ON conversations (patient_id, last_message_at DESC, id DESC);
-- Stream resumption reads the recent end of the change sequence. (Not led by
-- clinic_id on purpose: it would compete with the triage index in the planner.)
CREATE INDEX conversations_changes ON conversations (change_seq);

CREATE TABLE conversation_members (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    -- Copy of the conversation's, so "My Conversations" is one index range.
    last_message_at INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, staff_id)
);
CREATE INDEX members_by_staff ON conversation_members (staff_id, last_message_at DESC, conversation_id DESC);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    -- NULL when the patient wrote it.
    author_staff_id INTEGER REFERENCES staff (id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- When the patient first opened it (staff messages).
    patient_read_at INTEGER
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

-- A retried send with the same key returns the first result instead of sending twice.
CREATE TABLE idempotency_keys (
    clinic_id INTEGER NOT NULL,
    -- 's:<staff id>' or 'p:<patient id>'.
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, actor, key)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    -- NULL until the message carrying it is sent.
    message_id INTEGER REFERENCES messages (id),
    uploader TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    -- Hex SHA-256; the bytes live under files/ at that name.
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_by_message ON attachments (message_id);
CREATE INDEX attachments_pending ON attachments (created_at) WHERE message_id IS NULL;
CREATE INDEX attachments_by_hash ON attachments (sha256);

CREATE TABLE read_state (
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    last_read_message_id INTEGER NOT NULL DEFAULT 0,
    marked_unread INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (staff_id, conversation_id)
);
CREATE INDEX read_state_marked ON read_state (staff_id, conversation_id) WHERE marked_unread = 1;
CREATE INDEX read_state_by_conversation ON read_state (conversation_id);

-- For each staff member, the conversations that count on their badge: in
-- Triage with a message they have not read, or marked unread by them. Kept
-- up to date by every change that could alter it (src/store/unread.rs), so
-- the badge is a count over one small index range, whatever the clinic's size.
CREATE TABLE staff_unread (
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    PRIMARY KEY (staff_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX staff_unread_by_conversation ON staff_unread (conversation_id);

-- Every read or change of patient data, by anyone. Append-only.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('staff', 'patient', 'system')),
    actor_id INTEGER,
    action TEXT NOT NULL,
    patient_id INTEGER,
    conversation_id INTEGER
);
CREATE INDEX audit_by_clinic ON audit_log (clinic_id, id DESC);
CREATE INDEX audit_by_patient ON audit_log (clinic_id, patient_id, id DESC);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Recent attempts per key (address, account, uploader), for sliding-window
-- rate limits and lockouts shared by every instance. Old rows are pruned as
-- keys are checked.
CREATE TABLE rate_events (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX rate_events_by_key ON rate_events (key, at);

-- The change sequence behind the live stream's event ids.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);
