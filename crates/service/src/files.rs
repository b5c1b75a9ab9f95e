//! Attachment bytes, content-addressed by SHA-256: on disk under the data
//! directory (SQLite deployments), or in the database's `file_blobs` table
//! (Postgres, so every instance serves every file). An upload streams to a
//! temporary file, is hashed, sized and sniffed on the way, and is moved
//! into place only once it is accepted and flushed to disk (or committed);
//! a refused or failed upload leaves nothing behind.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::args;
use crate::db::Db;
use crate::sniff::Sniffer;

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Over the size cap.
    #[error("The file is larger than {0} MB.")]
    TooLarge(usize),
    /// Empty or not an allowed type.
    #[error("Only PDF files, images (JPEG, PNG, GIF, WebP, HEIC, TIFF, BMP), plain text and office documents can be attached.")]
    NotAllowed,
    /// The upload was cut off.
    #[error("The upload was interrupted.")]
    Interrupted,
    /// The disk failed.
    #[error("The file could not be stored: {0}")]
    Io(#[from] std::io::Error),
}

/// A stored file's facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// Hex SHA-256.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Sniffed media type.
    pub media_type: &'static str,
}

/// The file store of one service instance.
#[derive(Clone)]
pub struct FileStore {
    root: PathBuf,
    /// Where the bytes live when not on disk.
    shared: Option<Db>,
}

/// The bytes of a stored file, ready to send.
pub enum FileBytes {
    /// A file on disk, streamed.
    File(tokio::fs::File),
    /// Bytes read from the database.
    Memory(Vec<u8>),
}

impl FileStore {
    /// Uses `<data_dir>/files` (created if missing) for uploads in progress,
    /// and for the bytes themselves unless `shared` is given.
    pub fn open(data_dir: &Path, shared: Option<Db>) -> std::io::Result<FileStore> {
        let root = data_dir.join("files");
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(FileStore { root, shared })
    }

    /// The bytes of `sha256`.
    pub async fn read(&self, sha256: &str) -> std::io::Result<FileBytes> {
        let Some(db) = &self.shared else {
            return Ok(FileBytes::File(tokio::fs::File::open(self.path(sha256)).await?));
        };
        let bytes: Option<Vec<u8>> = sqlx::query_scalar("SELECT bytes FROM file_blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(db.read())
            .await
            .map_err(std::io::Error::other)?;
        bytes.map(FileBytes::Memory).ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }

    /// Where the bytes of `sha256` live.
    pub fn path(&self, sha256: &str) -> PathBuf {
        let (a, rest) = sha256.split_at(2.min(sha256.len()));
        self.root.join(a).join(rest)
    }

    /// Streams an upload to disk; see the module doc.
    pub async fn save<S, E>(&self, mut body: S, file_name: &str, max_bytes: usize) -> Result<StoredFile, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        let tmp = self.root.join("tmp").join(format!("{:016x}", rand::random::<u64>()));
        let result = self.write_tmp(&mut body, &tmp, file_name, max_bytes).await;
        let stored = match result {
            Ok(stored) => stored,
            Err(err) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(err);
            }
        };
        if let Some(db) = &self.shared {
            let stored_in_db = self.save_shared(db, &tmp, &stored.sha256).await;
            let _ = tokio::fs::remove_file(&tmp).await;
            stored_in_db?;
            return Ok(stored);
        }
        // Identical bytes may already be there: replacing them keeps one copy
        // and refreshes its time, which garbage collection looks at.
        let dest = self.path(&stored.sha256);
        let dir = dest.parent().expect("content paths have a parent").to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(&tmp, &dest).await?;
        // The rename must survive a crash too.
        sync_dir(dir).await?;
        Ok(stored)
    }

    /// Commits accepted bytes to the database (identical bytes are kept
    /// once; storing them again refreshes their time, as on disk).
    async fn save_shared(&self, db: &Db, tmp: &Path, sha256: &str) -> Result<(), UploadError> {
        let bytes = tokio::fs::read(tmp).await?;
        let sha256 = sha256.to_owned();
        let now = now_ms();
        db.write(move |w| {
            Box::pin(async move {
                w.execute(
                    "INSERT INTO file_blobs (sha256, bytes, stored_at) VALUES ($1, $2, $3)
                     ON CONFLICT (sha256) DO UPDATE SET stored_at = excluded.stored_at",
                    args![sha256, bytes, now],
                )
                .await
                .map(|_| ())
            })
        })
        .await
        .map_err(|e| UploadError::Io(std::io::Error::other(e.to_string())))
    }

    async fn write_tmp<S, E>(
        &self,
        body: &mut S,
        tmp: &Path,
        file_name: &str,
        max_bytes: usize,
    ) -> Result<StoredFile, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        let mut file = tokio::fs::File::create(tmp).await?;
        let mut hasher = Sha256::new();
        let mut sniffer = Sniffer::new();
        let mut size = 0usize;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| UploadError::Interrupted)?;
            size += chunk.len();
            if size > max_bytes {
                return Err(UploadError::TooLarge(max_bytes / (1024 * 1024)));
            }
            hasher.update(&chunk);
            sniffer.feed(&chunk);
            file.write_all(&chunk).await?;
        }
        let media_type = sniffer.finish(file_name).ok_or(UploadError::NotAllowed)?;
        file.sync_all().await?;
        Ok(StoredFile { sha256: hex::encode(hasher.finalize()), size: size as i64, media_type })
    }

    /// Deletes the bytes of `sha256` when nothing refers to them any more and
    /// they were not stored again since `cutoff_ms` (a new upload of the same
    /// bytes refreshes the file's time).
    pub async fn remove_unused(&self, sha256: &str, cutoff_ms: i64) {
        if let Some(db) = &self.shared {
            let sha256 = sha256.to_owned();
            let removed = db
                .write(move |w| {
                    Box::pin(async move {
                        w.execute(
                            "DELETE FROM file_blobs WHERE sha256 = $1 AND stored_at < $2
                             AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = $1)",
                            args![sha256, cutoff_ms],
                        )
                        .await
                    })
                })
                .await;
            if let Err(err) = removed {
                tracing::warn!(error = %err, "could not remove unused file bytes");
            }
            return;
        }
        let path = self.path(sha256);
        let fresh = tokio::fs::metadata(&path)
            .await
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .is_some_and(|d| d.as_millis() as i64 >= cutoff_ms);
        if !fresh {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

async fn sync_dir(dir: PathBuf) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || std::fs::File::open(&dir)?.sync_all()).await.map_err(std::io::Error::other)?
}

/// A file name safe to store and to put in a download header: no path,
/// no control characters, at most 200 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(parts: Vec<&'static [u8]>) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures::stream::iter(parts.into_iter().map(|p| Ok(Bytes::from_static(p))))
    }

    #[tokio::test]
    async fn an_accepted_file_lands_under_its_hash_and_a_copy_is_shared() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path(), None).unwrap();
        let a = store.save(stream(vec![b"%PDF-1.4\n", b"rest"]), "a.pdf", 1024).await.unwrap();
        assert_eq!(a.media_type, "application/pdf");
        assert_eq!(a.size, 13);
        assert_eq!(std::fs::read(store.path(&a.sha256)).unwrap(), b"%PDF-1.4\nrest");
        let b = store.save(stream(vec![b"%PDF-1.4\nrest"]), "b.pdf", 1024).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read_dir(dir.path().join("files/tmp")).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn refused_uploads_leave_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path(), None).unwrap();
        let too_big = store.save(stream(vec![b"%PDF-", &[b'x'; 2000]]), "a.pdf", 1000).await;
        assert!(matches!(too_big, Err(UploadError::TooLarge(_))));
        let exe = store.save(stream(vec![b"MZ\x90\0"]), "a.pdf", 1000).await;
        assert!(matches!(exe, Err(UploadError::NotAllowed)));
        let count = walk(&dir.path().join("files"));
        assert_eq!(count, 0, "no files left behind");
    }

    fn walk(p: &Path) -> usize {
        std::fs::read_dir(p)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum()
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("C:\\Users\\me\\lab results.pdf"), "lab results.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_file_name(".."), "file");
    }
}
