//! Attachment bytes in Postgres, as rows of at most [`CHUNK`] bytes in
//! `file_chunks` (under a `file_blobs` row that says the bytes are whole).
//! A download reads and sends one chunk at a time, each on a reader
//! connection only for the length of its query, so neither this service nor
//! Postgres ever holds a whole 25 MB file, and a slow client ties up no
//! connection.

use std::path::Path;

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use crate::args;
use crate::db::Db;
use crate::files::UploadError;

/// Bytes per row: big enough that a 25 MB file is 50 queries, small enough
/// that a download holds little memory.
pub const CHUNK: usize = 512 * 1024;

/// The chunks of one file, fetched as they are sent.
pub type ChunkStream = futures::stream::BoxStream<'static, std::io::Result<Bytes>>;

/// The bytes of `sha256` as a stream; `NotFound` before anything is sent
/// when they are not stored.
pub async fn read(db: &Db, sha256: &str) -> std::io::Result<ChunkStream> {
    let pool = db.read().clone();
    let sha256 = sha256.to_owned();
    let first = fetch(&pool, &sha256, 0).await?.ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
    let rest = futures::stream::try_unfold((pool, sha256, 1i64), |(pool, sha256, seq)| async move {
        Ok(fetch(&pool, &sha256, seq).await?.map(|bytes| (bytes, (pool, sha256, seq + 1))))
    });
    use futures::StreamExt;
    Ok(futures::stream::once(async { Ok(first) }).chain(rest).boxed())
}

async fn fetch(pool: &sqlx::AnyPool, sha256: &str, seq: i64) -> std::io::Result<Option<Bytes>> {
    let bytes: Option<Vec<u8>> = sqlx::query_scalar("SELECT bytes FROM file_chunks WHERE sha256 = $1 AND seq = $2")
        .bind(sha256)
        .bind(seq)
        .fetch_optional(pool)
        .await
        .map_err(std::io::Error::other)?;
    Ok(bytes.map(Bytes::from))
}

/// Commits the accepted bytes in `tmp` to the database, chunk by chunk in
/// one transaction, so they are there whole or not at all. Identical bytes
/// are kept once; storing them again refreshes their time, as on disk.
pub async fn save(db: &Db, tmp: &Path, sha256: &str) -> Result<(), UploadError> {
    let mut file = tokio::fs::File::open(tmp).await?;
    let sha256 = sha256.to_owned();
    let now = now_ms();
    db.write(move |w| {
        Box::pin(async move {
            let stored: i64 = w.scalar("SELECT COUNT(*) FROM file_blobs WHERE sha256 = $1", args![&sha256]).await?;
            if stored > 0 {
                w.execute("UPDATE file_blobs SET stored_at = $2 WHERE sha256 = $1", args![&sha256, now]).await?;
                return Ok(());
            }
            w.execute("INSERT INTO file_blobs (sha256, stored_at) VALUES ($1, $2)", args![&sha256, now]).await?;
            let mut seq = 0i64;
            loop {
                let chunk = read_chunk(&mut file).await.map_err(|e| crate::db::StoreError::Rejected(e.to_string()))?;
                if chunk.is_empty() && seq > 0 {
                    return Ok(());
                }
                w.execute(
                    "INSERT INTO file_chunks (sha256, seq, bytes) VALUES ($1, $2, $3)",
                    args![&sha256, seq, chunk],
                )
                .await?;
                seq += 1;
            }
        })
    })
    .await
    .map_err(|e| UploadError::Io(std::io::Error::other(e.to_string())))
}

/// Up to [`CHUNK`] bytes; fewer only at the end of the file.
async fn read_chunk(file: &mut tokio::fs::File) -> std::io::Result<Vec<u8>> {
    let mut chunk = vec![0u8; CHUNK];
    let mut filled = 0;
    while filled < CHUNK {
        let n = file.read(&mut chunk[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    chunk.truncate(filled);
    Ok(chunk)
}

/// Deletes the bytes of `sha256` when nothing refers to them and they were
/// not stored again since `cutoff_ms` (chunks go with their blob row).
pub async fn remove_unused(db: &Db, sha256: &str, cutoff_ms: i64) -> crate::db::Result<()> {
    let sha256 = sha256.to_owned();
    db.write(move |w| {
        Box::pin(async move {
            w.execute(
                "DELETE FROM file_blobs WHERE sha256 = $1 AND stored_at < $2
                 AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = $1)",
                args![sha256, cutoff_ms],
            )
            .await
            .map(|_| ())
        })
    })
    .await
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
