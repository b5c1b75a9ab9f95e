-- A Save to chart between sending the note to Oscar and hearing back. A row
-- left behind means Oscar never answered after the note was sent, so it may
-- be in the chart: a retry of the same transcript must not write it twice.
CREATE TABLE chart_note_attempts (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    through_message_id INTEGER NOT NULL,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    started_by INTEGER NOT NULL REFERENCES staff (id),
    started_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, through_message_id)
);

-- A new kind: 'details_changed' tells the previous email address that the
-- patient's contact or identity details changed (no link, no details).
-- SQLite cannot change a CHECK in place, so the table is rebuilt as it was
-- with the wider CHECK.
CREATE TABLE notifications_new (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    conversation_id INTEGER REFERENCES conversations (id),
    kind TEXT NOT NULL CHECK (kind IN ('new_message', 'code', 'details_changed')),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
INSERT INTO notifications_new
    SELECT id, clinic_id, patient_id, conversation_id, kind, channel, recipient, status, attempts,
           next_attempt_at, claimed_until, last_error, created_at, sent_at
    FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_waiting_by_conversation ON notifications (conversation_id)
    WHERE status = 'pending' AND kind = 'new_message';
