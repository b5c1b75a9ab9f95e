-- Facts about the deployment as a whole. 'key_check' is a keyed hash made
-- with the secret key the database was set up with: an instance started
-- with another key (which could not read sealed credentials or match
-- patients' identity hashes) refuses to start instead.
CREATE TABLE deployment (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
