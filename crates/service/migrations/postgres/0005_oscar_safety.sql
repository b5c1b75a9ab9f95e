-- A Save to chart between sending the note to Oscar and hearing back. A row
-- left behind means Oscar never answered after the note was sent, so it may
-- be in the chart: a retry of the same transcript must not write it twice.
CREATE TABLE chart_note_attempts (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    through_message_id BIGINT NOT NULL,
    clinic_id BIGINT NOT NULL REFERENCES clinics (id),
    started_by BIGINT NOT NULL REFERENCES staff (id),
    started_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, through_message_id)
);

-- A new kind: 'details_changed' tells the previous email address that the
-- patient's contact or identity details changed (no link, no details).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('new_message', 'code', 'details_changed'));
