//! Conversations: the send rules, triage, unread, and isolation between clinics.

use axum::http::StatusCode;
use cortico_protocol::api::Role;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_patient_reply_puts_the_conversation_in_triage_and_raises_the_badge() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Your results are in.", true).await;
    assert_eq!(app.get("/api/unread", &moa).await.1["count"], 0);

    app.patient_reply(id, "Thank you, what do they say?")
        .await
        .unwrap();
    let (_, triage) = app.get("/api/conversations/triage", &moa).await;
    assert_eq!(triage["items"][0]["id"], id);
    assert_eq!(triage["items"][0]["unread"], true);
    assert_eq!(triage["items"][0]["last_author"], "patient");
    assert_eq!(app.get("/api/unread", &moa).await.1["count"], 1);

    // The MOA replies: it leaves Triage for everyone.
    let (status, _) = app
        .post(&format!("/api/conversations/{id}/messages"), &moa, json!({"body": "The doctor will call you.", "idempotency_key": unique_key(), "allow_replies": true}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        app.get("/api/conversations/triage", &moa).await.1["items"],
        json!([])
    );
    assert_eq!(app.get("/api/unread", &doctor).await.1["count"], 0);
}

#[tokio::test]
async fn another_clinics_conversation_is_not_found() {
    let app = TestApp::new().await;
    let a = app.clinic("clinic-a").await;
    let b = app.clinic("clinic-b").await;
    let doctor_a = app.user(a, "dr@a.example", Role::Doctor).await;
    let doctor_b = app.user(b, "dr@b.example", Role::Doctor).await;
    let id = app
        .start(&doctor_a, 1001, "Private to clinic A", true)
        .await;
    let (status, body) = app
        .get(&format!("/api/conversations/{id}"), &doctor_b)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.to_string().contains("Private to clinic A"));
}
