//! Conversations: the send rules, triage, unread, and isolation between clinics.

use axum::http::StatusCode;
use cortico_protocol::api::Role;
use cortico_service::store::conversations::{self, Outgoing};
use cortico_service::store::StoreError;
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

    app.patient_reply(id, "Thank you, what do they say?").await.unwrap();
    let (_, triage) = app.get("/api/conversations/triage", &moa).await;
    assert_eq!(triage["items"][0]["id"], id);
    assert_eq!(triage["items"][0]["unread"], true);
    assert_eq!(triage["items"][0]["last_author"], "patient");
    assert_eq!(app.get("/api/unread", &moa).await.1["count"], 1);

    // The MOA replies: it leaves Triage for everyone.
    let (status, _) = app
        .post(
            &format!("/api/conversations/{id}/messages"),
            &moa,
            json!({"body": "The doctor will call you.", "idempotency_key": unique_key(), "allow_replies": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.get("/api/conversations/triage", &moa).await.1["items"], json!([]));
    assert_eq!(app.get("/api/unread", &doctor).await.1["count"], 0);
}

#[tokio::test]
async fn another_clinics_conversation_is_not_found() {
    let app = TestApp::new().await;
    let a = app.clinic("clinic-a").await;
    let b = app.clinic("clinic-b").await;
    let doctor_a = app.user(a, "dr@a.example", Role::Doctor).await;
    let doctor_b = app.user(b, "dr@b.example", Role::Doctor).await;
    let id = app.start(&doctor_a, 1001, "Private to clinic A", true).await;
    let (status, body) = app.get(&format!("/api/conversations/{id}"), &doctor_b).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.to_string().contains("Private to clinic A"));
}

async fn message_count(app: &TestApp, conversation_id: i64) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM messages WHERE conversation_id = {conversation_id}")).await
}

#[tokio::test]
async fn plain_send_does_not_let_the_patient_reply() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "Your flu shot is booked.", false).await;
    let err = app.patient_reply(id, "Thanks!").await.unwrap_err();
    assert!(matches!(err, StoreError::Rejected(_)), "{err:?}");

    // A plain Send after Send & Allow Replies closes replies again.
    let (status, _) = app.send_message(&doctor, id, "Please reply.", true).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, sent) = app.send_message(&doctor, id, "Never mind.", false).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(sent["conversation"]["replies_allowed"], false);
    assert!(app.patient_reply(id, "Too late?").await.is_err());
    assert_eq!(message_count(&app, id).await, 3);
}

#[tokio::test]
async fn send_and_allow_replies_lets_the_patient_reply() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "How is the new dose?", true).await;
    app.patient_reply(id, "Much better, thanks.").await.unwrap();
    let (_, detail) = app.get(&format!("/api/conversations/{id}"), &doctor).await;
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["author_kind"], "patient");
    assert_eq!(messages[1]["body"], "Much better, thanks.");
    assert_eq!(detail["summary"]["replies_allowed"], true);
}

#[tokio::test]
async fn closing_stops_patient_replies_and_takes_the_conversation_out_of_triage() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&moa, 1001, "Any questions?", true).await;
    app.patient_reply(id, "One question.").await.unwrap();
    assert_eq!(ids(&app.get("/api/conversations/triage", &moa).await.1), [id]);

    let (status, body) = app.post(&format!("/api/conversations/{id}/close"), &moa, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, detail) = app.get(&format!("/api/conversations/{id}"), &moa).await;
    assert_eq!(detail["summary"]["state"], "closed");
    assert_eq!(ids(&app.get("/api/conversations/triage", &moa).await.1), Vec::<i64>::new());
    assert_eq!(app.get("/api/unread", &moa).await.1["count"], 0);
    let err = app.patient_reply(id, "Hello?").await.unwrap_err();
    assert!(matches!(err, StoreError::Rejected(_)), "{err:?}");
    assert_eq!(message_count(&app, id).await, 2);
}

#[tokio::test]
async fn staff_sending_into_a_closed_conversation_reopens_it() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "Results are normal.", true).await;
    app.post(&format!("/api/conversations/{id}/close"), &doctor, json!({})).await;
    let (status, sent) = app.send_message(&doctor, id, "One more thing: please book a follow-up.", true).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["conversation"]["state"], "open");
    assert_eq!(sent["conversation"]["replies_allowed"], true);
    app.patient_reply(id, "Booked for Tuesday.").await.unwrap();
}

#[tokio::test]
async fn reopen_lets_the_patient_reply_and_returns_a_waiting_conversation_to_triage() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&moa, 1001, "Your referral was sent.", true).await;
    app.patient_reply(id, "When will they call?").await.unwrap();
    app.post(&format!("/api/conversations/{id}/close"), &moa, json!({})).await;
    assert!(ids(&app.get("/api/conversations/triage", &moa).await.1).is_empty());

    let (status, _) = app.post(&format!("/api/conversations/{id}/reopen"), &moa, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, detail) = app.get(&format!("/api/conversations/{id}"), &moa).await;
    assert_eq!(detail["summary"]["state"], "open");
    assert_eq!(detail["summary"]["replies_allowed"], true);
    // The patient's question is still unanswered: it is back in Triage.
    assert_eq!(ids(&app.get("/api/conversations/triage", &moa).await.1), [id]);
    app.patient_reply(id, "Still waiting.").await.unwrap();
}

#[tokio::test]
async fn reopening_a_plain_send_allows_replies() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&moa, 1001, "Your prescription is ready.", false).await;
    assert!(app.patient_reply(id, "Thanks").await.is_err());
    app.post(&format!("/api/conversations/{id}/reopen"), &moa, json!({})).await;
    app.patient_reply(id, "Can I pick it up tomorrow?").await.unwrap();
}

#[tokio::test]
async fn a_retried_send_is_replayed_without_a_duplicate() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    let request = json!({"body": "Your results are in.", "idempotency_key": "retry-1", "allow_replies": true});
    let path = format!("/api/conversations/{id}/messages");
    let (status, first) = app.post(&path, &doctor, request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["replayed"], false);
    for _ in 0..2 {
        let (status, again) = app.post(&path, &doctor, request.clone()).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["replayed"], true);
        assert_eq!(again["message"]["id"], first["message"]["id"]);
    }
    assert_eq!(message_count(&app, id).await, 2);
}

#[tokio::test]
async fn reusing_a_key_for_another_conversation_is_409() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let first = app.start(&doctor, 1001, "Hello", true).await;
    let second = app.start(&doctor, 1002, "Hello", true).await;
    let request = json!({"body": "Results", "idempotency_key": "shared-key"});
    let (status, _) = app.post(&format!("/api/conversations/{first}/messages"), &doctor, request.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app.post(&format!("/api/conversations/{second}/messages"), &doctor, request).await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    assert_eq!(message_count(&app, second).await, 1);
}

#[tokio::test]
async fn a_retried_start_returns_the_same_conversation() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let request = json!({
        "patient": {"demographic_no": 1001, "name": {"last": "SMITH", "first": "JANE"}},
        "message": {"body": "Welcome", "idempotency_key": "start-1"}
    });
    let (status, first) = app.post("/api/conversations", &doctor, request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = app.post("/api/conversations", &doctor, request).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["replayed"], true);
    assert_eq!(again["conversation"]["id"], first["conversation"]["id"]);
    assert_eq!(again["message"]["id"], first["message"]["id"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test]
async fn starting_with_a_key_already_used_for_another_patient_is_409() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let start = |demographic_no: u32, last: &str, body: &str| {
        json!({
            "patient": {"demographic_no": demographic_no, "name": {"last": last, "first": "Pat"}},
            "message": {"body": body, "idempotency_key": "reused-key"}
        })
    };
    let (status, _) = app.post("/api/conversations", &doctor, start(1001, "Ames", "For Ames")).await;
    assert_eq!(status, StatusCode::CREATED);
    // Not a retry: another patient, another message. Answering "replayed"
    // with Ames's conversation would tell the doctor a message went out
    // to Baker that was never sent.
    let (status, body) = app.post("/api/conversations", &doctor, start(1002, "Baker", "For Baker")).await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    assert!(!body.to_string().contains("For Ames"));
}

#[tokio::test]
async fn a_staff_message_shows_sent_until_the_patient_opens_it_then_read_by_first_name() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Your results are in.", true).await;
    let path = format!("/api/conversations/{id}");
    let (_, detail) = app.get(&path, &moa).await;
    assert_eq!(detail["messages"][0]["read_status"], json!({"state": "sent"}));

    app.patient_reply(id, "Thank you!").await.unwrap();
    app.patient_opens(id).await;
    let (_, detail) = app.get(&path, &moa).await;
    let status = &detail["messages"][0]["read_status"];
    assert_eq!(status["state"], "read");
    assert_eq!(status["by"], "Jane");
    assert!(status["at"].as_i64().unwrap() > 0);
    assert!(
        detail["messages"][1].get("read_status").is_none(),
        "the patient's own message has no read status: {}",
        detail["messages"][1]
    );

    // A newer message is "sent" until the patient opens the conversation again.
    app.send_message(&doctor, id, "Book a follow-up.", true).await;
    let (_, detail) = app.get(&path, &doctor).await;
    assert_eq!(detail["messages"][0]["read_status"]["state"], "read");
    assert_eq!(detail["messages"][2]["read_status"], json!({"state": "sent"}));
}

#[tokio::test]
async fn members_are_the_staff_who_wrote_or_started_and_the_patient() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let admin = app.user(clinic, "admin@c.example", Role::Admin).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    app.patient_reply(id, "Hi").await.unwrap();
    app.send_message(&moa, id, "The doctor will call.", true).await;
    // Reading and marking do not make you a member.
    app.get(&format!("/api/conversations/{id}"), &admin).await;
    app.post(&format!("/api/conversations/{id}/unread"), &admin, json!({})).await;

    let (status, members) = app.get(&format!("/api/conversations/{id}/members"), &admin).await;
    assert_eq!(status, StatusCode::OK, "{members}");
    assert_eq!(
        members,
        json!([
            {"kind": "staff", "name": "Staff dr@c.example", "role": "doctor", "staff_id": doctor.id},
            {"kind": "staff", "name": "Staff moa@c.example", "role": "moa", "staff_id": moa.id},
            {"kind": "patient", "name": "Jane Smith"}
        ])
    );
}

#[tokio::test]
async fn more_than_200_messages_page_back_with_before() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "Message 0", true).await;
    let sends = (1..250).map(|i| {
        conversations::send(
            &app.state.db,
            doctor.actor(),
            id,
            Outgoing {
                body: format!("Message {i}"),
                attachment_ids: vec![],
                allow_replies: true,
                idempotency_key: unique_key(),
            },
            app.now(),
        )
    });
    for sent in futures::future::join_all(sends).await {
        sent.unwrap();
    }
    let all: Vec<i64> =
        sqlx::query_scalar(&format!("SELECT id FROM messages WHERE conversation_id = {id} ORDER BY id"))
            .fetch_all(app.state.db.read())
            .await
            .unwrap();
    assert_eq!(all.len(), 250);

    let path = format!("/api/conversations/{id}");
    let (_, latest) = app.get(&path, &doctor).await;
    let page_ids = |d: &serde_json::Value| -> Vec<i64> {
        d["messages"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect()
    };
    // The newest 200, oldest first.
    assert_eq!(page_ids(&latest), all[50..]);
    let before = latest["older_cursor"].as_i64().expect("more to load");
    let (status, older) = app.get(&format!("{path}?before={before}"), &doctor).await;
    assert_eq!(status, StatusCode::OK, "{older}");
    assert_eq!(page_ids(&older), all[..50]);
    assert!(older.get("older_cursor").is_none(), "{}", older["older_cursor"]);
}
