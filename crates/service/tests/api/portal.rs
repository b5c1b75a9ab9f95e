//! The patient portal's defences (issue 13, points 6, 7 and 9): forms from
//! other sites, sandboxed downloads, the identity check's code bound to one
//! browser and one newest code, answers that do not tell right details from
//! wrong, failures per link and per patient, and capped form bodies.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use bytes::Bytes;
use cortico_protocol::api::Role;
use futures::StreamExt;
use serde_json::json;

use crate::common::*;
use crate::portal_common::*;

async fn messages_in(app: &TestApp, conversation: i64) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM messages WHERE conversation_id = {conversation}")).await
}

/// Posts a reply from `browser`.
async fn reply(app: &TestApp, browser: &Browser, conversation: i64, text: &str) -> Page {
    let (content_type, body) = multipart(&[("key", &cortico_service::crypto::new_token()), ("body", text)]);
    let mut browser = browser.clone();
    browser.extra.push(("content-type", content_type));
    app.browse(&mut browser, Method::POST, &format!("/portal/c/{conversation}"), Some(Body::from(body))).await
}

#[tokio::test]
async fn a_reply_posted_from_another_site_is_refused_and_stores_nothing() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let conversation = app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let link = app.link_sent().await;
    let patient = app.sign_in_patient(&link).await;
    let before = messages_in(&app, conversation).await;

    let mut evil = patient.clone();
    evil.extra = vec![("origin", "https://evil.test".into())];
    let page = reply(&app, &evil, conversation, "Sent by another site").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.text);
    let mut cross_site = patient.clone();
    cross_site.extra = vec![("sec-fetch-site", "cross-site".into())];
    assert_eq!(reply(&app, &cross_site, conversation, "Also another site").await.status, StatusCode::FORBIDDEN);
    assert_eq!(messages_in(&app, conversation).await, before, "nothing stored");

    // The identity form too: refused before it is checked or counted.
    let mut stranger = Browser { extra: vec![("origin", "https://evil.test".into())], ..Default::default() };
    assert_eq!(app.give_wrong_details(&mut stranger, &link).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.lock_state(&doctor, 1001).await, (0, false), "not counted as a failure");

    // Our own pages, and old clients that send neither header, still work.
    assert_eq!(reply(&app, &patient, conversation, "From the portal").await.status, StatusCode::SEE_OTHER);
    let mut old_client = patient.clone();
    old_client.extra.clear();
    assert_eq!(reply(&app, &old_client, conversation, "From an old browser").await.status, StatusCode::SEE_OTHER);
    assert_eq!(messages_in(&app, conversation).await, before + 2);
}

#[tokio::test]
async fn portal_downloads_are_sandboxed_like_staff_downloads() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let conversation = app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let file = app.upload_pdf(&doctor, "results.pdf", "synthetic results").await;
    let message =
        json!({"body": "Attached", "attachment_ids": [file], "allow_replies": true, "idempotency_key": unique_key()});
    let (status, body) = app.post(&format!("/api/conversations/{conversation}/messages"), &doctor, message).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let link = app.link_sent().await;
    let mut patient = app.sign_in_patient(&link).await;

    let page = app.browse(&mut patient, Method::GET, &format!("/portal/f/{file}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let (_, staff_headers, _) = app.download(&doctor, file).await;
    let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("sandbox"), "{csp}");
    assert_eq!(csp, staff_headers[header::CONTENT_SECURITY_POLICY], "the staff download's policy");
}

#[tokio::test]
async fn the_code_works_only_in_the_browser_that_gave_the_details() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let link = app.link_sent().await;
    let mut patient = Browser::same_origin();
    let page = app.give_details(&mut patient, &link).await;
    let cookie = page.set_cookie("cortico_verify").expect("the details step sets a cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", &format!("Path={link}")] {
        assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} in {cookie}");
    }
    let code = app.codes_sent().await.pop().expect("a code was emailed");

    // Another browser that only knows the link (a forwarded email) gets nowhere, and it counts.
    let mut other = Browser::same_origin();
    let page = app.give_code(&mut other, &link, &code).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(!other.cookies.contains_key("cortico_patient"));
    assert_eq!(app.lock_state(&doctor, 1001).await, (1, false));

    let page = app.give_code(&mut patient, &link, &code).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert!(patient.cookies.contains_key("cortico_patient"));
    assert!(!patient.cookies.contains_key("cortico_verify"), "the binding cookie is cleared once used");
}

#[tokio::test]
async fn behind_https_the_binding_cookie_is_secure_and_our_https_origin_may_post() {
    let app = TestApp::with_public_url("https://messages.clinic.example").await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let link = app.link_sent().await;
    let mut patient =
        Browser { extra: vec![("origin", "https://messages.clinic.example".into())], ..Default::default() };
    let page = app.give_details(&mut patient, &link).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let cookie = page.set_cookie("cortico_verify").unwrap();
    assert!(cookie.split("; ").any(|a| a == "Secure"), "{cookie}");
    // The loopback origin is another site here.
    let mut elsewhere = Browser::same_origin();
    assert_eq!(app.give_details(&mut elsewhere, &link).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn asking_for_a_new_code_makes_the_earlier_ones_useless() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let link = app.link_sent().await;
    let mut first_tab = Browser::same_origin();
    app.give_details(&mut first_tab, &link).await;
    let first = app.codes_sent().await.pop().unwrap();
    let mut patient = first_tab.clone();
    app.give_details(&mut patient, &link).await;
    let newest = app.codes_sent().await.pop().unwrap();

    // The first code fails with either cookie (unless both codes happen to be equal).
    if first != newest {
        assert_eq!(app.give_code(&mut first_tab, &link, &first).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.give_code(&mut patient, &link, &first).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.give_code(&mut patient, &link, &newest).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn right_and_wrong_details_get_the_same_answer_and_only_right_ones_send_a_code() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let link = app.link_sent().await;
    app.portal_patient(&doctor, 1002, None).await;
    let no_email_link = app.link_sent().await;

    let wrong = app.give_wrong_details(&mut Browser::same_origin(), &link).await;
    assert!(app.codes_sent().await.is_empty(), "nothing is sent for wrong details");
    let right = app.give_details(&mut Browser::same_origin(), &link).await;
    assert_eq!(app.codes_sent().await.len(), 1);
    let no_email = app.give_details(&mut Browser::same_origin(), &no_email_link).await;
    assert!(app.codes_sent().await.is_empty(), "no email on file: nothing to send");

    let shape = |page: &Page, link: &str| {
        let cookie = page.set_cookie("cortico_verify").expect("a cookie either way");
        let attributes: Vec<String> = cookie.split("; ").skip(1).map(|a| a.replace(link, "<link>")).collect();
        (page.status, page.location().map(|l| l.replace(link, "<link>")), attributes, page.text.clone())
    };
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(shape(&wrong, &link), shape(&right, &link), "wrong details read like right ones");
    assert_eq!(shape(&no_email, &no_email_link), shape(&right, &link), "no email reads like right details");
    let mut browser = Browser::same_origin();
    let form = app.browse(&mut browser, Method::GET, right.location().unwrap(), None).await;
    assert!(form.text.contains("If the details you entered match"), "{}", form.text);
}

#[tokio::test]
async fn failures_count_per_link_so_a_success_elsewhere_does_not_reset_an_attackers_link() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let conversation = app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let forwarded = app.link_sent().await;
    app.send_message(&doctor, conversation, "One more thing", true).await;
    let own = app.link_sent().await;
    assert_ne!(forwarded, own);

    let mut attacker = Browser::same_origin();
    for _ in 0..5 {
        app.give_wrong_details(&mut attacker, &forwarded).await;
    }
    assert_eq!(app.lock_state(&doctor, 1001).await, (5, false));
    // The patient signs in through their own link: their count starts over...
    app.sign_in_patient(&own).await;
    assert_eq!(app.lock_state(&doctor, 1001).await, (0, false));
    // ...but the forwarded link's does not: its sixth failure locks the patient out.
    app.give_wrong_details(&mut attacker, &forwarded).await;
    assert!(app.lock_state(&doctor, 1001).await.1, "locked after six failures through one link");
    let mut patient = Browser::same_origin();
    app.give_details(&mut patient, &own).await;
    assert!(app.codes_sent().await.is_empty(), "no code while locked");
    assert_eq!(app.give_code(&mut patient, &own, "123456").await.status, StatusCode::LOCKED);

    // Staff unlock: both counts start over, and the patient gets in through either link.
    let (status, _) = app.post("/api/patients/1001/unlock", &doctor, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.sign_in_patient(&forwarded).await;
    assert_eq!(app.lock_state(&doctor, 1001).await, (0, false));
}

/// A body arriving in pieces, as from a network, that counts how much of
/// it the server read.
fn counted(prefix: String, total: usize, suffix: String, read: Arc<AtomicUsize>) -> Body {
    const CHUNK: usize = 4096;
    let filler = (0..total / CHUNK).map(|_| Bytes::from(vec![b'a'; CHUNK]));
    let chunks = std::iter::once(Bytes::from(prefix)).chain(filler).chain(std::iter::once(Bytes::from(suffix)));
    Body::from_stream(futures::stream::iter(chunks).then(move |chunk| {
        let read = read.clone();
        async move {
            // The next piece has not arrived yet.
            tokio::task::yield_now().await;
            read.fetch_add(chunk.len(), Ordering::SeqCst);
            Ok::<_, std::io::Error>(chunk)
        }
    }))
}

#[tokio::test]
async fn an_oversize_identity_form_is_refused_with_413_before_it_is_read_whole() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let link = app.link_sent().await;
    let read = Arc::new(AtomicUsize::new(0));
    let body = counted("year=1980&month=4&day=12&health_card=".into(), 1 << 20, String::new(), read.clone());
    let mut browser = Browser::same_origin();
    browser.extra.push(("content-type", "application/x-www-form-urlencoded".into()));
    let page = app.browse(&mut browser, Method::POST, &link, Some(body)).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.text);
    assert!(read.load(Ordering::SeqCst) < 64 * 1024, "read {} bytes", read.load(Ordering::SeqCst));
    assert_eq!(app.lock_state(&doctor, 1001).await, (0, false), "nothing counted");
}

#[tokio::test]
async fn an_oversize_reply_is_refused_with_413_before_it_is_read_whole() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let doctor = app.user(clinic, "dr@c.example", Role::Doctor).await;
    let conversation = app.portal_patient(&doctor, 1001, Some("jane@patient.example")).await;
    let link = app.link_sent().await;
    let mut patient = app.sign_in_patient(&link).await;
    let before = messages_in(&app, conversation).await;

    let boundary = "----cortico-test-boundary";
    let head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n");
    let tail = format!("\r\n--{boundary}--\r\n");
    let read = Arc::new(AtomicUsize::new(0));
    let body = counted(head, 20 << 20, tail, read.clone());
    patient.extra.push(("content-type", format!("multipart/form-data; boundary={boundary}")));
    let page = app.browse(&mut patient, Method::POST, &format!("/portal/c/{conversation}"), Some(body)).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.text);
    assert!(read.load(Ordering::SeqCst) < 1 << 20, "read {} bytes", read.load(Ordering::SeqCst));
    assert_eq!(messages_in(&app, conversation).await, before, "nothing stored");
}
