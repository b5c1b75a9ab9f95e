//! The clinic's Oscar origins, where the browser plug-in may run: the Oscar
//! connection's, plus the ones administrators add. Anything else (another
//! clinic's, a look-alike, plain http on the network) never gets listed.

use axum::http::{Method, StatusCode};
use cortico_protocol::api::Role;
use oscar_sim::clinic::Variant;
use serde_json::{json, Value};

use crate::common::*;
use crate::sim::Sim;

fn origins(list: &Value) -> Vec<(String, String)> {
    list["origins"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| (o["origin"].as_str().unwrap().to_owned(), o["source"].as_str().unwrap().to_owned()))
        .collect()
}

async fn change(app: &TestApp, method: Method, user: &User, origin: &str) -> (StatusCode, Value) {
    app.call(method, "/api/clinic/origins", Some(&user.token), Some(json!({ "origin": origin }))).await
}

#[tokio::test]
async fn administrators_add_and_remove_origins_and_every_colleague_sees_them() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let admin = app.user(clinic, "admin@c.example", Role::Admin).await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let (status, list) = app.get("/api/clinic/origins", &doctor).await;
    assert_eq!(status, StatusCode::OK);
    assert!(origins(&list).is_empty(), "a new clinic has none: {list}");

    let (status, list) = change(&app, Method::POST, &admin, " https://EMR2.Clinic.example:8443/ ").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let expected = vec![("https://emr2.clinic.example:8443".to_owned(), "added".to_owned())];
    assert_eq!(origins(&list), expected, "written as browsers write origins");
    let (status, again) = change(&app, Method::POST, &admin, "https://emr2.clinic.example:8443").await;
    assert_eq!((status, origins(&again)), (StatusCode::OK, expected.clone()), "adding twice changes nothing");
    let (_, seen) = app.get("/api/clinic/origins", &doctor).await;
    assert_eq!(origins(&seen), expected);

    let (status, _) = change(&app, Method::DELETE, &admin, "https://emr2.clinic.example:8443").await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = app.get("/api/clinic/origins", &doctor).await;
    assert!(origins(&seen).is_empty());
    let (status, body) = change(&app, Method::DELETE, &admin, "https://emr2.clinic.example:8443").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");

    let audit = app.audit(&admin, "").await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "clinic.origin_added").count(), 1, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "clinic.origin_removed").count(), 1, "{actions:?}");
}

#[tokio::test]
async fn only_administrators_change_origins_and_bad_ones_change_nothing() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let admin = app.user(clinic, "admin@c.example", Role::Admin).await;
    for role in [Role::Doctor, Role::Moa] {
        let user = app.user(clinic, &format!("{}@c.example", role.as_str()), role).await;
        let (status, body) = change(&app, Method::POST, &user, "https://evil.test").await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    for bad in [
        "http://emr.clinic.example",
        "http://localhost.evil.test:8480",
        "https://emr.clinic.example/oscar/provider",
        "https://user:secret@emr.clinic.example",
        "javascript:alert(1)",
        "emr.clinic.example",
    ] {
        let (status, body) = change(&app, Method::POST, &admin, bad).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    }
    let (status, _) = app.call(Method::GET, "/api/clinic/origins", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, list) = app.get("/api/clinic/origins", &admin).await;
    assert!(origins(&list).is_empty(), "nothing was stored: {list}");
}

#[tokio::test]
async fn the_oscar_connection_counts_and_another_clinic_sees_none_of_it() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let other = app.clinic("otherclinic").await;
    let admin = app.user(clinic, "admin@c.example", Role::Admin).await;
    let outsider = app.user(other, "admin@o.example", Role::Admin).await;
    let sim = Sim::start(Variant::Classic).await;
    let (key, secret) = sim.rest_client("http://127.0.0.1:8470/oscar", -1).await;
    let body = json!({ "base_url": format!("{}/provider/providercontrol.jsp", sim.base), "client_key": key, "client_secret": secret });
    let (status, answer) = app.call(Method::PUT, "/api/oscar/connection", Some(&admin.token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _) = change(&app, Method::POST, &admin, "https://hosted.clinic.example").await;
    assert_eq!(status, StatusCode::OK);

    let sim_origin = url::Url::parse(&sim.base).unwrap().origin().ascii_serialization();
    let (_, list) = app.get("/api/clinic/origins", &admin).await;
    assert_eq!(
        origins(&list),
        vec![
            (sim_origin, "oscar_connection".to_owned()),
            ("https://hosted.clinic.example".to_owned(), "added".to_owned())
        ]
    );
    let (_, theirs) = app.get("/api/clinic/origins", &outsider).await;
    assert!(origins(&theirs).is_empty(), "another clinic's origins never show: {theirs}");
    let (status, body) = change(&app, Method::DELETE, &outsider, "https://hosted.clinic.example").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}
