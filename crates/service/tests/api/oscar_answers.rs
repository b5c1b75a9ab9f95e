//! Oscar's answers are never misread (issue 13, point 10): CXF's "No service
//! was found." is the REST module being off, not an empty result; classic's
//! 500 for an unknown patient; a Save to chart whose answer was lost; a hung
//! Oscar; and which addresses the service agrees to call.
//! See: issue 13.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use oscar_sim::clinic::Variant;
use serde_json::json;

use crate::common::{assert_error, TestApp};
use crate::oscar::{clinic, connected};

async fn faults(sim: &crate::sim::Sim, settings: serde_json::Value) {
    sim.control(reqwest::Method::POST, "faults", Some(settings)).await;
}

async fn notes(sim: &crate::sim::Sim, demographic_no: u32) -> usize {
    sim.control(reqwest::Method::GET, &format!("notes/{demographic_no}"), None).await.as_array().unwrap().len()
}

#[tokio::test]
async fn the_rest_module_off_is_explained_shown_on_the_connection_and_never_cached() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;
    let id = app.start(&moa, 1001, "Please book a follow-up.", true).await;
    let day = format!("/api/schedule?date={}&provider=100001", sim.today);

    faults(&sim, json!({ "rest_module_off": true })).await;
    let (status, body) = app.get(&day, &moa).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_rest_module_off");
    assert!(body["message"].as_str().unwrap().contains("ModuleNames=REST"), "{body}");
    let (status, body) = app.post(&format!("/api/conversations/{id}/chart"), &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_rest_module_off");
    assert!(body["message"].as_str().unwrap().contains("restart Tomcat"), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM chart_notes").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM chart_note_attempts").await, 0, "Oscar answered: nothing pending");
    let (_, conn) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(conn["state"], "connected", "the token still works once the module is back");
    assert!(conn["problem"].as_str().unwrap().contains("ModuleNames=REST"), "{conn}");

    faults(&sim, json!({})).await;
    let (status, day) = app.get(&day, &moa).await;
    assert_eq!(status, StatusCode::OK, "{day}");
    assert!(!day["appointments"].as_array().unwrap().is_empty(), "no empty day was cached");
    let (_, conn) = app.get("/api/oscar/connection", &admin).await;
    assert!(conn["problem"].is_null(), "a call that works clears the problem: {conn}");
    let (status, saved) = app.post(&format!("/api/conversations/{id}/chart"), &moa, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
}

#[tokio::test]
async fn connecting_to_an_oscar_without_its_rest_module_tells_the_admin() {
    let app = TestApp::new().await;
    let (admin, _) = clinic(&app).await;
    let sim = crate::sim::Sim::start(Variant::Classic).await;
    let (key, secret) = sim.rest_client(crate::oscar::REGISTERED_URI, -1).await;
    faults(&sim, json!({ "rest_module_off": true })).await;
    let (status, body) = crate::oscar::connect(&app, &sim, &admin, &key, &secret).await;
    assert_error(status, &body, StatusCode::BAD_GATEWAY, "oscar_rest_module_off");
    let (_, conn) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(conn["state"], "not_connected");
}

#[tokio::test]
async fn a_patient_classic_oscar_does_not_know_is_refused() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let _sim = connected(&app, &admin, Variant::Classic).await;
    let (status, body) = app.post("/api/patients/4242/refresh", &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_in_oscar");
    assert!(body["message"].as_str().unwrap().contains("4242"), "{body}");

    let (status, body) = app
        .post(
            "/api/conversations",
            &moa,
            json!({
                "patient": {"demographic_no": 4242, "name": {"last": "NOBODY", "first": "N"}},
                "message": {"body": "Hello", "allow_replies": true, "idempotency_key": "k-4242"}
            }),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_in_oscar");
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM patients").await, 0);
}

#[tokio::test]
async fn the_name_oscar_gave_is_not_replaced_by_the_pages() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let _sim = connected(&app, &admin, Variant::Classic).await;
    // The schedule cuts names short; Oscar's record has them whole.
    app.start_with(&moa, 1001, ("BERGSTROM", "E"), "Hello", true).await;
    app.start_with(&moa, 1001, ("BERGSTROM", "E"), "Again", true).await;
    let (_, patient) = app.get("/api/patients/1001", &moa).await;
    assert_eq!((patient["first_name"].as_str(), patient["last_name"].as_str()), (Some("Elin"), Some("Bergstrom")));
}

#[tokio::test]
async fn a_save_to_chart_whose_answer_was_lost_is_never_written_twice() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;
    let id = app.start(&moa, 1001, "Please book a follow-up.", true).await;
    let chart = format!("/api/conversations/{id}/chart");

    // Oscar saves the note, then answers after the service gave up (1.5 s).
    faults(&sim, json!({ "delay_after_ms": 2500 })).await;
    let (status, body) = app.post(&chart, &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::GATEWAY_TIMEOUT, "chart_save_uncertain");
    assert!(body["message"].as_str().unwrap().contains("Check the chart"), "{body}");
    assert_eq!(notes(&sim, 1001).await, 1, "Oscar did save it");

    faults(&sim, json!({})).await;
    let (status, body) = app.post(&chart, &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::CONFLICT, "chart_save_uncertain");
    assert_eq!(notes(&sim, 1001).await, 1, "the retry wrote nothing");
    assert_eq!(app.count("SELECT COUNT(*) FROM chart_notes").await, 0);

    // A new message makes a new transcript, saved once; saving it again answers the same.
    app.patient_reply(id, "Booked for Tuesday.").await.unwrap();
    let (status, first) = app.post(&chart, &moa, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again) = app.post(&chart, &moa, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, first);
    assert_eq!(notes(&sim, 1001).await, 2);
    let text = sim.control(reqwest::Method::GET, "notes/1001", None).await[1]["note"].as_str().unwrap().to_owned();
    assert!(text.contains(&format!("Cortico conversation {id}")), "{text}");
}

#[tokio::test]
async fn a_hung_oscar_gets_a_clear_error_within_the_timeout_and_nothing_is_cached() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;
    let day = format!("/api/schedule?date={}&provider=100001", sim.today);
    faults(&sim, json!({ "hang": true })).await;

    let started = Instant::now();
    let (status, body) = app.get(&day, &moa).await;
    assert_error(status, &body, StatusCode::GATEWAY_TIMEOUT, "oscar_unreachable");
    assert!(started.elapsed() < Duration::from_secs(4), "answered within the timeout");
    let (status, body) = app.post("/api/patients/1001/refresh", &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::GATEWAY_TIMEOUT, "oscar_unreachable");
    assert_eq!(app.count("SELECT COUNT(*) FROM patients").await, 0);

    faults(&sim, json!({})).await;
    let (status, day) = app.get(&day, &moa).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!day["appointments"].as_array().unwrap().is_empty(), "the failure was not cached as an empty day");
}

#[tokio::test]
async fn refused_hung_and_tls_failures_look_the_same_to_the_caller() {
    let app = TestApp::new().await;
    let (admin, _) = clinic(&app).await;
    let sim = crate::sim::Sim::start(Variant::Classic).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    // Accepts connections (the kernel's backlog) and never answers.
    let hung = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hung_addr = hung.local_addr().unwrap();
    let plain = sim.root.trim_start_matches("http://");
    let mut messages = Vec::new();
    for base in
        [format!("http://{closed}/oscar"), format!("http://{hung_addr}/oscar"), format!("https://{plain}/oscar")]
    {
        let body = json!({ "base_url": base, "client_key": "k", "client_secret": "s" });
        let (status, body) = app.call(Method::PUT, "/api/oscar/connection", Some(&admin.token), Some(body)).await;
        assert_error(status, &body, StatusCode::GATEWAY_TIMEOUT, "oscar_unreachable");
        messages.push(body["message"].as_str().unwrap().to_owned());
    }
    assert!(messages.iter().all(|m| m == &messages[0]), "{messages:?}");
    assert!(messages[0].starts_with("Oscar did not answer."), "no port or TLS detail: {messages:?}");
    drop(hung);
}

#[tokio::test]
async fn oscar_must_be_https_unless_loopback_and_private_networks_need_the_operator() {
    let app = TestApp::new().await;
    let (admin, _) = clinic(&app).await;
    for (base, why) in [
        ("http://emr.clinic.example/oscar", "https"),
        ("http://localhost.evil.test/oscar", "https"),
        ("https://10.0.0.5/oscar", "private network"),
        ("https://192.168.1.20/oscar", "private network"),
        ("https://[fd12::1]/oscar", "private network"),
    ] {
        let body = json!({ "base_url": base, "client_key": "k", "client_secret": "s" });
        let (status, body) = app.call(Method::PUT, "/api/oscar/connection", Some(&admin.token), Some(body)).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
        assert!(body["message"].as_str().unwrap().contains(why), "{base}: {body}");
    }
    let (_, conn) = app.get("/api/oscar/connection", &admin).await;
    assert_eq!(conn["state"], "not_connected");

    // With the operator's flag, a private address is tried (and here, nobody answers).
    let allowed = TestApp::with(|c| c.oscar_private_network = true).await;
    let (admin, _) = clinic(&allowed).await;
    let body = json!({ "base_url": "https://10.255.255.1/oscar", "client_key": "k", "client_secret": "s" });
    let (status, body) = allowed.call(Method::PUT, "/api/oscar/connection", Some(&admin.token), Some(body)).await;
    assert_error(status, &body, StatusCode::GATEWAY_TIMEOUT, "oscar_unreachable");
}
