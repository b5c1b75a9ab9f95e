-- Issue 13, point 7: a one-time code belongs to the browser that passed the
-- identity check for one link, only the newest code is valid, and failures
-- count per link as well as per patient.

-- Failed checks through this link; with the patient's own count, either
-- reaching six locks the patient out, so a success through another link
-- does not give an attacker holding this one a fresh set of tries.
ALTER TABLE patient_links ADD COLUMN failed_checks INTEGER NOT NULL DEFAULT 0;

-- The link the code was asked for, and the hash of the cookie set in the
-- browser that asked. A code is made when the identity check passes (its
-- hash is empty until the notification worker sends it).
ALTER TABLE patient_codes ADD COLUMN link_id INTEGER REFERENCES patient_links (id);
ALTER TABLE patient_codes ADD COLUMN browser_hash BLOB;

-- The code a 'code' notification sends.
ALTER TABLE notifications ADD COLUMN code_id INTEGER REFERENCES patient_codes (id);

-- Codes asked for before this change belong to no browser and could never
-- be used: do not send them.
UPDATE notifications SET status = 'failed', last_error = 'superseded: codes are now bound to a browser'
WHERE kind = 'code' AND status = 'pending';
