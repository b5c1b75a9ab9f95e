//! Uploads and downloads.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bytes::Bytes;
use cortico_protocol::api::Role;
use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn an_uploaded_pdf_is_typed_by_its_bytes_and_downloads_as_an_attachment() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let req = Request::post("/api/attachments?name=results.png")
        .header(header::AUTHORIZATION, format!("Bearer {}", doctor.token))
        .header(header::CONTENT_TYPE, "image/png")
        .body(Body::from("%PDF-1.4 synthetic lab report"))
        .unwrap();
    let (status, info) = app.send(req).await;
    assert_eq!(status, StatusCode::CREATED, "{info}");
    assert_eq!(info["media_type"], "application/pdf");
    let id = info["id"].as_i64().unwrap();
    let req = Request::get(format!("/api/attachments/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", doctor.token))
        .body(Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(app.router.clone(), req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

/// Files under the attachment store (bytes and temporary files), and on
/// Postgres the stored bytes in the database.
async fn stored_files(app: &TestApp) -> usize {
    let in_db = if app.on_postgres() { app.count("SELECT COUNT(*) FROM file_blobs").await as usize } else { 0 };
    in_db + files_on_disk(app)
}

fn with_files(body: &str, attachment_ids: &[i64], key: &str) -> Value {
    json!({"body": body, "attachment_ids": attachment_ids, "idempotency_key": key, "allow_replies": true})
}

#[tokio::test]
async fn an_upload_over_25_mb_is_413_and_leaves_no_file_or_record() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let mut chunk = b"%PDF-1.4\n".to_vec();
    chunk.resize(64 * 1024, b'0');
    let chunk = Bytes::from(chunk);
    let chunks = 25 * 16; // 25 MiB
    let parts = std::iter::repeat_n(chunk, chunks)
        .chain(std::iter::once(Bytes::from_static(b"0")))
        .map(Ok::<_, std::io::Error>);
    let body = Body::from_stream(futures::stream::iter(parts));
    let (status, answer) = app.upload(&doctor, "scan.pdf", body).await;
    assert_error(status, &answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(app.count("SELECT COUNT(*) FROM attachments").await, 0);
    assert_eq!(stored_files(&app).await, 0);
}

#[tokio::test]
async fn executables_and_markup_are_415_whatever_their_name() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let cases: [(&str, &[u8]); 4] = [
        ("results.pdf", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"),
        ("letter.docx", b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"),
        ("notes.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("photo.png", b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"),
    ];
    for (name, bytes) in cases {
        let (status, answer) = app.upload(&doctor, name, bytes.to_vec()).await;
        assert_error(status, &answer, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM attachments").await, 0);
    assert_eq!(stored_files(&app).await, 0);
}

#[tokio::test]
async fn an_empty_upload_is_415() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let (status, answer) = app.upload(&doctor, "empty.pdf", Vec::<u8>::new()).await;
    assert_error(status, &answer, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    assert_eq!(app.count("SELECT COUNT(*) FROM attachments").await, 0);
}

#[tokio::test]
async fn sending_a_colleagues_upload_is_400_and_no_message_is_created() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    let theirs = app.upload_pdf(&doctor, "dr-notes.pdf", "private draft").await;
    let before = app.snapshot().await;
    let (status, answer) = app
        .post(&format!("/api/conversations/{id}/messages"), &moa, with_files("See attached", &[theirs], &unique_key()))
        .await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(app.snapshot().await, before, "no message, the file still pending");
}

#[tokio::test]
async fn sending_an_already_sent_attachment_is_400_and_no_message_is_created() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let first = app.start(&doctor, 1001, "Hello", true).await;
    let second = app.start(&doctor, 1002, "Hello", true).await;
    let file = app.upload_pdf(&doctor, "lab.pdf", "lab results").await;
    let (status, _) = app
        .post(&format!("/api/conversations/{first}/messages"), &doctor, with_files("Your labs", &[file], &unique_key()))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let before = app.snapshot().await;
    for target in [first, second] {
        let (status, answer) = app
            .post(
                &format!("/api/conversations/{target}/messages"),
                &doctor,
                with_files("Again", &[file], &unique_key()),
            )
            .await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_send_with_an_invalid_attachment_leaves_nothing_half_written() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    app.patient_reply(id, "Can you send the form?").await.unwrap();
    let good = app.upload_pdf(&doctor, "form.pdf", "intake form").await;
    let before = app.snapshot().await;
    let path = format!("/api/conversations/{id}/messages");
    // The good file first, then one that does not exist.
    let (status, answer) = app.post(&path, &doctor, with_files("Here it is", &[good, 424_242], "send-form")).await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    // No message, no key, the good file still pending, the conversation
    // still waiting in Triage with the patient's preview.
    assert_eq!(app.snapshot().await, before);

    // The retry with the same key is a fresh send, not a replay.
    let (status, sent) = app.post(&path, &doctor, with_files("Here it is", &[good], "send-form")).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["replayed"], false);
    assert_eq!(sent["message"]["attachments"][0]["id"], good);
}

#[tokio::test]
async fn a_colleagues_pending_upload_cannot_be_downloaded_until_it_is_sent() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    let file = app.upload_pdf(&doctor, "draft-letter.pdf", "Draft: not final").await;
    let (status, _, bytes) = app.download(&doctor, file).await;
    assert_eq!(status, StatusCode::OK, "the uploader sees their own upload");
    assert!(bytes.starts_with(b"%PDF"));

    let (status, _, bytes) = app.download(&moa, file).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("Draft: not final") && !text.contains("draft-letter"), "{text}");

    app.post(&format!("/api/conversations/{id}/messages"), &doctor, with_files("Your letter", &[file], &unique_key()))
        .await;
    assert_eq!(app.download(&moa, file).await.0, StatusCode::OK);
}

#[tokio::test]
async fn files_lists_every_attachment_sent_and_each_downloads_intact() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    let lab = app.upload_pdf(&doctor, "lab.pdf", "lab results").await;
    let (status, note) = app.upload(&moa, "directions.txt", "Take the elevator to floor 3.\n").await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let note = note["id"].as_i64().unwrap();
    let unsent = app.upload_pdf(&doctor, "unsent.pdf", "not sent").await;
    let path = format!("/api/conversations/{id}/messages");
    app.post(&path, &doctor, with_files("Your labs", &[lab], &unique_key())).await;
    app.post(&path, &moa, with_files("", &[note], &unique_key())).await;

    let (status, files) = app.get(&format!("/api/conversations/{id}/files"), &moa).await;
    assert_eq!(status, StatusCode::OK, "{files}");
    let listed: Vec<(i64, String, String)> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_i64().unwrap(),
                f["file_name"].as_str().unwrap().to_owned(),
                f["media_type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [(lab, "lab.pdf".into(), "application/pdf".into()), (note, "directions.txt".into(), "text/plain".into())],
        "not the unsent {unsent}"
    );
    let (status, headers, bytes) = app.download(&moa, lab).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(&bytes[..], b"%PDF-1.4\nlab results\n%%EOF\n");
    let (status, headers, bytes) = app.download(&doctor, note).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("directions.txt"));
    assert_eq!(&bytes[..], b"Take the elevator to floor 3.\n");
}

#[tokio::test]
async fn a_message_of_only_a_file_is_sent_and_previewed_by_the_file_name() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    let file = app.upload_pdf(&doctor, "requisition.pdf", "req").await;
    let (status, sent) =
        app.post(&format!("/api/conversations/{id}/messages"), &doctor, with_files("", &[file], &unique_key())).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["conversation"]["preview"], "📎 requisition.pdf");
    assert_eq!(sent["message"]["attachments"][0]["file_name"], "requisition.pdf");
}

#[tokio::test]
async fn an_upload_without_a_file_name_is_400() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let req = request(axum::http::Method::POST, "/api/attachments", Some(&doctor.token))
        .body(Body::from("%PDF-1.4 lab"))
        .unwrap();
    let (status, answer) = app.send(req).await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(app.count("SELECT COUNT(*) FROM attachments").await, 0);
}
