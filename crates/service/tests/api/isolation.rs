//! Clinics are tenants: no route that takes an id reaches another clinic's
//! data, and no answer carries a byte of it.

use axum::http::StatusCode;
use cortico_protocol::api::Role;
use serde_json::{json, Value};

use crate::common::*;

/// What only clinic A knows; none of it may appear in clinic B's answers.
const SECRETS: [&str; 6] =
    ["Quartermaine", "Zebedee", "melanoma", "quartermaine-pathology", "PATHOLOGY-SECRET", "dr@a.example"];

struct TwoClinics {
    app: TestApp,
    doctor_a: User,
    doctor_b: User,
    admin_b: User,
    /// Clinic A's conversation with patient 1001, and its sent and pending files.
    conversation_a: i64,
    sent_file_a: i64,
    pending_file_a: i64,
    /// Clinic B's own conversation with its own patient 1001.
    conversation_b: i64,
}

async fn two_clinics() -> TwoClinics {
    let app = TestApp::new().await;
    let a = app.clinic("clinic-a").await;
    let b = app.clinic("clinic-b").await;
    let doctor_a = app.user(a, "dr@a.example", Role::Doctor).await;
    let doctor_b = app.user(b, "dr@b.example", Role::Doctor).await;
    let admin_b = app.user(b, "admin@b.example", Role::Admin).await;
    let conversation_a =
        app.start_with(&doctor_a, 1001, ("QUARTERMAINE", "ZEBEDEE"), "Biopsy shows melanoma in situ.", true).await;
    let sent_file_a = app.upload_pdf(&doctor_a, "quartermaine-pathology.pdf", "PATHOLOGY-SECRET").await;
    let (status, _) = app
        .post(
            &format!("/api/conversations/{conversation_a}/messages"),
            &doctor_a,
            json!({"body": "Report attached (melanoma).", "attachment_ids": [sent_file_a], "idempotency_key": unique_key(), "allow_replies": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.patient_reply(conversation_a, "Zebedee here, is it serious?").await.unwrap();
    let pending_file_a = app.upload_pdf(&doctor_a, "quartermaine-pathology-2.pdf", "PATHOLOGY-SECRET 2").await;
    let conversation_b = app.start_with(&doctor_b, 1001, ("Bloggs", "Joe"), "Your appointment is Monday.", true).await;
    TwoClinics { app, doctor_a, doctor_b, admin_b, conversation_a, sent_file_a, pending_file_a, conversation_b }
}

#[track_caller]
fn assert_no_secrets(answer: &str) {
    for secret in SECRETS {
        assert!(!answer.to_lowercase().contains(&secret.to_lowercase()), "{secret:?} leaked: {answer}");
    }
}

#[tokio::test]
async fn another_clinics_conversation_cannot_be_read_through_any_route() {
    let t = two_clinics().await;
    let id = t.conversation_a;
    for user in [&t.doctor_b, &t.admin_b] {
        for path in [
            format!("/api/conversations/{id}"),
            format!("/api/conversations/{id}?before=999999"),
            format!("/api/conversations/{id}/members"),
            format!("/api/conversations/{id}/files"),
        ] {
            let (status, answer) = t.app.get(&path, user).await;
            assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
            assert_no_secrets(&answer.to_string());
        }
    }
}

#[tokio::test]
async fn another_clinics_conversation_cannot_be_changed_through_any_route() {
    let t = two_clinics().await;
    let id = t.conversation_a;
    let before = t.app.snapshot().await;
    for (suffix, body) in [
        ("messages", json!({"body": "Hijack", "idempotency_key": unique_key(), "allow_replies": true})),
        ("read", json!({"up_to_message_id": 999_999})),
        ("unread", json!({})),
        ("close", json!({})),
        ("reopen", json!({})),
    ] {
        let (status, answer) = t.app.post(&format!("/api/conversations/{id}/{suffix}"), &t.doctor_b, body).await;
        assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
        assert_no_secrets(&answer.to_string());
    }
    assert_eq!(t.app.snapshot().await, before, "nothing written anywhere");
    // Clinic A still sees its conversation as it was: open, waiting.
    let (_, triage) = t.app.get("/api/conversations/triage", &t.doctor_a).await;
    assert_eq!(ids(&triage), [id]);
}

#[tokio::test]
async fn another_clinics_files_cannot_be_downloaded() {
    let t = two_clinics().await;
    for file in [t.sent_file_a, t.pending_file_a] {
        let (status, headers, bytes) = t.app.download(&t.doctor_b, file).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(headers.get("content-disposition").is_none());
        let answer: Value = serde_json::from_slice(&bytes).expect("a JSON error");
        assert_eq!(answer["code"], "not_found");
        assert_no_secrets(&answer.to_string());
    }
}

#[tokio::test]
async fn another_clinics_files_cannot_be_attached_to_a_message() {
    let t = two_clinics().await;
    let before = t.app.snapshot().await;
    for file in [t.sent_file_a, t.pending_file_a] {
        let (status, answer) = t
            .app
            .post(
                &format!("/api/conversations/{}/messages", t.conversation_b),
                &t.doctor_b,
                json!({"body": "Attaching", "attachment_ids": [file], "idempotency_key": unique_key()}),
            )
            .await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
        assert_no_secrets(&answer.to_string());
    }
    assert_eq!(t.app.snapshot().await, before, "no message; A's upload still pending");
    // Nothing of A's shows up in B's conversation either.
    let (_, detail) = t.app.get(&format!("/api/conversations/{}", t.conversation_b), &t.doctor_b).await;
    assert_no_secrets(&detail.to_string());
}

#[tokio::test]
async fn the_same_demographic_number_in_another_clinic_is_another_patient() {
    let t = two_clinics().await;
    let (status, page_b) = t.app.get("/api/patients/1001/conversations", &t.admin_b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&page_b), [t.conversation_b]);
    assert_eq!(page_b["items"][0]["patient"]["last_name"], "Bloggs");
    assert_no_secrets(&page_b.to_string());
    // Clinic B starting a conversation with "its" 1001 did not rename A's patient.
    let (_, page_a) = t.app.get("/api/patients/1001/conversations", &t.doctor_a).await;
    assert_eq!(ids(&page_a), [t.conversation_a]);
    assert_eq!(page_a["items"][0]["patient"]["last_name"], "Quartermaine");
    // A number only clinic A has is an empty list for B.
    t.app.start_with(&t.doctor_a, 2002, ("QUARTERMAINE", "ZEBEDEE"), "melanoma follow-up", true).await;
    let (status, page) = t.app.get("/api/patients/2002/conversations", &t.doctor_b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page, json!({"items": []}));
}

#[tokio::test]
async fn another_clinics_activity_stays_out_of_my_lists_and_badge() {
    let t = two_clinics().await;
    t.app.post(&format!("/api/conversations/{}/unread", t.conversation_a), &t.doctor_a, json!({})).await;
    for user in [&t.doctor_b, &t.admin_b] {
        for path in ["/api/conversations/triage", "/api/conversations/mine", "/api/unread"] {
            let (status, answer) = t.app.get(path, user).await;
            assert_eq!(status, StatusCode::OK);
            assert_no_secrets(&answer.to_string());
        }
        assert_eq!(t.app.get("/api/unread", user).await.1["count"], 0);
        assert!(ids(&t.app.get("/api/conversations/triage", user).await.1).is_empty());
    }
    assert_eq!(ids(&t.app.get("/api/conversations/mine", &t.doctor_b).await.1), [t.conversation_b]);
    // Clinic A's own staff do see it.
    assert_eq!(t.app.get("/api/unread", &t.doctor_a).await.1["count"], 1);
}

#[tokio::test]
async fn an_admin_sees_only_their_own_clinics_audit_log() {
    let t = two_clinics().await;
    let page = t.app.audit(&t.admin_b, "").await;
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty(), "clinic B has its own entries");
    for entry in items {
        assert_ne!(entry["conversation_id"], t.conversation_a, "{entry}");
    }
    assert_no_secrets(&page.to_string());
    let page = t.app.audit(&t.admin_b, "?demographic_no=1001").await;
    for entry in page["items"].as_array().unwrap() {
        assert_eq!(entry["conversation_id"], t.conversation_b, "{entry}");
    }
}
