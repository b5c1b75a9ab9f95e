//! The three lists (Triage, My Conversations, one patient's), unread state,
//! the badge, and cursor pagination.

use axum::http::StatusCode;
use cortico_protocol::api::Role;
use serde_json::{json, Value};

use crate::common::*;

const TRIAGE: &str = "/api/conversations/triage";
const MINE: &str = "/api/conversations/mine";
/// Moves the clock so that later activity is strictly later.
const TICK: std::time::Duration = std::time::Duration::from_millis(5);

async fn badge(app: &TestApp, user: &User) -> i64 {
    let (status, body) = app.get("/api/unread", user).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["count"].as_i64().unwrap()
}

fn row(page: &Value, id: i64) -> Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("conversation {id} is not listed: {page}"))
}

async fn last_message_id(app: &TestApp, user: &User, id: i64) -> i64 {
    let (_, detail) = app.get(&format!("/api/conversations/{id}"), user).await;
    detail["messages"].as_array().unwrap().last().unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn triage_holds_open_conversations_whose_latest_message_is_the_patients() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let waiting = app.start(&doctor, 1001, "How are you?", true).await;
    let answered = app.start(&doctor, 1002, "How are you?", true).await;
    let closed = app.start(&doctor, 1003, "How are you?", true).await;
    let quiet = app.start(&doctor, 1004, "Your form is ready.", false).await;
    for id in [waiting, answered, closed] {
        app.patient_reply(id, "Fine, thanks").await.unwrap();
    }
    app.send_message(&moa, answered, "Glad to hear it.", true).await;
    app.post(&format!("/api/conversations/{closed}/close"), &moa, json!({})).await;

    // The same queue for everyone in the clinic.
    for user in [&doctor, &moa] {
        let (status, triage) = app.get(TRIAGE, user).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ids(&triage), [waiting], "not {answered}, {closed} or {quiet}");
    }
}

#[tokio::test]
async fn unread_is_per_user_and_mark_read_clears_it_for_that_user_only() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let moa2 = app.user(clinic, "moa2@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    app.patient_reply(id, "Question about my refill").await.unwrap();
    let last = last_message_id(&app, &moa, id).await;
    for user in [&moa, &moa2] {
        assert_eq!(row(&app.get(TRIAGE, user).await.1, id)["unread"], true);
        assert_eq!(badge(&app, user).await, 1);
    }

    let (status, body) =
        app.post(&format!("/api/conversations/{id}/read"), &moa, json!({"up_to_message_id": last})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Still waiting for the clinic, so still in Triage, but read by this MOA.
    assert_eq!(row(&app.get(TRIAGE, &moa).await.1, id)["unread"], false);
    assert_eq!(badge(&app, &moa).await, 0);
    assert_eq!(row(&app.get(TRIAGE, &moa2).await.1, id)["unread"], true);
    assert_eq!(badge(&app, &moa2).await, 1);
}

#[tokio::test]
async fn mark_as_unread_puts_a_conversation_in_that_users_triage_only() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    // The clinic wrote last: nobody's Triage.
    let id = app.start(&doctor, 1001, "Your lab requisition is attached.", false).await;
    assert!(ids(&app.get(TRIAGE, &moa).await.1).is_empty());

    let (status, _) = app.post(&format!("/api/conversations/{id}/unread"), &moa, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, triage) = app.get(TRIAGE, &moa).await;
    assert_eq!(ids(&triage), [id]);
    assert_eq!(row(&triage, id)["unread"], true);
    assert_eq!(badge(&app, &moa).await, 1);
    assert!(ids(&app.get(TRIAGE, &doctor).await.1).is_empty());
    assert_eq!(badge(&app, &doctor).await, 0);
    // In the doctor's own list it stays read.
    assert_eq!(row(&app.get(MINE, &doctor).await.1, id)["unread"], false);

    // Mark read takes it back out.
    let last = last_message_id(&app, &moa, id).await;
    app.post(&format!("/api/conversations/{id}/read"), &moa, json!({"up_to_message_id": last})).await;
    assert!(ids(&app.get(TRIAGE, &moa).await.1).is_empty());
    assert_eq!(badge(&app, &moa).await, 0);
}

#[tokio::test]
async fn marking_a_read_conversation_unread_raises_only_that_users_badge() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    app.patient_reply(id, "Hi").await.unwrap();
    let last = last_message_id(&app, &moa, id).await;
    for user in [&doctor, &moa] {
        app.post(&format!("/api/conversations/{id}/read"), user, json!({"up_to_message_id": last})).await;
        assert_eq!(badge(&app, user).await, 0);
    }
    app.post(&format!("/api/conversations/{id}/unread"), &moa, json!({})).await;
    assert_eq!(badge(&app, &moa).await, 1);
    assert_eq!(row(&app.get(TRIAGE, &moa).await.1, id)["unread"], true);
    assert_eq!(badge(&app, &doctor).await, 0);
    assert_eq!(row(&app.get(TRIAGE, &doctor).await.1, id)["unread"], false);
}

#[tokio::test]
async fn the_badge_counts_triage_conversations_with_unread_messages() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let mut waiting = Vec::new();
    for n in 0..3 {
        let id = app.start(&doctor, 1001 + n, "Hello", true).await;
        app.patient_reply(id, "A question").await.unwrap();
        waiting.push(id);
    }
    // Two patient messages in one conversation still count once.
    app.patient_reply(waiting[0], "And another").await.unwrap();
    // Conversations outside Triage do not count, even with unread staff messages.
    let other = app.start(&doctor, 1010, "FYI", true).await;
    app.send_message(&doctor, other, "More FYI", true).await;
    assert_eq!(badge(&app, &moa).await, 3);

    let last = last_message_id(&app, &moa, waiting[1]).await;
    app.post(&format!("/api/conversations/{}/read", waiting[1]), &moa, json!({"up_to_message_id": last})).await;
    assert_eq!(badge(&app, &moa).await, 2);
    // A new patient message makes a read conversation unread again.
    app.patient_reply(waiting[1], "Sorry, one more thing").await.unwrap();
    assert_eq!(badge(&app, &moa).await, 3);
}

#[tokio::test]
async fn my_conversations_are_those_i_started_or_wrote_in_open_or_closed_latest_first() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let admin = app.user(clinic, "admin@c.example", Role::Admin).await;
    let a = app.start(&doctor, 1001, "A", true).await;
    let b = app.start(&doctor, 1002, "B", true).await;
    let c = app.start(&moa, 1003, "C", true).await;
    app.advance(TICK);
    app.send_message(&moa, a, "MOA writes in A", true).await;
    app.post(&format!("/api/conversations/{a}/close"), &doctor, json!({})).await;
    // The admin only reads: not a member of anything.
    app.get(&format!("/api/conversations/{a}"), &admin).await;

    let (_, doctors) = app.get(MINE, &doctor).await;
    assert_eq!(ids(&doctors), [a, b], "A has the latest message");
    assert_eq!(row(&doctors, a)["unread"], true, "the MOA's message is new to the doctor");
    let (_, moas) = app.get(MINE, &moa).await;
    assert_eq!(ids(&moas), [a, c]);
    assert_eq!(row(&moas, a)["unread"], false, "the MOA wrote it");
    assert!(ids(&app.get(MINE, &admin).await.1).is_empty());
    // A patient reply moves the conversation up.
    app.advance(TICK);
    app.patient_reply(b, "Reply to B").await.unwrap();
    let (_, mine) = app.get(MINE, &doctor).await;
    assert_eq!(ids(&mine), [b, a]);
    assert_eq!(row(&mine, a)["state"], "closed");
}

#[tokio::test]
async fn all_conversations_lists_every_conversation_of_one_patient() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let first = app.start(&doctor, 1001, "First", true).await;
    let second = app.start(&moa, 1001, "Second", false).await;
    let someone_else = app.start(&doctor, 1002, "Other patient", true).await;
    app.post(&format!("/api/conversations/{first}/close"), &doctor, json!({})).await;
    let admin = app.user(clinic, "admin@c.example", Role::Admin).await;

    let (status, page) = app.get("/api/patients/1001/conversations", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&page), [second, first]);
    assert!(!ids(&page).contains(&someone_else));
    for item in page["items"].as_array().unwrap() {
        assert_eq!(item["patient"]["demographic_no"], 1001);
    }
}

#[tokio::test]
async fn a_patient_never_messaged_has_an_empty_list() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    app.start(&doctor, 1001, "Hello", true).await;
    let (status, page) = app.get("/api/patients/424242/conversations", &doctor).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page, json!({"items": []}));
}

/// Checks that the pages hold `expected` exactly once each, in order.
#[track_caller]
fn assert_walk(pages: &[Vec<i64>], expected: &[i64], limit: usize) {
    let flat: Vec<i64> = pages.iter().flatten().copied().collect();
    assert_eq!(flat, expected, "every conversation once, latest activity first");
    assert_eq!(pages.len(), expected.len().div_ceil(limit));
    for page in &pages[..pages.len() - 1] {
        assert_eq!(page.len(), limit);
    }
}

#[tokio::test]
async fn triage_pages_walk_every_conversation_once_latest_first() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    // Waiting conversations with, in between, ones the MOA flagged while
    // the clinic wrote last: the two kinds interleave across pages.
    let mut expected = Vec::new();
    for n in 0..14 {
        let id = if n % 4 == 1 {
            let id = app.start(&doctor, 3000 + n, "FYI", false).await;
            app.post(&format!("/api/conversations/{id}/unread"), &moa, json!({})).await;
            id
        } else {
            let id = app.start(&doctor, 2000 + n, "Hello", true).await;
            app.patient_reply(id, "Reply").await.unwrap();
            id
        };
        expected.push(id);
    }
    expected.reverse();
    let pages = app.walk(&moa, TRIAGE, 5).await;
    assert_walk(&pages, &expected, 5);
}

#[tokio::test]
async fn my_conversation_pages_walk_every_conversation_once_latest_first() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let mut started = Vec::new();
    for n in 0..11 {
        started.push(app.start(&doctor, 2000 + n, "Hello", true).await);
    }
    // Activity in the oldest ones moves them to the top.
    app.advance(TICK);
    app.patient_reply(started[0], "Bump").await.unwrap();
    app.advance(TICK);
    app.send_message(&doctor, started[1], "Bump", true).await;
    let mut expected: Vec<i64> = started[2..].iter().rev().copied().collect();
    expected.insert(0, started[0]);
    expected.insert(0, started[1]);
    let pages = app.walk(&doctor, MINE, 4).await;
    assert_walk(&pages, &expected, 4);
}

#[tokio::test]
async fn patient_conversation_pages_walk_every_conversation_once_latest_first() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let mut expected = Vec::new();
    for _ in 0..6 {
        expected.push(app.start(&doctor, 1001, "Hello", true).await);
        app.start(&doctor, 1002, "Someone else", true).await;
    }
    expected.reverse();
    // Six in pages of three: exactly two pages, the second without a cursor.
    let pages = app.walk(&doctor, "/api/patients/1001/conversations", 3).await;
    assert_walk(&pages, &expected, 3);
}

#[tokio::test]
async fn an_invalid_cursor_is_400() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    for list in [TRIAGE, MINE, "/api/patients/1001/conversations"] {
        for cursor in ["garbage", "12", "1.x", "1.2.3", ""] {
            let (status, body) = app.get(&format!("{list}?cursor={cursor}"), &moa).await;
            assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
        }
    }
}

#[tokio::test]
async fn a_limit_outside_1_to_200_is_400() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    app.start(&doctor, 1001, "Hello", true).await;
    for list in [TRIAGE, MINE, "/api/patients/1001/conversations"] {
        for limit in ["0", "201", "-1", "ten"] {
            let (status, body) = app.get(&format!("{list}?limit={limit}"), &doctor).await;
            assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
        }
        for limit in ["1", "200"] {
            let (status, body) = app.get(&format!("{list}?limit={limit}"), &doctor).await;
            assert_eq!(status, StatusCode::OK, "{list}?limit={limit}: {body}");
        }
    }
}
