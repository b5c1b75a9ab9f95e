//! Malformed and out-of-range requests: each answered with a JSON
//! `{code, message}` and the right status, and none of them writes anything.

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use cortico_protocol::api::Role;
use serde_json::{json, Value};

use crate::common::*;

/// A clinic with a doctor and one conversation (patient can reply).
async fn setup() -> (TestApp, User, i64) {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    app.patient_reply(id, "Hi").await.unwrap();
    (app, doctor, id)
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    user: &User,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> (StatusCode, Value) {
    let mut req = request(Method::POST, path, Some(&user.token));
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    app.send(req.body(body.into()).unwrap()).await
}

fn message(body: &str) -> Value {
    json!({"body": body, "idempotency_key": unique_key(), "allow_replies": true})
}

#[tokio::test]
async fn malformed_json_is_400_and_writes_nothing() {
    let (app, doctor, id) = setup().await;
    let before = app.snapshot().await;
    for (path, body) in [
        (format!("/api/conversations/{id}/messages"), r#"{"body": "Hi", "idempotency_key": "#),
        (format!("/api/conversations/{id}/messages"), r#"["body", "Hi"]"#),
        (format!("/api/conversations/{id}/messages"), ""),
        ("/api/conversations".to_owned(), "{patient: 1001}"),
        (format!("/api/conversations/{id}/read"), "{\"up_to_message_id\": \"last\"}"),
    ] {
        let (status, answer) = post_raw(&app, &path, &doctor, Some("application/json"), body).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn json_without_a_json_content_type_is_415_and_writes_nothing() {
    let (app, doctor, id) = setup().await;
    let before = app.snapshot().await;
    let body = message("Sent as a form").to_string();
    let path = format!("/api/conversations/{id}/messages");
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let (status, answer) = post_raw(&app, &path, &doctor, content_type, body.clone()).await;
        assert_error(status, &answer, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn unknown_fields_in_a_request_are_ignored() {
    let (app, doctor, id) = setup().await;
    let (status, sent) = app
        .post(
            &format!("/api/conversations/{id}/messages"),
            &doctor,
            json!({"body": "Hello again", "idempotency_key": unique_key(), "priority": "high", "cc": [1, 2]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["message"]["body"], "Hello again");
}

#[tokio::test]
async fn a_body_over_256_kib_is_413_and_writes_nothing() {
    let (app, doctor, id) = setup().await;
    let before = app.snapshot().await;
    let huge = message(&"x".repeat(256 * 1024)).to_string();
    let (status, answer) =
        post_raw(&app, &format!("/api/conversations/{id}/messages"), &doctor, Some("application/json"), huge).await;
    assert_error(status, &answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_message_over_10000_characters_is_400_and_10000_are_accepted() {
    let (app, doctor, id) = setup().await;
    let path = format!("/api/conversations/{id}/messages");
    let before = app.snapshot().await;
    // Characters, not bytes: 10,001 two-byte letters.
    let (status, answer) = app.post(&path, &doctor, message(&"é".repeat(10_001))).await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    let (status, answer) = app
        .post(
            "/api/conversations",
            &doctor,
            json!({"patient": {"demographic_no": 1002, "name": {"last": "Doe", "first": "John"}},
                   "message": message(&"x".repeat(10_001))}),
        )
        .await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(app.snapshot().await, before);

    let (status, sent) = app.post(&path, &doctor, message(&"é".repeat(10_000))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", sent["message"]);
}

#[tokio::test]
async fn an_empty_message_without_files_is_400_and_writes_nothing() {
    let (app, doctor, id) = setup().await;
    let before = app.snapshot().await;
    for body in ["", "   ", "\n\t "] {
        let (status, answer) = app.post(&format!("/api/conversations/{id}/messages"), &doctor, message(body)).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_bad_idempotency_key_is_400_and_writes_nothing() {
    let (app, doctor, id) = setup().await;
    let before = app.snapshot().await;
    let path = format!("/api/conversations/{id}/messages");
    for key in ["".to_owned(), "k".repeat(129), "has space".into(), "clé".into(), "tab\tkey".into()] {
        let (status, answer) = app.post(&path, &doctor, json!({"body": "Hi", "idempotency_key": key})).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    let (status, answer) = app.post(&path, &doctor, json!({"body": "No key"})).await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn an_invalid_patient_in_a_new_conversation_is_400_and_writes_nothing() {
    let (app, doctor, _) = setup().await;
    let before = app.snapshot().await;
    for patient in [
        json!({"demographic_no": 0, "name": {"last": "Doe", "first": "John"}}),
        json!({"demographic_no": 1002, "name": {"last": "  ", "first": "John"}}),
        json!({"demographic_no": -5, "name": {"last": "Doe", "first": "John"}}),
        json!({"demographic_no": 1002}),
    ] {
        let (status, answer) =
            app.post("/api/conversations", &doctor, json!({"patient": patient, "message": message("Hi")})).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn an_unknown_conversation_is_404_on_every_route_and_writes_nothing() {
    let (app, doctor, _) = setup().await;
    let before = app.snapshot().await;
    let missing = 987_654;
    let gets = ["", "/members", "/files"];
    for suffix in gets {
        let (status, answer) = app.get(&format!("/api/conversations/{missing}{suffix}"), &doctor).await;
        assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
    }
    for (suffix, body) in [
        ("/messages", message("Into the void")),
        ("/read", json!({"up_to_message_id": 1})),
        ("/unread", json!({})),
        ("/close", json!({})),
        ("/reopen", json!({})),
    ] {
        let (status, answer) = app.post(&format!("/api/conversations/{missing}{suffix}"), &doctor, body).await;
        assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, answer) = app.get(&format!("/api/attachments/{missing}"), &doctor).await;
    assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_non_numeric_id_in_the_path_is_a_json_404() {
    let (app, doctor, _) = setup().await;
    for id in ["abc", "1.5", "99999999999999999999999", "%20"] {
        for path in [
            format!("/api/conversations/{id}"),
            format!("/api/conversations/{id}/members"),
            format!("/api/attachments/{id}"),
            format!("/api/patients/{id}/conversations"),
        ] {
            let (status, answer) = app.get(&path, &doctor).await;
            assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
        }
        let (status, answer) = app.post(&format!("/api/conversations/{id}/messages"), &doctor, message("Hi")).await;
        assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn mark_read_without_a_valid_message_id_is_400() {
    let (app, doctor, id) = setup().await;
    let before = app.snapshot().await;
    for body in [json!({}), json!({"up_to_message_id": -1}), json!({"up_to_message_id": "7"})] {
        let (status, answer) = app.post(&format!("/api/conversations/{id}/read"), &doctor, body).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn an_unknown_route_or_method_is_a_json_error() {
    let (app, doctor, id) = setup().await;
    // A typo in the path, and a method the route does not have.
    let (status, answer) = app.get(&format!("/api/conversation/{id}"), &doctor).await;
    assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
    let (status, answer) =
        app.call(Method::DELETE, &format!("/api/conversations/{id}"), Some(&doctor.token), None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(answer["code"].is_string(), "a JSON error body: {answer:?}");
}
