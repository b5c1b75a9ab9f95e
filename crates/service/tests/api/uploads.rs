//! What an uploaded file may be called and hold: the name agrees with the
//! bytes, hides nothing, and no macro document, markup or script gets in,
//! for staff and patients alike. See: issue 13, point 8.

use std::io::Write;

use axum::http::{header, StatusCode};
use cortico_protocol::api::Role;
use serde_json::Value;

use crate::common::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const PDF: &[u8] = b"%PDF-1.4\nsynthetic referral letter\n%%EOF\n";

async fn setup() -> (TestApp, User) {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    (app, moa)
}

/// Rows and bytes an upload could have left.
async fn stored(app: &TestApp) -> (i64, usize) {
    let blobs = if app.on_postgres() { app.count("SELECT COUNT(*) FROM file_blobs").await as usize } else { 0 };
    let on_disk = files_on_disk(app);
    (app.count("SELECT COUNT(*) FROM attachments").await, blobs + on_disk)
}

#[tokio::test]
async fn a_name_whose_extension_disagrees_with_the_bytes_takes_the_sniffed_types_extension() {
    let (app, moa) = setup().await;
    let cases: [(&str, &[u8], &str, &str); 4] = [
        ("report.pdf", PNG, "report.png", "image/png"),
        ("photo.jpg", PDF, "photo.pdf", "application/pdf"),
        ("scan", PDF, "scan.pdf", "application/pdf"),
        ("photo.JPG.png", PNG, "photo.JPG.png", "image/png"),
    ];
    for (name, bytes, expected, media_type) in cases {
        let (status, info) = app.upload(&moa, name, bytes.to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {info}");
        assert_eq!(info["file_name"], expected, "{name}");
        assert_eq!(info["media_type"], media_type, "{name}");
        // The download is named the same way.
        let (status, headers, _) = app.download(&moa, info["id"].as_i64().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(disposition.contains(&format!("filename=\"{expected}\"")), "{disposition}");
    }
}

#[tokio::test]
async fn bidirectional_controls_are_removed_so_an_exe_cannot_pass_for_a_pdf() {
    let (app, moa) = setup().await;
    // Shown as "invoiceexe.pdf" where U+202E is honoured: it is a program's name.
    let (status, answer) = app.upload(&moa, "invoice\u{202E}fdp.exe", PDF.to_vec()).await;
    assert_error(status, &answer, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let (status, info) = app.upload(&moa, "lab\u{2067}\u{200F} results\u{200E}\u{2069}.pdf", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{info}");
    assert_eq!(info["file_name"], "lab results.pdf");
}

/// A Word 97 document whose directory holds a VBA project.
fn word_97_with_macros() -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    file.create_stream("/WordDocument").unwrap().write_all(&[0xec, 0xa5, 0xc1, 0x00]).unwrap();
    file.create_storage("/Macros").unwrap();
    file.create_storage("/Macros/VBA").unwrap();
    file.create_stream("/Macros/VBA/_VBA_PROJECT").unwrap().write_all(&[0xcc, 0x61]).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

#[tokio::test]
async fn macro_documents_rtf_markup_and_scripts_are_415_whatever_their_bytes_and_store_nothing() {
    let (app, moa) = setup().await;
    let docx = b"PK\x03\x04\x14\0\0\0\0\0[Content_Types].xmlPK\x03\x04\x14\0\0\0\0\0word/document.xml".to_vec();
    let mut docm = docx.clone();
    docm.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0word/vbaProject.bin\0\0");
    let mut late_script = "Blood pressure, morning: 120/80\n".repeat(20_000).into_bytes();
    late_script.extend_from_slice(b"<ScRiPt src=//evil.example/x.js></script>\n");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("letter.docm", docx.clone()),
        ("budget.xlsm", docx.clone()),
        ("deck.pptm", docx),
        ("letter.docx", docm),
        ("letter.doc", word_97_with_macros()),
        ("memo.rtf", PDF.to_vec()),
        ("memo.doc", b"{\\rtf1\\ansi synthetic memo}".to_vec()),
        ("page.html", PDF.to_vec()),
        ("logo.svg", PNG.to_vec()),
        ("notes.txt", late_script),
        ("notes.txt", b"see you soon\n<!doctype html><p>x".to_vec()),
        ("install.sh", b"echo synthetic\n".to_vec()),
        ("notes.txt", b"#!/bin/sh\necho synthetic\n".to_vec()),
        ("run.ps1", b"Write-Host synthetic\n".to_vec()),
        ("open.js", b"console.log(1)\n".to_vec()),
        ("go.bat", b"echo synthetic\r\n".to_vec()),
        ("scan.pdf.exe", PDF.to_vec()),
    ];
    for (name, bytes) in cases {
        let (status, answer) = app.upload(&moa, name, bytes).await;
        assert_error(status, &answer, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
        assert_ne!(answer["message"], "", "{name}");
    }
    assert_eq!(stored(&app).await, (0, 0));
}

#[tokio::test]
async fn a_patients_upload_follows_the_same_rules() {
    let (app, moa) = setup().await;
    let conversation = app.start(&moa, 4242, "Please send your photo.", true).await;
    let patient = app.patient(conversation).await;
    let upload = |name: &'static str, bytes: &'static [u8]| {
        let stream = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(bytes))]);
        cortico_service::http::attachments::store_upload(
            &app.state.db,
            &app.state.files,
            patient,
            name,
            stream,
            app.now(),
        )
    };
    let info = upload("rash.pdf", PNG).await.expect("a PNG is accepted");
    assert_eq!(info.file_name, "rash.png");
    for (name, bytes) in [("invoice\u{202E}fdp.exe", PDF), ("a.svg", PNG), ("letter.docm", PDF)] {
        let refused = upload(name, bytes).await;
        assert!(
            matches!(refused, Err(cortico_service::http::error::ApiError::UnsupportedMediaType(_))),
            "{name}: {refused:?}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM attachments").await, 1);
}

#[tokio::test]
async fn plain_text_with_angle_brackets_is_still_text() {
    let (app, moa) = setup().await;
    let (status, info): (StatusCode, Value) =
        app.upload(&moa, "bp.txt", b"systolic < 140 and diastolic > 60 <- target\n".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{info}");
    assert_eq!(info["media_type"], "text/plain");
}
