//! Uploads and downloads.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cortico_protocol::api::Role;

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
    let res = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}
