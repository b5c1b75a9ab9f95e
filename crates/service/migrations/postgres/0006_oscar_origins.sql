-- Web origins (scheme://host[:port]) where the clinic's staff use Oscar,
-- besides the address of the Oscar connection: a second Oscar host, a hosted
-- address. The browser plug-in is active only on these and the connection's.
CREATE TABLE clinic_origins (
    clinic_id BIGINT NOT NULL REFERENCES clinics (id),
    origin TEXT NOT NULL,
    added_by BIGINT REFERENCES staff (id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (clinic_id, origin)
);
