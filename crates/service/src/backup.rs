//! A consistent copy of a service's data while it runs: the database through
//! SQLite's `VACUUM INTO` (one read snapshot, so a copy taken mid-write is
//! still whole), then the attachment files and the secret key. Attachments
//! are content-addressed and never change, so copying them after the
//! snapshot keeps every file the copied database refers to.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// What a backup copied.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    /// Size of the copied database, bytes.
    pub database_bytes: u64,
    /// Attachment files copied.
    pub files: u64,
}

/// Copies the database at `db_path` and the data directory's `files/` and
/// `secret.key` into `to` (a new or empty directory).
pub fn backup(data_dir: &Path, db_path: &Path, to: &Path) -> Result<Copied> {
    let target_db = to.join("cortico.db");
    if target_db.exists() {
        bail!("{} already holds a backup; choose a new directory", to.display());
    }
    // A backup holds everything the service does: it is as private.
    crate::private::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    crate::private::restrict(to, true)?;
    // VACUUM INTO accepts an empty file, and keeps its mode.
    crate::private::file_options().create(true).truncate(true).open(&target_db)?;
    let conn = rusqlite::Connection::open_with_flags(db_path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", db_path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let target = target_db.to_str().context("the backup path must be UTF-8")?;
    conn.execute("VACUUM INTO ?1", [target]).context("copying the database")?;
    let mut copied = Copied { database_bytes: std::fs::metadata(&target_db)?.len(), files: 0 };
    let files = data_dir.join("files");
    if files.is_dir() {
        copied.files = copy_tree(&files, &to.join("files"))?;
    }
    let key = data_dir.join("secret.key");
    if key.exists() {
        copy_private(&key, &to.join("secret.key")).context("copying the secret key")?;
    }
    Ok(copied)
}

/// Copies a directory tree, except uploads still being written (`tmp/`).
fn copy_tree(from: &Path, to: &Path) -> Result<u64> {
    crate::private::create_dir_all(to)?;
    let mut count = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let (src, dst): (PathBuf, PathBuf) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            if name != "tmp" {
                count += copy_tree(&src, &dst)?;
            }
        } else {
            copy_private(&src, &dst).with_context(|| format!("copying {}", src.display()))?;
            count += 1;
        }
    }
    Ok(count)
}

/// Copies a file into a new file of mode 0600 (`std::fs::copy` would give
/// it the source's mode, which an older version may have left wider).
fn copy_private(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut src = std::fs::File::open(from)?;
    let mut dst = crate::private::file_options().create(true).truncate(true).open(to)?;
    std::io::copy(&mut src, &mut dst)?;
    dst.sync_all()
}
