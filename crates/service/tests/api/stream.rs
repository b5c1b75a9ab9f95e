//! `GET /api/stream`: live unread counts and changed conversations as
//! server-sent events, with resumption by `Last-Event-ID`.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use cortico_protocol::api::Role;
use serde_json::json;

use crate::common::*;

const PROMPTLY: Duration = Duration::from_secs(1);
/// Long enough for a debounced event (40 ms) to have arrived if one were coming.
const QUIET: Duration = Duration::from_millis(300);

/// Reads the next `update` event, failing the test if none comes in time.
async fn next_update(stream: &mut EventStream) -> SseEvent {
    let event = stream.next_within(PROMPTLY).await.expect("an update within a second");
    assert_eq!(event.event, "update");
    assert_eq!(event.id.as_deref(), Some(event.data["seq"].to_string().as_str()), "the SSE id is the sequence number");
    event
}

#[tokio::test]
async fn the_first_event_carries_the_current_unread_count() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    for n in 0..2 {
        let id = app.start(&doctor, 1001 + n, "Hello", true).await;
        app.patient_reply(id, "Question").await.unwrap();
    }
    let mut stream = app.stream(&moa, None).await;
    let first = next_update(&mut stream).await;
    assert_eq!(first.data["unread"], 2);
    assert_eq!(first.data["changed"], json!([]));
    assert_eq!(first.data["resync"], false);
}

#[tokio::test]
async fn a_patient_reply_sends_an_update_with_the_new_count_within_a_second() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    let mut stream = app.stream(&moa, None).await;
    let first = next_update(&mut stream).await;
    assert_eq!(first.data["unread"], 0);

    app.patient_reply(id, "I have a question").await.unwrap();
    let update = next_update(&mut stream).await;
    assert_eq!(update.data["unread"], 1);
    assert_eq!(update.data["changed"], json!([id]));
    assert!(update.data["seq"].as_i64() > first.data["seq"].as_i64());
}

#[tokio::test]
async fn marking_read_sends_an_update_with_the_lower_count() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    let sent = app.patient_reply(id, "Question").await.unwrap();
    let mut stream = app.stream(&moa, None).await;
    assert_eq!(next_update(&mut stream).await.data["unread"], 1);

    app.post(&format!("/api/conversations/{id}/read"), &moa, json!({"up_to_message_id": sent.message_id})).await;
    let update = next_update(&mut stream).await;
    assert_eq!(update.data["unread"], 0);
    assert_eq!(update.data["changed"], json!([id]));
}

#[tokio::test]
async fn a_colleagues_mark_read_sends_me_no_event() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    let sent = app.patient_reply(id, "Question").await.unwrap();
    let mut stream = app.stream(&moa, None).await;
    next_update(&mut stream).await;

    app.post(&format!("/api/conversations/{id}/read"), &doctor, json!({"up_to_message_id": sent.message_id})).await;
    app.post(&format!("/api/conversations/{id}/unread"), &doctor, json!({})).await;
    assert!(stream.next_within(QUIET).await.is_none(), "only the doctor's view changed");
}

#[tokio::test]
async fn another_clinics_changes_send_no_event() {
    let app = TestApp::new().await;
    let a = app.clinic("clinic-a").await;
    let b = app.clinic("clinic-b").await;
    let doctor_a = app.user(a, "dr@a.example", Role::Doctor).await;
    let doctor_b = app.user(b, "dr@b.example", Role::Doctor).await;
    let moa_b = app.user(b, "moa@b.example", Role::Moa).await;
    let id_a = app.start(&doctor_a, 1001, "Hello", true).await;
    let id_b = app.start(&doctor_b, 1001, "Hello", true).await;
    let mut stream = app.stream(&moa_b, None).await;
    next_update(&mut stream).await;

    app.patient_reply(id_a, "Clinic A's patient writes").await.unwrap();
    app.start(&doctor_a, 1002, "Clinic A starts another", true).await;
    app.post(&format!("/api/conversations/{id_a}/close"), &doctor_a, json!({})).await;
    assert!(stream.next_within(QUIET).await.is_none(), "nothing from clinic A");

    // The stream is alive: clinic B's own change arrives, and only it.
    app.patient_reply(id_b, "Clinic B's patient writes").await.unwrap();
    let update = next_update(&mut stream).await;
    assert_eq!(update.data["changed"], json!([id_b]));
    assert_eq!(update.data["unread"], 1);
}

#[tokio::test]
async fn reconnecting_with_last_event_id_lists_what_changed_since() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let other_clinic = app.clinic("elsewhere").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let stranger = app.user(other_clinic, "dr@elsewhere.example", Role::Doctor).await;
    let quiet = app.start(&doctor, 1001, "Hello", true).await;
    let busy = app.start(&doctor, 1002, "Hello", true).await;
    let closed = app.start(&doctor, 1003, "Hello", true).await;
    let seen = {
        let mut stream = app.stream(&moa, None).await;
        next_update(&mut stream).await.data["seq"].to_string()
        // The connection drops here.
    };

    app.patient_reply(busy, "While you were away").await.unwrap();
    app.post(&format!("/api/conversations/{closed}/close"), &doctor, json!({})).await;
    app.start(&stranger, 1001, "Another clinic", true).await;

    let mut stream = app.stream(&moa, Some(&seen)).await;
    let resumed = next_update(&mut stream).await;
    let mut changed: Vec<i64> =
        resumed.data["changed"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    changed.sort_unstable();
    assert_eq!(changed, [busy, closed], "not {quiet}, nor the other clinic's");
    assert_eq!(resumed.data["resync"], false);
    assert_eq!(resumed.data["unread"], 1);
}

#[tokio::test]
async fn a_last_event_id_from_the_future_asks_for_resync() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let current = {
        let mut stream = app.stream(&moa, None).await;
        next_update(&mut stream).await.data["seq"].as_i64().unwrap()
    };
    let ahead = (current + 1000).to_string();
    let mut stream = app.stream(&moa, Some(&ahead)).await;
    let first = next_update(&mut stream).await;
    assert_eq!(first.data["resync"], true);
    assert_eq!(first.data["changed"], json!([]));
}

#[tokio::test]
async fn the_stream_needs_a_valid_session() {
    let app = TestApp::new().await;
    let (status, body) = app.call(Method::GET, "/api/stream", Some("not-a-token"), None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn signing_out_ends_the_users_open_streams_at_once() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let mut stream = app.stream(&moa, None).await;
    next_update(&mut stream).await;
    let (status, _) = app.call(Method::POST, "/api/auth/sign-out", Some(&moa.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(stream.ends_within(PROMPTLY).await, "the stream closes when its session ends");
}

#[tokio::test]
async fn disabling_an_account_ends_its_streams_but_not_a_colleagues() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let mut moa_stream = app.stream(&moa, None).await;
    let mut doctor_stream = app.stream(&doctor, None).await;
    next_update(&mut moa_stream).await;
    next_update(&mut doctor_stream).await;
    cortico_service::store::staff::set_disabled(&app.state.db, clinic, "moa@c.example", true, app.now()).await.unwrap();
    assert!(moa_stream.ends_within(PROMPTLY).await);
    assert!(!doctor_stream.ends_within(QUIET).await, "a colleague's stream stays open");
}

/// Issue 13, point 6: the admin CLI runs in another process; disabling or
/// resetting there ends the user's streams within seconds, not a minute.
#[tokio::test]
async fn disabling_or_resetting_from_the_admin_cli_ends_the_users_streams_within_seconds() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let dr = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let mut moa_stream = app.stream(&moa, None).await;
    let mut dr_stream = app.stream(&dr, None).await;
    next_update(&mut moa_stream).await;
    next_update(&mut dr_stream).await;
    let cli = app.other_process().await;
    let soon = Duration::from_secs(3);

    cortico_service::store::staff::set_disabled(&cli.state.db, clinic, "moa@c.example", true, app.now()).await.unwrap();
    assert!(moa_stream.ends_within(soon).await, "the disabled account's stream ends");
    assert!(!dr_stream.ends_within(QUIET).await, "a colleague's stream stays open");

    cortico_service::store::staff::reset_password(
        &cli.state.db,
        clinic,
        "dr@c.example",
        "a brand new passphrase".into(),
        app.now(),
    )
    .await
    .unwrap();
    assert!(dr_stream.ends_within(soon).await, "a password reset ends the stream");
}

/// Issue 13, point 9: one session holds at most 8 live streams.
#[tokio::test]
async fn a_ninth_stream_of_one_session_closes_the_oldest() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let mut streams = Vec::new();
    for _ in 0..9 {
        let mut stream = app.stream(&moa, None).await;
        next_update(&mut stream).await;
        streams.push(stream);
    }
    assert!(streams[0].ends_within(PROMPTLY).await, "the oldest stream is closed");
    for (n, stream) in streams.iter_mut().enumerate().skip(1) {
        assert!(!stream.ends_within(Duration::from_millis(50)).await, "stream {n} stays open");
    }
    // The newest eight still get updates.
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let id = app.start(&doctor, 1001, "Hello", true).await;
    app.patient_reply(id, "Question").await.unwrap();
    for stream in streams.iter_mut().skip(1) {
        assert_eq!(next_update(stream).await.data["changed"], json!([id]));
    }
}
