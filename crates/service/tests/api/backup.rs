//! `cortico-service backup`: a consistent copy of a running service's data.

use cortico_protocol::api::Role;

use crate::common::TestApp;

#[tokio::test]
async fn a_backup_taken_while_writing_holds_every_committed_message_and_its_files() {
    let app = TestApp::new().await;
    if app.on_postgres() {
        // A Postgres deployment is backed up with pg_dump; the command-line
        // test checks that `backup` says so.
        return;
    }
    let clinic = app.clinic("backup-clinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let file = app.upload_pdf(&moa, "results.pdf", "synthetic results").await;
    let (status, _) = app
        .post(
            "/api/conversations",
            &moa,
            serde_json::json!({
                "patient": {"demographic_no": 1001, "name": {"last": "BERGSTROM", "first": "ELIN"}},
                "message": {"body": "Results attached.", "attachment_ids": [file], "allow_replies": true,
                            "idempotency_key": "k-backup"}
            }),
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::CREATED);
    // Keep writing while the copy is taken.
    let writer = {
        let (state, moa) = (app.state.clone(), moa.clone());
        tokio::spawn(async move {
            for i in 0..50 {
                let out = cortico_service::store::conversations::Outgoing {
                    body: format!("note {i}"),
                    attachment_ids: vec![],
                    allow_replies: true,
                    idempotency_key: format!("k-{i}"),
                };
                let _ = cortico_service::store::conversations::send(&state.db, moa.actor(), 1, out, state.clock.now())
                    .await;
            }
        })
    };
    let to = app.dir.path().join("backup");
    let (data_dir, db) = (app.dir.path().to_path_buf(), app.dir.path().join("cortico.db"));
    let copied = tokio::task::spawn_blocking(move || cortico_service::backup::backup(&data_dir, &db, &to))
        .await
        .unwrap()
        .unwrap();
    writer.await.unwrap();
    assert_eq!(copied.files, 1, "the attachment was copied");
    assert!(copied.database_bytes > 0);

    let copy = rusqlite::Connection::open(app.dir.path().join("backup/cortico.db")).unwrap();
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let first: String = copy.query_row("SELECT body FROM messages ORDER BY id LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(first, "Results attached.");
    let hash: String = copy.query_row("SELECT sha256 FROM attachments", [], |r| r.get(0)).unwrap();
    let copied_file = app.dir.path().join("backup/files").join(&hash[..2]).join(&hash[2..]);
    assert_eq!(std::fs::read(copied_file).unwrap(), std::fs::read(app.state.files.path(&hash)).unwrap());
    assert!(app.dir.path().join("backup/secret.key").exists());

    // A second backup into the same place is refused rather than mixed.
    let (data_dir, db, to) =
        (app.dir.path().to_path_buf(), app.dir.path().join("cortico.db"), app.dir.path().join("backup"));
    let again =
        tokio::task::spawn_blocking(move || cortico_service::backup::backup(&data_dir, &db, &to)).await.unwrap();
    assert!(again.is_err());
}
