//! Sign-in, sessions, lockout.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use cortico_protocol::api::Role;
use cortico_service::store::staff;
use http_body_util::BodyExt;
use serde_json::{json, Value};

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
    // Locked: the right password is refused exactly like a wrong one.
    let (wrong_status, wrong_body) = attempt("wrong password!").await;
    let (status, body) = attempt(PASSWORD).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!((status, &body), (wrong_status, &wrong_body), "a locked account reads like a wrong password");
    app.state.clock.advance(std::time::Duration::from_secs(15 * 60 + 1));
    assert_eq!(attempt(PASSWORD).await.0, StatusCode::OK);
}

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn wrong_password_unknown_clinic_and_unknown_email_get_the_same_401() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    app.user(clinic, "dr@clinic.example", Role::Doctor).await;
    let answers = [
        app.sign_in("medicalclinic", "dr@clinic.example", "not the password").await,
        app.sign_in("otherclinic", "dr@clinic.example", PASSWORD).await,
        app.sign_in("medicalclinic", "nobody@clinic.example", PASSWORD).await,
    ];
    for (status, body) in &answers {
        assert_error(*status, body, StatusCode::UNAUTHORIZED, "unauthorized");
        assert!(body.get("token").is_none());
    }
    assert_eq!(answers[0].1, answers[1].1, "unknown clinic reads like a wrong password");
    assert_eq!(answers[0].1, answers[2].1, "unknown email reads like a wrong password");
}

#[tokio::test]
async fn failed_sign_ins_spread_over_more_than_fifteen_minutes_do_not_lock() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    app.user(clinic, "dr@clinic.example", Role::Doctor).await;
    // Nine failures, a 16-minute pause, nine more: never ten within 15 minutes.
    for round in 0..2 {
        for _ in 0..9 {
            let (status, _) = app.sign_in("medicalclinic", "dr@clinic.example", "wrong!").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "round {round}");
        }
        app.advance(16 * MINUTE);
    }
    let (status, body) = app.sign_in("medicalclinic", "dr@clinic.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn ten_failed_sign_ins_inside_any_fifteen_minutes_lock_the_account() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    app.user(clinic, "dr@clinic.example", Role::Doctor).await;
    let wrong = || app.sign_in("medicalclinic", "dr@clinic.example", "wrong!");
    // One failure, then nine more about a quarter of an hour later, spread
    // over two minutes: ten failures within 15 minutes of each other.
    assert_eq!(wrong().await.0, StatusCode::UNAUTHORIZED);
    app.advance(14 * MINUTE);
    for _ in 0..5 {
        assert_eq!(wrong().await.0, StatusCode::UNAUTHORIZED);
    }
    app.advance(2 * MINUTE);
    for _ in 0..5 {
        assert_eq!(wrong().await.0, StatusCode::UNAUTHORIZED);
    }
    // The last ten failures all fell within two minutes.
    let (status, body) = app.sign_in("medicalclinic", "dr@clinic.example", PASSWORD).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_its_token_stops_working() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@clinic.example", Role::Moa).await;
    assert_eq!(app.get("/api/me", &moa).await.0, StatusCode::OK);

    staff::set_disabled(&app.state.db, clinic, &moa.email, true, app.now()).await.unwrap();
    let (status, body) = app.get("/api/me", &moa).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = app.sign_in("medicalclinic", "moa@clinic.example", PASSWORD).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(body.get("token").is_none());

    // Enabling the account again does not bring the old session back.
    staff::set_disabled(&app.state.db, clinic, &moa.email, false, app.now()).await.unwrap();
    assert_eq!(app.get("/api/me", &moa).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = app.sign_in("medicalclinic", "moa@clinic.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_signed_out_token_is_401() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@clinic.example", Role::Moa).await;
    let other_session = app.user(clinic, "dr@clinic.example", Role::Doctor).await;
    let (status, _) = app.call(Method::POST, "/api/auth/sign-out", Some(&moa.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/api/conversations/triage", &moa).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    // Only that session ended.
    assert_eq!(app.get("/api/me", &other_session).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_token_unused_for_twelve_hours_expires_but_use_keeps_it_alive() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@clinic.example", Role::Moa).await;
    // Used just inside 12 hours, twice: a day after sign-in it still works.
    for _ in 0..2 {
        app.advance(11 * HOUR + 59 * MINUTE);
        assert_eq!(app.get("/api/me", &moa).await.0, StatusCode::OK);
        app.state.db.flush().await.unwrap();
    }
    app.advance(12 * HOUR + MINUTE);
    let (status, body) = app.get("/api/me", &moa).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn a_token_in_steady_use_expires_after_seven_days() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@clinic.example", Role::Moa).await;
    // Every four hours for 164 hours.
    for step in 0..41 {
        app.advance(4 * HOUR);
        let (status, _) = app.get("/api/me", &moa).await;
        assert_eq!(status, StatusCode::OK, "after {} hours", 4 * (step + 1));
        app.state.db.flush().await.unwrap();
    }
    app.advance(5 * HOUR); // 169 hours: past seven days
    let (status, body) = app.get("/api/me", &moa).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn missing_or_garbage_bearer_is_401_with_www_authenticate() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    app.user(clinic, "moa@clinic.example", Role::Moa).await;
    for authorization in
        [None, Some("Bearer not-a-real-token"), Some("Bearer "), Some("Basic bW9hOnBhc3N3b3Jk"), Some("garbage")]
    {
        let mut req = request(Method::GET, "/api/conversations/triage", None);
        if let Some(value) = authorization {
            req = req.header(header::AUTHORIZATION, value);
        }
        let res = app.response(req.body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(res.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let body: Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["code"], "unauthorized");
    }
}

#[tokio::test]
async fn more_than_thirty_sign_ins_from_one_address_in_five_minutes_are_429() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    app.user(clinic, "moa@clinic.example", Role::Moa).await;
    let office = [203, 0, 113, 7];
    let emails: Vec<String> = (0..30).map(|i| format!("user{i}@clinic.example")).collect();
    let attempts = emails.iter().map(|email| app.sign_in_from(office, "medicalclinic", email, "guess"));
    for (status, _) in futures::future::join_all(attempts).await {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The 31st is refused before the password is even looked at.
    let (status, body) = app.sign_in_from(office, "medicalclinic", "moa@clinic.example", PASSWORD).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Without a trusted proxy, a forged X-Forwarded-For does not get round it.
    let mut forged = request(Method::POST, "/api/auth/sign-in", None)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", "192.0.2.55")
        .body(Body::from(
            json!({"clinic": "medicalclinic", "email": "moa@clinic.example", "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    forged.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((office, 40001))));
    assert_eq!(app.send(forged).await.0, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let (status, _) = app.sign_in_from([198, 51, 100, 1], "medicalclinic", "moa@clinic.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // Five minutes later the office may try again.
    app.advance(5 * MINUTE + Duration::from_secs(1));
    let (status, body) = app.sign_in_from(office, "medicalclinic", "moa@clinic.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn resetting_a_password_ends_sessions_and_only_the_new_password_works() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let dr = app.user(clinic, "dr@clinic.example", Role::Doctor).await;
    staff::reset_password(&app.state.db, clinic, "dr@clinic.example", "a brand new passphrase".into(), app.now())
        .await
        .unwrap();
    let (status, body) = app.get("/api/me", &dr).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(app.sign_in("medicalclinic", "dr@clinic.example", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = app.sign_in("medicalclinic", "dr@clinic.example", "a brand new passphrase").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn doctors_open_on_mine_and_moas_and_admins_on_triage() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    for (email, role, tab) in [
        ("dr@clinic.example", Role::Doctor, "mine"),
        ("moa@clinic.example", Role::Moa, "triage"),
        ("admin@clinic.example", Role::Admin, "triage"),
    ] {
        let user = app.user(clinic, email, role).await;
        let (status, me) = app.get("/api/me", &user).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["default_tab"], tab, "{email}");
        assert_eq!(me["role"], role.as_str());
    }
}

/// Issue 13, point 9: password hashing runs a few at a time; a burst of
/// sign-ins queues, and every one still gets its right answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_concurrent_sign_ins_all_get_their_right_answer() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let emails: Vec<String> = (0..12).map(|i| format!("staff{i}@clinic.example")).collect();
    for email in &emails {
        app.user(clinic, email, Role::Moa).await;
    }
    let app = &app;
    let attempts = emails.iter().enumerate().map(|(i, email)| {
        let password = if i % 3 == 0 { "not the password" } else { PASSWORD };
        async move { (i, app.sign_in_from([198, 51, 100, i as u8], "medicalclinic", email, password).await) }
    });
    for (i, (status, body)) in futures::future::join_all(attempts).await {
        if i % 3 == 0 {
            assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
        } else {
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["me"]["email"], emails[i]);
            let token = body["token"].as_str().unwrap();
            assert_eq!(app.call(Method::GET, "/api/me", Some(token), None).await.1["email"], emails[i]);
        }
    }
}
