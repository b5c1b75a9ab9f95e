//! Who may change a patient's contact and identity details, and what a
//! change does (issue 13, point 5): with Oscar connected they come from
//! Oscar only; otherwise only the roles the README names set them; every
//! change is audited, tells the previous email address and ends the
//! patient's portal sessions. Refresh from Oscar and Save to chart are
//! rate-limited per user. See: issue 13.

use axum::http::StatusCode;
use cortico_protocol::api::Role;
use cortico_service::args;
use oscar_sim::clinic::Variant;
use serde_json::{json, Value};

use crate::common::{assert_error, TestApp, User};
use crate::oscar::{clinic, connected};

fn jane() -> Value {
    json!({
        "first_name": "Jane", "last_name": "Smith", "email": "jane@example.com",
        "health_card_number": "1234567890AB", "date_of_birth": "1980-02-03"
    })
}

/// A portal session of the patient, as the identity check makes one.
async fn portal_session(app: &TestApp, demographic_no: i64) {
    app.state
        .db
        .write(move |w| {
            Box::pin(async move {
                let id: i64 =
                    w.scalar("SELECT id FROM patients WHERE demographic_no = $1", args![demographic_no]).await?;
                w.execute(
                    "INSERT INTO patient_sessions (token_hash, patient_id, created_at, last_used_at, expires_at)
                     VALUES ($1, $2, 0, 0, $3)",
                    args![vec![7u8; 32], id, i64::MAX],
                )
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

async fn doctor(app: &TestApp, clinic_id: i64) -> User {
    app.user(clinic_id, "dr@c.example", Role::Doctor).await
}

#[tokio::test]
async fn with_oscar_connected_contact_and_identity_details_come_from_oscar_only() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let _sim = connected(&app, &admin, Variant::Classic).await;
    app.start(&moa, 1001, "Hello", true).await;
    let (_, before) = app.get("/api/patients/1001", &moa).await;
    for field in [
        json!({"email": "someone-else@example.com"}),
        json!({"phone": "416-555-0000"}),
        json!({"health_card_number": "9876543210"}),
        json!({"date_of_birth": "1990-01-01"}),
    ] {
        let (status, body) = app.post("/api/patients/1001/details", &admin, field.clone()).await;
        assert_error(status, &body, StatusCode::CONFLICT, "oscar_managed");
        assert!(body["message"].as_str().unwrap().contains("Refresh from Oscar"), "{field}: {body}");
    }
    let (_, after) = app.get("/api/patients/1001", &moa).await;
    assert_eq!(after, before, "nothing changed");
}

#[tokio::test]
async fn identity_details_are_set_only_by_the_roles_the_readme_names() {
    let app = TestApp::new().await;
    let (_admin, moa) = clinic(&app).await;
    let doctor = doctor(&app, moa.clinic_id).await;
    let (status, body) = app.post("/api/patients/2001/details", &moa, jane()).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.count("SELECT COUNT(*) FROM patients").await, 0);
    let (status, body) = app
        .post(
            "/api/patients/2001/details",
            &moa,
            json!({"first_name": "Jane", "last_name": "Smith", "email": "jane@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "MOAs set contact details: {body}");
    let (status, body) = app.post("/api/patients/2001/details", &doctor, jane()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["can_verify_identity"], true);
}

#[tokio::test]
async fn a_change_is_audited_tells_the_previous_email_and_ends_portal_sessions() {
    let app = TestApp::new().await;
    let (admin, _) = clinic(&app).await;
    let doctor = doctor(&app, admin.clinic_id).await;
    let (status, _) = app.post("/api/patients/2001/details", &doctor, jane()).await;
    assert_eq!(status, StatusCode::OK);
    portal_session(&app, 2001).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications").await, 0, "a first value is no change");

    let (status, body) = app.post("/api/patients/2001/details", &doctor, json!({"email": "new@example.com"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "new@example.com");
    let told: (String, String) =
        sqlx::query_as("SELECT kind, recipient FROM notifications").fetch_one(app.state.db.read()).await.unwrap();
    assert_eq!(told, ("details_changed".to_owned(), "jane@example.com".to_owned()));
    assert_eq!(app.count("SELECT COUNT(*) FROM patient_sessions WHERE revoked_at IS NULL").await, 0);
    let log = app.audit(&admin, "").await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"patient.details_changed") && actions.contains(&"patient.update"), "{actions:?}");

    // Setting the same value again changes nothing and tells no one.
    app.post("/api/patients/2001/details", &doctor, json!({"email": "new@example.com"})).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications").await, 1);
}

#[tokio::test]
async fn unlocking_a_patient_is_audited() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let doctor = doctor(&app, admin.clinic_id).await;
    app.post("/api/patients/2001/details", &doctor, jane()).await;
    let (status, _) = app.post("/api/patients/2001/unlock", &moa, json!(null)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let log = app.audit(&admin, "").await;
    let unlock = log["items"].as_array().unwrap().iter().find(|e| e["action"] == "patient.unlock").cloned();
    assert_eq!(unlock.expect("audited")["actor"], "moa@c.example");
}

#[tokio::test]
async fn refresh_from_oscar_and_save_to_chart_are_rate_limited_per_user() {
    let app = TestApp::new().await;
    let (admin, moa) = clinic(&app).await;
    let sim = connected(&app, &admin, Variant::Classic).await;
    for _ in 0..20 {
        let (status, body) = app.post("/api/patients/1001/refresh", &moa, json!(null)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = app.post("/api/patients/1001/refresh", &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let (status, _) = app.post("/api/patients/1001/refresh", &admin, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "another user has their own limit");

    let id = app.start(&moa, 1001, "Hello", true).await;
    for _ in 0..10 {
        let (status, body) = app.post(&format!("/api/conversations/{id}/chart"), &moa, json!(null)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = app.post(&format!("/api/conversations/{id}/chart"), &moa, json!(null)).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let saved = sim.control(reqwest::Method::GET, "notes/1001", None).await;
    assert_eq!(saved.as_array().unwrap().len(), 1, "the same transcript was written once");
}
