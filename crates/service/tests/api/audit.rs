//! The audit log: who read or changed which patient's data, for admins.

use axum::http::{Method, StatusCode};
use cortico_protocol::api::Role;
use cortico_service::args;
use serde_json::{json, Value};

use crate::common::*;

struct Clinic {
    app: TestApp,
    doctor: User,
    moa: User,
    admin: User,
}

async fn clinic() -> Clinic {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let admin = app.user(clinic, "admin@c.example", Role::Admin).await;
    Clinic { app, doctor, moa, admin }
}

/// The entries with `action`, newest first.
fn entries<'a>(page: &'a Value, action: &str) -> Vec<&'a Value> {
    page["items"].as_array().unwrap().iter().filter(|e| e["action"] == action).collect()
}

/// Asserts there is an entry of `action` by `actor` about patient 1001 in `conversation`.
#[track_caller]
fn assert_entry(page: &Value, action: &str, actor: &str, conversation: i64) {
    let found = entries(page, action)
        .into_iter()
        .any(|e| e["actor"] == actor && e["patient_demographic_no"] == 1001 && e["conversation_id"] == conversation);
    assert!(found, "no {action} by {actor} on {conversation}: {page:#}");
}

#[tokio::test]
async fn the_audit_log_is_for_admins_only() {
    let c = clinic().await;
    for user in [&c.doctor, &c.moa] {
        let (status, answer) = c.app.get("/api/audit", user).await;
        assert_error(status, &answer, StatusCode::FORBIDDEN, "forbidden");
        assert!(answer.get("items").is_none());
    }
    let (status, _) = c.app.call(Method::GET, "/api/audit", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, page) = c.app.get("/api/audit", &c.admin).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for limit in ["0", "1001", "many"] {
        let (status, answer) = c.app.get(&format!("/api/audit?limit={limit}"), &c.admin).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "bad_request");
    }
}

#[tokio::test]
async fn sends_views_and_lists_are_audited_with_actor_and_patient() {
    let c = clinic().await;
    let id = c.app.start(&c.doctor, 1001, "Hello", true).await;
    c.app.patient_reply(id, "Hi").await.unwrap();
    c.app.patient_opens(id).await;
    c.app.send_message(&c.moa, id, "Noted", true).await;
    c.app.get(&format!("/api/conversations/{id}"), &c.moa).await;
    c.app.get("/api/conversations/mine", &c.moa).await;
    c.app.get("/api/patients/1001/conversations", &c.doctor).await;
    c.app.get(&format!("/api/conversations/{id}/members"), &c.doctor).await;
    c.app.get(&format!("/api/conversations/{id}/files"), &c.doctor).await;

    let page = c.app.audit(&c.admin, "").await;
    assert_entry(&page, "conversation.start", "dr@c.example", id);
    assert_entry(&page, "message.send", "dr@c.example", id);
    assert_entry(&page, "message.send", "patient 1001", id);
    assert_entry(&page, "conversation.read", "patient 1001", id);
    assert_entry(&page, "message.send", "moa@c.example", id);
    assert_entry(&page, "conversation.view", "moa@c.example", id);
    assert_entry(&page, "conversation.list", "moa@c.example", id);
    assert_entry(&page, "conversation.list", "dr@c.example", id);
    assert_entry(&page, "conversation.members", "dr@c.example", id);
    assert_entry(&page, "conversation.files", "dr@c.example", id);
    let patient_send = entries(&page, "message.send").into_iter().find(|e| e["actor"] == "patient 1001").unwrap();
    assert_eq!(patient_send["actor_kind"], "patient");
    assert_eq!(entries(&page, "conversation.view")[0]["actor_kind"], "staff");
}

#[tokio::test]
async fn read_unread_close_and_reopen_are_audited() {
    let c = clinic().await;
    let id = c.app.start(&c.doctor, 1001, "Hello", true).await;
    let path = |action: &str| format!("/api/conversations/{id}/{action}");
    c.app.post(&path("unread"), &c.moa, json!({})).await;
    c.app.post(&path("read"), &c.moa, json!({"up_to_message_id": 1})).await;
    c.app.post(&path("close"), &c.doctor, json!({})).await;
    c.app.post(&path("reopen"), &c.moa, json!({})).await;

    let page = c.app.audit(&c.admin, "").await;
    assert_entry(&page, "conversation.mark_unread", "moa@c.example", id);
    assert_entry(&page, "conversation.mark_read", "moa@c.example", id);
    assert_entry(&page, "conversation.close", "dr@c.example", id);
    assert_entry(&page, "conversation.reopen", "moa@c.example", id);
}

#[tokio::test]
async fn uploads_and_downloads_are_audited() {
    let c = clinic().await;
    let id = c.app.start(&c.doctor, 1001, "Hello", true).await;
    let file = c.app.upload_pdf(&c.doctor, "lab.pdf", "lab").await;
    c.app
        .post(
            &format!("/api/conversations/{id}/messages"),
            &c.doctor,
            json!({"body": "Labs", "attachment_ids": [file], "idempotency_key": unique_key()}),
        )
        .await;
    assert_eq!(c.app.download(&c.moa, file).await.0, StatusCode::OK);

    let page = c.app.audit(&c.admin, "").await;
    let uploads = entries(&page, "attachment.upload");
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0]["actor"], "dr@c.example");
    assert_entry(&page, "attachment.download", "moa@c.example", id);
}

#[tokio::test]
async fn the_log_filters_by_demographic_number() {
    let c = clinic().await;
    let mine = c.app.start(&c.doctor, 1001, "Hello", true).await;
    let other = c.app.start(&c.doctor, 1002, "Hello", true).await;
    c.app.get(&format!("/api/conversations/{mine}"), &c.moa).await;
    c.app.get(&format!("/api/conversations/{other}"), &c.moa).await;

    let page = c.app.audit(&c.admin, "?demographic_no=1001").await;
    let items = page["items"].as_array().unwrap();
    assert!(items.len() >= 3, "start, send, view: {page:#}");
    for entry in items {
        assert_eq!(entry["patient_demographic_no"], 1001, "{entry}");
    }
    let page = c.app.audit(&c.admin, "?demographic_no=5555").await;
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn the_log_pages_from_newest_to_oldest_with_before() {
    let c = clinic().await;
    let id = c.app.start(&c.doctor, 1001, "Hello", true).await;
    for _ in 0..5 {
        c.app.get(&format!("/api/conversations/{id}"), &c.moa).await;
    }
    let whole = c.app.audit(&c.admin, "?limit=1000").await;
    let all: Vec<i64> = whole["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(all.len() >= 7);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first: {all:?}");

    let mut walked = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let page = c.app.audit(&c.admin, &query).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        walked.extend(items.iter().map(|e| e["id"].as_i64().unwrap()));
        match page["next_before"].as_i64() {
            Some(before) => query = format!("?limit=3&before={before}"),
            None => break,
        }
    }
    assert_eq!(walked, all);
}

#[tokio::test]
async fn the_audit_table_refuses_updates_and_deletes() {
    let c = clinic().await;
    c.app.start(&c.doctor, 1001, "Hello", true).await;
    let before = c.app.audit(&c.admin, "").await;
    for sql in [
        "UPDATE audit_log SET action = 'nothing.happened'",
        "UPDATE audit_log SET patient_id = NULL WHERE id = 1",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = 1",
    ] {
        let result = c
            .app
            .state
            .db
            .write(move |w| {
                Box::pin(async move {
                    w.execute(sql, args![]).await?;
                    Ok(())
                })
            })
            .await;
        assert!(result.is_err(), "{sql} must fail");
    }
    assert_eq!(c.app.audit(&c.admin, "").await, before);
}
