//! The Oscar connector against a running Oscar simulator (real HTTP on
//! loopback): the three-legged OAuth flow driven like an admin's browser,
//! then patient details, the day's appointments and Save to chart; and every
//! way it can fail.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use cortico_protocol::api::Role;
use oscar_sim::clinic::Variant;
use serde_json::{json, Value};

use crate::common::{assert_error, TestApp, User};
use crate::sim::Sim;

/// The service's callback as the harness configures it (public URL
/// `http://127.0.0.1:8470`).
pub(crate) const REGISTERED_URI: &str = "http://127.0.0.1:8470/oscar";

/// A clinic with an admin and an MOA.
pub(crate) async fn clinic(app: &TestApp) -> (User, User) {
    let clinic = app.clinic("lakeshore").await;
    (app.user(clinic, "admin@c.example", Role::Admin).await, app.user(clinic, "moa@c.example", Role::Moa).await)
}

/// The callback as the browser follows it: path and query on the service.
async fn follow(app: &TestApp, location: &str) -> (StatusCode, String) {
    let path = location.strip_prefix("http://127.0.0.1:8470").expect("the callback is the service's");
    let res =
        app.response(crate::common::request(Method::GET, path, None).body(axum::body::Body::empty()).unwrap()).await;
    let status = res.status();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

pub(crate) async fn connect(app: &TestApp, sim: &Sim, admin: &User, key: &str, secret: &str) -> (StatusCode, Value) {
    let body = json!({ "base_url": format!("{}/provider/providercontrol.jsp", sim.base), "client_key": key, "client_secret": secret });
    app.call(Method::PUT, "/api/oscar/connection", Some(&admin.token), Some(body)).await
}

/// Connects the clinic through the whole flow; returns the sim.
pub(crate) async fn connected(app: &TestApp, admin: &User, variant: Variant) -> Sim {
    let sim = Sim::start(variant).await;
    let (key, secret) = sim.rest_client(REGISTERED_URI, -1).await;
    let (status, body) = connect(app, &sim, admin, &key, &secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let location = sim.authorize(body["authorize_url"].as_str().unwrap(), "allow").await;
    let (status, page) = follow(app, &location).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    sim
}

#[tokio::test]
async fn the_three_legged_flow_connects_as_the_authorising_provider() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let (_, before) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(before["state"], "not_connected");
    assert_eq!(before["callback_uri"], "http://127.0.0.1:8470/oscar/callback");

    let sim = Sim::start(Variant::Classic).await;
    let (key, secret) = sim.rest_client(REGISTERED_URI, -1).await;
    let (status, body) = connect(&app, &sim, &admin, &key, &secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["authorize_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/ws/oauth/authorize?oauth_token=", sim.base)), "{url}");
    let (_, waiting) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(waiting["state"], "authorizing");
    assert_eq!(waiting["base_url"], sim.base, "the page address was cut back to Oscar's base URL");

    let location = sim.authorize(url, "allow").await;
    assert!(location.contains("oauth_verifier="));
    let (status, page) = follow(&app, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Connected as") && page.contains("Helen Marchetti"), "{page}");

    let (_, after) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(after["state"], "connected");
    assert_eq!(after["provider_name"], "Helen Marchetti");
    assert!(after.get("client_secret").is_none(), "the secret never leaves the service");
    let tokens = sim.control(reqwest::Method::GET, "access-tokens", None).await;
    assert_eq!(tokens.as_array().unwrap().len(), 1);
    assert_eq!(tokens[0]["provider_no"], "100001");

    // The credentials are sealed at rest: neither the secret nor the token is in the database file.
    app.state.db.flush().await.unwrap();
    let (db, wal) = if app.on_postgres() {
        // Every column of the stored row, as Postgres prints it (bytes in hex and as text).
        let (row, a, b, c): (String, Vec<u8>, Vec<u8>, Vec<u8>) = sqlx::query_as(
            "SELECT CAST(c.* AS TEXT), client_secret, access_token, access_secret FROM oscar_connections c",
        )
        .fetch_one(app.state.db.read())
        .await
        .unwrap();
        (row.into_bytes(), [a, b, c].concat())
    } else {
        let db = std::fs::read(app.dir.path().join("cortico.db")).unwrap();
        (db, std::fs::read(app.dir.path().join("cortico.db-wal")).unwrap_or_default())
    };
    for needle in [secret.as_str(), tokens[0]["token"].as_str().unwrap()] {
        let found = |bytes: &[u8]| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!found(&db) && !found(&wal), "a credential is stored in clear");
    }

    // Only admins see or change the connection; the callback cannot be replayed.
    let (status, body) = app.get("/api/oscar/connection", &moa).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, page) = follow(&app, &location).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("already used"), "{page}");
}

#[tokio::test]
async fn starting_a_conversation_reads_the_patient_from_oscar() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let _sim = connected(&app, &admin, Variant::Classic).await;
    let (_, before) = app.get("/api/patients/1001", &moa).await;
    assert_eq!(before["code"], "not_found", "the service knows nothing of the patient yet");
    app.start_with(&moa, 1001, ("BERGSTROM", "ELIN"), "Your results are in.", true).await;
    let (status, patient) = app.get("/api/patients/1001", &moa).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patient["email"], "elin.bergstrom@example.com", "the email came from Oscar");
    assert_eq!(patient["first_name"], "Elin");
    assert_eq!(patient["can_verify_identity"], true, "health card number and date of birth were stored as hashes");
    let sent = app.count("SELECT COUNT(*) FROM notifications").await;
    assert_eq!(sent, 1, "with an email on file the patient is notified");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'patient.read_from_oscar'").await, 1);
}

#[tokio::test]
async fn the_day_shows_unread_counts_next_to_each_patients_appointment() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;
    let date = sim.today.to_string();
    let (status, day) = app.get(&format!("/api/schedule?date={date}&provider=100001"), &moa).await;
    assert_eq!(status, StatusCode::OK, "{day}");
    let appointments = day["appointments"].as_array().unwrap().clone();
    let patient = appointments.iter().find(|a| a["demographic_no"] != 0).expect("a patient appointment").clone();
    assert!(appointments.iter().all(|a| a["unread"] == 0));
    let demographic_no = patient["demographic_no"].as_u64().unwrap() as u32;

    let id = app.start(&moa, demographic_no, "How are you feeling?", true).await;
    app.patient_reply(id, "Much better, thanks.").await.unwrap();
    let (_, day) = app.get(&format!("/api/schedule?date={date}&provider=100001"), &moa).await;
    let row = day["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appointment_no"] == patient["appointment_no"])
        .unwrap()
        .clone();
    assert_eq!(row["unread"], 1, "the patient's reply shows next to the appointment");

    // The connected provider's own day when no provider is given; bad input is refused.
    let (status, own) = app.get(&format!("/api/schedule?date={date}"), &moa).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["appointments"], day["appointments"]);
    let (status, body) = app.get("/api/schedule?date=23/11/2026", &moa).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn save_to_chart_posts_an_unsigned_email_encounter_note() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;
    let id = app.start(&moa, 1001, "Please book a follow-up.", true).await;
    app.patient_reply(id, "Booked for Tuesday.").await.unwrap();
    let (status, saved) = app.post(&format!("/api/conversations/{id}/chart"), &moa, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["messages"], 2);
    assert!(saved["note_id"].is_string());
    let notes = sim.control(reqwest::Method::GET, "notes/1001", None).await;
    let note = notes.as_array().unwrap().last().unwrap();
    assert_eq!(note["isSigned"], false);
    assert_eq!(note["encounterType"], "email encounter with client");
    let text = note["note"].as_str().unwrap();
    assert!(text.contains("Please book a follow-up.") && text.contains("Booked for Tuesday."), "{text}");
    assert!(text.contains("(patient)"));
    assert_eq!(app.count("SELECT COUNT(*) FROM chart_notes").await, 1);

    // Another clinic's conversation is not found and nothing reaches Oscar.
    let other = app.clinic("elsewhere").await;
    let stranger = app.user(other, "x@o.example", Role::Moa).await;
    let (status, body) = app.post(&format!("/api/conversations/{id}/chart"), &stranger, json!(null)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(sim.control(reqwest::Method::GET, "notes/1001", None).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_open_o_dialect_works_too() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::OpenO).await;
    app.start(&moa, 1002, "Hello", false).await;
    let (_, patient) = app.get("/api/patients/1002", &moa).await;
    assert!(patient["email"].is_string(), "{patient}");
    assert_eq!(patient["can_verify_identity"], true);
    let (status, day) = app.get(&format!("/api/schedule?date={}&provider=100001", sim.today), &moa).await;
    assert_eq!(status, StatusCode::OK, "{day}");
    assert!(!day["appointments"].as_array().unwrap().is_empty(), "Open-O's bare array is read");
}

#[tokio::test]
async fn wrong_credentials_unregistered_callbacks_and_a_down_oscar_are_explained() {
    let app = TestApp::new().await;
    let (admin, _) = clinic(&app).await;
    let sim = Sim::start(Variant::Classic).await;
    let (key, secret) = sim.rest_client(REGISTERED_URI, -1).await;

    let (status, body) = connect(&app, &sim, &admin, &key, "not-the-secret").await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_refused");
    let (status, body) = connect(&app, &sim, &admin, "nosuchkey0000000", &secret).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_refused");

    let (other_key, other_secret) = sim.rest_client("https://somewhere-else.example/", -1).await;
    let (status, body) = connect(&app, &sim, &admin, &other_key, &other_secret).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "oscar_callback_rejected");
    assert!(body["message"].as_str().unwrap().contains("http://127.0.0.1:8470/oscar/callback"));

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let body = json!({ "base_url": format!("http://{closed}/oscar"), "client_key": key, "client_secret": secret });
    let (status, body) = app.call(Method::PUT, "/api/oscar/connection", Some(&admin.token), Some(body)).await;
    assert_error(status, &body, StatusCode::GATEWAY_TIMEOUT, "oscar_unreachable");

    let (status, body) = app
        .call(
            Method::PUT,
            "/api/oscar/connection",
            Some(&admin.token),
            Some(json!({ "base_url": "emr", "client_key": "k" })),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (_, state) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(state["state"], "not_connected", "failed attempts store nothing");
}

#[tokio::test]
async fn a_denied_authorisation_leaves_the_clinic_unconnected_and_says_why() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = Sim::start(Variant::Classic).await;
    let (key, secret) = sim.rest_client(REGISTERED_URI, -1).await;
    let (_, body) = connect(&app, &sim, &admin, &key, &secret).await;
    let location = sim.authorize(body["authorize_url"].as_str().unwrap(), "deny").await;
    let (status, page) = follow(&app, &location).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("denied"), "{page}");
    let (_, state) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(state["state"], "broken");
    assert!(state["problem"].as_str().unwrap().contains("denied"));
    let (status, body) = app.get("/api/schedule", &moa).await;
    assert_error(status, &body, StatusCode::CONFLICT, "oscar_not_connected");

    // Re-authorising keeps the saved secret of the same client.
    let body = json!({ "base_url": sim.base, "client_key": key });
    let (status, again) = app.call(Method::PUT, "/api/oscar/connection", Some(&admin.token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let location = sim.authorize(again["authorize_url"].as_str().unwrap(), "allow").await;
    assert_eq!(follow(&app, &location).await.0, StatusCode::OK);
    let (_, state) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(state["state"], "connected");
}

#[tokio::test]
async fn a_revoked_token_breaks_the_connection_without_losing_the_message() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;
    let tokens = sim.control(reqwest::Method::GET, "access-tokens", None).await;
    let token = tokens[0]["token"].as_str().unwrap();
    sim.control(reqwest::Method::DELETE, &format!("access-tokens/{token}"), None).await;

    let (status, body) = app.get("/api/schedule", &moa).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_refused");
    let (_, state) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(state["state"], "broken");
    assert!(state["problem"].as_str().unwrap().contains("connect Oscar again"));
    // No retry with another signing variant: exactly one refused call reached Oscar.
    let (status, body) = app.get("/api/schedule", &moa).await;
    assert_error(status, &body, StatusCode::CONFLICT, "oscar_not_connected");

    // Staff can still write to the patient; the message is kept.
    let id = app.start(&moa, 1003, "Still reachable.", true).await;
    assert!(id > 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test]
async fn clock_skew_makes_oscar_drop_the_token_and_admins_are_told_to_check_clocks() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;
    app.advance(Duration::from_secs(10 * 60));
    let (status, body) = app.get("/api/schedule", &moa).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_refused");
    assert!(sim.control(reqwest::Method::GET, "access-tokens", None).await.as_array().unwrap().is_empty());
    let (_, state) = app.get("/api/oscar/connection", &admin).await;
    assert!(state["problem"].as_str().unwrap().contains("clock"));
}

#[tokio::test]
async fn a_slow_or_garbled_oscar_gives_clear_errors_and_changes_nothing() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;

    sim.control(reqwest::Method::POST, "faults", Some(json!({ "malformed_json": true }))).await;
    let (status, body) = app.get("/api/schedule", &moa).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_bad_response");
    let (status, body) = app.post("/api/patients/1004/refresh", &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_bad_response");
    assert_eq!(app.count("SELECT COUNT(*) FROM patients").await, 0, "no half-written patient");

    // A first message still goes out, with the name the plug-in read.
    let id = app.start(&moa, 1004, "Hello", true).await;
    assert!(id > 0);

    sim.control(reqwest::Method::POST, "faults", Some(json!({ "delay_ms": 3000 }))).await;
    let (status, body) = app.get("/api/schedule", &moa).await;
    assert_error(status, &body, StatusCode::GATEWAY_TIMEOUT, "oscar_unreachable");

    sim.control(reqwest::Method::POST, "faults", Some(json!({ "status": 503 }))).await;
    let (status, body) = app.post(&format!("/api/conversations/{id}/chart"), &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_error");
    assert_eq!(app.count("SELECT COUNT(*) FROM chart_notes").await, 0, "a failed save is not recorded");

    sim.control(reqwest::Method::POST, "faults", Some(json!({}))).await;
    let (_, state) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(state["state"], "connected", "errors other than a refusal keep the connection");
    let (status, _) = app.post("/api/patients/1004/refresh", &moa, json!(null)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_expiring_token_lifetime_zero_is_reported_as_broken() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = Sim::start(Variant::Classic).await;
    let (key, secret) = sim.rest_client(REGISTERED_URI, 0).await;
    let (_, body) = connect(&app, &sim, &admin, &key, &secret).await;
    let location = sim.authorize(body["authorize_url"].as_str().unwrap(), "allow").await;
    follow(&app, &location).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = app.get("/api/schedule", &moa).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_refused");
    let (_, state) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(state["state"], "broken");
}
