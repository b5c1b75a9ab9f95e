//! Attachment bytes, content-addressed by SHA-256: on disk under the data
//! directory (SQLite deployments), or in the database's `file_chunks` table
//! (Postgres, so every instance serves every file; see [`chunks`]). An
//! upload streams to a temporary file, is hashed, sized and sniffed on the
//! way, and is moved into place only once it is accepted and flushed to
//! disk (or committed); a refused or failed upload leaves nothing behind.
//! Files and directories are the service user's only (0600, 0700).

pub mod chunks;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::db::Db;
use crate::sniff::{Refusal, Sniffer};

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Over the size cap.
    #[error("The file is larger than {0} MB.")]
    TooLarge(usize),
    /// Empty, not an allowed type, or dangerous whatever its type.
    #[error("{}", refusal_message(*.0))]
    Refused(Refusal),
    /// The upload was cut off.
    #[error("The upload was interrupted.")]
    Interrupted,
    /// The disk failed.
    #[error("The file could not be stored: {0}")]
    Io(#[from] std::io::Error),
}

/// What an uploader is told about a refused file.
fn refusal_message(why: Refusal) -> &'static str {
    match why {
        Refusal::NotAllowed => {
            "Only PDF files, images (JPEG, PNG, GIF, WebP, HEIC, TIFF, BMP), plain text and office documents can be attached."
        }
        Refusal::Macros => "Office documents with macros cannot be attached. Save it without macros (e.g. as .docx or .xlsx) or as a PDF.",
        Refusal::Markup => "Web pages, SVG, XML and RTF files (or text containing HTML tags) cannot be attached. Save it as a PDF or plain text.",
        Refusal::Program => "Programs and scripts cannot be attached.",
    }
}

impl From<Refusal> for UploadError {
    fn from(why: Refusal) -> Self {
        UploadError::Refused(why)
    }
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
    /// Chunks read from the database one at a time.
    Chunks(chunks::ChunkStream),
}

impl FileStore {
    /// Uses `<data_dir>/files` (created if missing) for uploads in progress,
    /// and for the bytes themselves unless `shared` is given.
    pub fn open(data_dir: &Path, shared: Option<Db>) -> std::io::Result<FileStore> {
        let root = data_dir.join("files");
        crate::private::create_dir_all(&root.join("tmp"))?;
        crate::private::restrict(&root, true)?;
        crate::private::restrict(&root.join("tmp"), true)?;
        Ok(FileStore { root, shared })
    }

    /// The bytes of `sha256`.
    pub async fn read(&self, sha256: &str) -> std::io::Result<FileBytes> {
        let Some(db) = &self.shared else {
            return Ok(FileBytes::File(tokio::fs::File::open(self.path(sha256)).await?));
        };
        Ok(FileBytes::Chunks(chunks::read(db, sha256).await?))
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
            let stored_in_db = chunks::save(db, &tmp, &stored.sha256).await;
            let _ = tokio::fs::remove_file(&tmp).await;
            stored_in_db?;
            return Ok(stored);
        }
        // Identical bytes may already be there: replacing them keeps one copy
        // and refreshes its time, which garbage collection looks at.
        let dest = self.path(&stored.sha256);
        let dir = dest.parent().expect("content paths have a parent").to_path_buf();
        let make_dir = dir.clone();
        tokio::task::spawn_blocking(move || crate::private::create_dir_all(&make_dir))
            .await
            .map_err(std::io::Error::other)??;
        tokio::fs::rename(&tmp, &dest).await?;
        // The rename must survive a crash too.
        sync_dir(dir).await?;
        Ok(stored)
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
        let mut file = crate::private::tokio_file_options().open(tmp).await?;
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
        let media_type = sniffer.finish(file_name)?;
        file.sync_all().await?;
        if crate::sniff::is_ole(media_type) {
            // Macros hide in the container's directory: read it from disk.
            let path = tmp.to_path_buf();
            tokio::task::spawn_blocking(move || crate::sniff::ole_has_macros(&path))
                .await
                .map_err(std::io::Error::other)??;
        }
        Ok(StoredFile { sha256: hex::encode(hasher.finalize()), size: size as i64, media_type })
    }

    /// Deletes the bytes of `sha256` when nothing refers to them any more and
    /// they were not stored again since `cutoff_ms` (a new upload of the same
    /// bytes refreshes the file's time).
    pub async fn remove_unused(&self, sha256: &str, cutoff_ms: i64) {
        if let Some(db) = &self.shared {
            if let Err(err) = chunks::remove_unused(db, sha256, cutoff_ms).await {
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

async fn sync_dir(dir: PathBuf) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || std::fs::File::open(&dir)?.sync_all()).await.map_err(std::io::Error::other)?
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
        assert!(matches!(exe, Err(UploadError::Refused(Refusal::Program))));
        let doc = crate::sniff::office_tests::word_97(true);
        let doc: &'static [u8] = Box::leak(doc.into_boxed_slice());
        let macros = store.save(stream(vec![doc]), "letter.doc", 100_000).await;
        assert!(matches!(macros, Err(UploadError::Refused(Refusal::Macros))), "{macros:?}");
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
}
