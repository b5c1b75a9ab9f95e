-- Each clinic's connection to its Oscar's REST API (OAuth 1.0a).
-- Secrets (client secret, token secrets, the access token) are sealed with a
-- key derived from the service's secret key; see src/crypto.rs `seal`.
CREATE TABLE oscar_connections (
    clinic_id INTEGER PRIMARY KEY REFERENCES clinics (id),
    -- Oscar's address with its context path, e.g. https://emr.clinic.ca/oscar
    base_url TEXT NOT NULL,
    client_key TEXT NOT NULL,
    client_secret BLOB NOT NULL,
    signature_method TEXT NOT NULL CHECK (signature_method IN ('HMAC-SHA1', 'PLAINTEXT')),
    state TEXT NOT NULL CHECK (state IN ('authorizing', 'connected', 'broken')),
    -- The temporary token while an admin authorises (looked up by the callback).
    request_token TEXT UNIQUE,
    request_secret BLOB,
    access_token BLOB,
    access_secret BLOB,
    provider_no TEXT,
    provider_name TEXT,
    -- What the admin should do, when the connection is broken.
    problem TEXT,
    started_by INTEGER REFERENCES staff (id),
    updated_at INTEGER NOT NULL
);

-- A conversation's transcript saved to the patient's chart in Oscar.
CREATE TABLE chart_notes (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    -- The last message the saved transcript includes.
    through_message_id INTEGER NOT NULL,
    oscar_note_id TEXT,
    saved_by INTEGER NOT NULL REFERENCES staff (id),
    saved_at INTEGER NOT NULL
);
CREATE INDEX chart_notes_by_conversation ON chart_notes (conversation_id, id DESC);
