-- Attachment bytes in chunks of 512 KiB instead of one bytea per file, so
-- a download is read and sent a chunk at a time: a 25 MB file no longer
-- sits whole in the service's memory (nor in Postgres's, which builds a
-- value in full before sending it). A file_blobs row still says the bytes
-- are stored whole; its chunks are written in the same transaction.
CREATE TABLE file_chunks (
    sha256 TEXT NOT NULL REFERENCES file_blobs (sha256) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);

-- Attachments are PDFs and images, compressed already: storing them out of
-- line without another try at compression saves CPU on every write.
ALTER TABLE file_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- Existing files, cut the same way (chunk n holds bytes n*524288 onwards).
INSERT INTO file_chunks (sha256, seq, bytes)
SELECT b.sha256, s.seq, substring(b.bytes FROM s.seq * 524288 + 1 FOR 524288)
FROM file_blobs b,
     generate_series(0, GREATEST((length(b.bytes) - 1) / 524288, 0)) AS s(seq);

ALTER TABLE file_blobs DROP COLUMN bytes;
