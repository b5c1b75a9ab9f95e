//! Files and directories only the service's own user may read: the
//! database (and SQLite's `-wal`/`-shm`), attachments, backups, the secret
//! key. Modes are set when a file is created, not fixed up afterwards, so
//! nothing is ever readable by others even for a moment; paths made by an
//! older version are tightened when opened.

use std::path::Path;

/// Creates `dir` and its missing parents with mode 0700.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Options that create a file with mode 0600 (open for writing).
pub fn file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Async [`file_options`]: a new file, mode 0600, truncated if it existed.
pub fn tokio_file_options() -> tokio::fs::OpenOptions {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options
}

/// Writes `bytes` to a new or truncated file of mode 0600, durably.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = file_options().create(true).truncate(true).open(path)?;
    restrict(path, false)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Sets 0600 (a file) or 0700 (a directory) on an existing path; a missing
/// path is fine.
pub fn restrict(path: &Path, dir: bool) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if dir { 0o700 } else { 0o600 };
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    #[cfg(not(unix))]
    let _ = (path, dir);
    Ok(())
}

/// Makes sure the SQLite database at `db` and its companions are the
/// service's alone: an empty file of mode 0600 is created if none exists,
/// because SQLite gives `-wal` and `-shm` the database file's mode.
pub fn prepare_sqlite(db: &Path) -> std::io::Result<()> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            create_dir_all(dir)?;
        }
    }
    match file_options().create_new(true).open(db) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        restrict(Path::new(&path), false)?;
    }
    Ok(())
}
