//! `/healthz` for monitoring and `/openapi.json` for integrators.

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn healthz_is_200_without_signing_in() {
    let app = TestApp::new().await;
    let (status, body) = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn openapi_json_is_a_json_openapi_document() {
    let app = TestApp::new().await;
    let res = app.response(request(Method::GET, "/openapi.json", None).body(Body::empty()).unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    let doc: Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"].is_object());
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::new().await;
    let (_, doc) = app.call(Method::GET, "/openapi.json", None, None).await;
    let documented = doc["paths"].as_object().expect("paths");
    let routes = [
        ("/api/auth/sign-in", "post"),
        ("/api/auth/sign-out", "post"),
        ("/api/me", "get"),
        ("/api/conversations", "post"),
        ("/api/conversations/triage", "get"),
        ("/api/conversations/mine", "get"),
        ("/api/patients/{demographic_no}/conversations", "get"),
        ("/api/conversations/{id}", "get"),
        ("/api/conversations/{id}/messages", "post"),
        ("/api/conversations/{id}/read", "post"),
        ("/api/conversations/{id}/unread", "post"),
        ("/api/conversations/{id}/close", "post"),
        ("/api/conversations/{id}/reopen", "post"),
        ("/api/conversations/{id}/members", "get"),
        ("/api/conversations/{id}/files", "get"),
        ("/api/unread", "get"),
        ("/api/attachments", "post"),
        ("/api/attachments/{id}", "get"),
        ("/api/stream", "get"),
        ("/api/audit", "get"),
    ];
    let missing: Vec<String> = routes
        .iter()
        .filter(|(path, method)| documented.get(*path).and_then(|p| p.get(*method)).is_none())
        .map(|(path, method)| format!("{} {path}", method.to_uppercase()))
        .collect();
    assert!(missing.is_empty(), "not in /openapi.json: {missing:#?}");
}
