//! Sign-in, sessions, lockout.

use axum::http::{Method, StatusCode};
use cortico_protocol::api::Role;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn sign_in_returns_a_token_that_identifies_the_user() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    app.user(clinic, "moa@clinic.example", Role::Moa).await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/auth/sign-in",
            None,
            Some(json!({"clinic": "MedicalClinic", "email": "MOA@clinic.example", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["me"]["role"], "moa");
    assert_eq!(body["me"]["default_tab"], "triage");
    let token = body["token"].as_str().unwrap();
    let (status, me) = app.call(Method::GET, "/api/me", Some(token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "moa@clinic.example");
    assert_eq!(me["clinic"]["slug"], "medicalclinic");
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    app.user(clinic, "dr@clinic.example", Role::Doctor).await;
    let attempt = |password: &'static str| {
        app.call(
            Method::POST,
            "/api/auth/sign-in",
            None,
            Some(json!({"clinic": "medicalclinic", "email": "dr@clinic.example", "password": password})),
        )
    };
    for _ in 0..10 {
        assert_eq!(attempt("wrong password!").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = attempt(PASSWORD).await;
    assert_eq!(status, StatusCode::LOCKED, "{body}");
    assert_eq!(body["code"], "account_locked");
    app.state
        .clock
        .advance(std::time::Duration::from_secs(15 * 60 + 1));
    assert_eq!(attempt(PASSWORD).await.0, StatusCode::OK);
}
