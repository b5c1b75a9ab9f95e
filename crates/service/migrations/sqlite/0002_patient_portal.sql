-- The patient side: notifications, secure links, the identity check and
-- patient sessions.

-- Times shown to patients are in the clinic's zone (see src/timezone.rs).
ALTER TABLE clinics ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'America/Toronto';

-- Six failed identity checks in a row lock the patient out until staff
-- unlock them (the count resets on success).
ALTER TABLE patients ADD COLUMN failed_checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE patients ADD COLUMN locked_at INTEGER;

-- The durable outbox of notifications: written in the same transaction as
-- the message, sent by a background worker with retries, so a relay that is
-- down neither loses a notification nor slows staff down.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    conversation_id INTEGER REFERENCES conversations (id),
    -- 'new_message' (a link to the conversation) or 'code' (a one-time
    -- code). Links and codes are made when the notification is sent, so
    -- neither is ever stored in clear.
    kind TEXT NOT NULL CHECK (kind IN ('new_message', 'code')),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A worker that took it holds it until then (several instances may run).
    claimed_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
-- A new-message notification already waiting covers the next message of the same conversation.
CREATE INDEX notifications_waiting_by_conversation ON notifications (conversation_id)
    WHERE status = 'pending' AND kind = 'new_message';

-- Links in notification emails. The token is random; only its hash is kept.
CREATE TABLE patient_links (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    conversation_id INTEGER REFERENCES conversations (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- One-time codes of the identity check (Argon2id hashes), single use.
CREATE TABLE patient_codes (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX patient_codes_by_patient ON patient_codes (patient_id, id DESC);

-- Patient portal sessions behind an HttpOnly cookie; the token is kept hashed.
CREATE TABLE patient_sessions (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    -- 30 days with "keep me signed in", 12 hours otherwise.
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
