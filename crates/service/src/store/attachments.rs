//! Attachment records: an upload waits (pending) until a message carries it.

use crate::args;
use cortico_protocol::api::AttachmentInfo;
use sqlx::AnyPool;

use super::audit::{self, Record};
use super::lists::{AttachmentRow, ATTACHMENT};
use super::{Actor, Db, Result, StoreError};
use crate::files::{FileStore, StoredFile};

/// Records an upload of `actor`, not yet sent.
pub async fn insert_pending(
    db: &Db,
    actor: Actor,
    file_name: String,
    stored: StoredFile,
    now: i64,
) -> Result<AttachmentInfo> {
    db.write(move |w| {
        Box::pin(async move {
            // language=SQL
            let row: AttachmentRow = w
                .one(
                    &format!(
                        "INSERT INTO attachments (clinic_id, uploader, file_name, media_type, size, sha256, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 RETURNING {}",
                        ATTACHMENT.replace("a.", "")
                    ),
                    args![
                        actor.clinic_id(),
                        actor.key(),
                        &file_name,
                        stored.media_type,
                        stored.size,
                        &stored.sha256,
                        now
                    ],
                )
                .await?;
            audit::append(w, now, &[Record::new(actor, "attachment.upload", None, None)]).await?;
            Ok(row.into_info())
        })
    })
    .await
}

/// An attachment the viewer may download: staff see their clinic's sent
/// files and their own pending uploads; a patient sees the files of their
/// own conversations and their own uploads. Returns it with its patient.
pub async fn for_download(pool: &AnyPool, actor: Actor, id: i64) -> Result<(AttachmentInfo, Option<i64>, Option<i64>)> {
    #[derive(sqlx::FromRow)]
    struct Found {
        #[sqlx(flatten)]
        row: AttachmentRow,
        patient_id: Option<i64>,
        conversation_id: Option<i64>,
    }
    // language=SQL
    let found: Option<Found> = sqlx::query_as(&format!(
        "SELECT {ATTACHMENT}, c.patient_id, c.id AS conversation_id
         FROM attachments a
         LEFT JOIN messages m ON m.id = a.message_id
         LEFT JOIN conversations c ON c.id = m.conversation_id
         WHERE a.id = $1 AND a.clinic_id = $2"
    ))
    .bind(id)
    .bind(actor.clinic_id())
    .fetch_optional(pool)
    .await?;
    let found = found.ok_or(StoreError::NotFound("No such file."))?;
    let own_upload = found.row.uploader == actor.key();
    let allowed = match actor {
        Actor::Staff { .. } => found.row.message_id.is_some() || own_upload,
        Actor::Patient { id, .. } => found.patient_id == Some(id) || own_upload,
    };
    if !allowed {
        return Err(StoreError::NotFound("No such file."));
    }
    Ok((found.row.into_info(), found.patient_id, found.conversation_id))
}

/// Deletes stored bytes that no record refers to (an upload whose record
/// could not be written).
pub async fn discard_unreferenced(db: &Db, files: &FileStore, sha256: &str) -> Result<()> {
    let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE sha256 = $1")
        .bind(sha256)
        .fetch_one(db.read())
        .await?;
    if used == 0 {
        files.remove_unused(sha256, i64::MAX).await;
    }
    Ok(())
}

/// Deletes uploads of `actor` that were never sent (a refused message),
/// with their bytes when nothing else shares them.
pub async fn discard_pending(db: &Db, files: &FileStore, actor: Actor, ids: Vec<i64>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let hashes: Vec<String> = db
        .write(move |w| {
            Box::pin(async move {
                let mut hashes = Vec::new();
                for id in ids {
                    let sha: Option<String> = w.scalar_optional("DELETE FROM attachments WHERE id = $1 AND clinic_id = $2 AND uploader = $3 AND message_id IS NULL RETURNING sha256", args![id, actor.clinic_id(), actor.key()])
                    .await?;
                    hashes.extend(sha);
                }
                Ok(hashes)
            })
        })
        .await?;
    for sha in hashes {
        discard_unreferenced(db, files, &sha).await?;
    }
    Ok(())
}

/// Records a download in the audit log (after the checks passed).
pub fn audit_download(db: &Db, actor: Actor, patient_id: Option<i64>, conversation_id: Option<i64>, now: i64) {
    db.write_later(move |w| {
        Box::pin(async move {
            audit::append(w, now, &[Record::new(actor, "attachment.download", patient_id, conversation_id)]).await
        })
    });
}

/// Uploads never sent within `max_age_ms` are deleted, with their bytes
/// when no other record shares them. Returns how many were removed.
pub async fn collect_garbage(db: &Db, files: &FileStore, now: i64, max_age_ms: i64) -> Result<usize> {
    let cutoff = now - max_age_ms;
    let hashes: Vec<String> = db
        .write(move |w| {
            Box::pin(async move {
                let rows = w
                    .all::<(String,)>(
                        "DELETE FROM attachments WHERE message_id IS NULL AND created_at < $1 RETURNING sha256",
                        args![cutoff],
                    )
                    .await?;
                Ok(rows.into_iter().map(|(sha,)| sha).collect())
            })
        })
        .await?;
    for sha in &hashes {
        let still_used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE sha256 = $1")
            .bind(sha)
            .fetch_one(db.read())
            .await?;
        if still_used == 0 {
            files.remove_unused(sha, cutoff).await;
        }
    }
    Ok(hashes.len())
}
