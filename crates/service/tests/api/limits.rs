//! Limits a client cannot dodge: stalled bodies, IPv6 address rotation,
//! forged `X-Forwarded-For`; and downloads that never hold a whole file.
//! See: issue 13, point 9.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use bytes::Bytes;
use cortico_protocol::api::Role;
use cortico_service::http::body_timeout::BodyTimeouts;
use cortico_service::http::Settings;
use http_body_util::BodyExt;
use serde_json::json;

use crate::common::*;

/// The app's router with other settings.
fn router_with(app: &TestApp, change: impl FnOnce(&mut Settings)) -> axum::Router {
    let mut state = app.state.clone();
    let mut settings = (*state.settings).clone();
    change(&mut settings);
    state.settings = Arc::new(settings);
    cortico_service::http::router(state)
}

#[tokio::test]
async fn an_upload_that_stalls_is_cut_off_with_408_and_stores_nothing() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let timeouts = BodyTimeouts { idle: Duration::from_millis(300), total: Duration::from_secs(60) };
    let router = router_with(&app, |s| s.body_timeouts = timeouts);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tx.send(Ok(Bytes::from_static(b"%PDF-1.4\nthe first part of a scan"))).await.unwrap();
    // `tx` stays open and silent: the client stalls.
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let req = request(Method::POST, "/api/attachments?name=scan.pdf", Some(&moa.token)).body(body).unwrap();
    let res = tokio::time::timeout(Duration::from_secs(10), tower::ServiceExt::oneshot(router, req))
        .await
        .expect("a stalled upload is answered, not waited for")
        .unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(res.headers()[header::CONNECTION], "close");
    let body: serde_json::Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_error(StatusCode::REQUEST_TIMEOUT, &body, StatusCode::REQUEST_TIMEOUT, "request_timeout");
    drop(tx);
    assert_eq!(app.count("SELECT COUNT(*) FROM attachments").await, 0);
    let tmp = std::fs::read_dir(app.dir.path().join("files/tmp")).unwrap().count();
    assert_eq!(tmp, 0, "no temporary file is left");
}

#[tokio::test]
async fn an_upload_that_trickles_past_the_deadline_is_cut_off_with_408() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let timeouts = BodyTimeouts { idle: Duration::from_secs(5), total: Duration::from_millis(500) };
    let router = router_with(&app, |s| s.body_timeouts = timeouts);
    // A byte every 50 ms: never idle for long, never done.
    let first = futures::stream::once(async { Ok::<_, std::io::Error>(Bytes::from_static(b"%PDF-1.4\n")) });
    let trickle = futures::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Some((Ok(Bytes::from_static(b"0")), ()))
    });
    let body = Body::from_stream(futures::StreamExt::chain(first, trickle));
    let req = request(Method::POST, "/api/attachments?name=scan.pdf", Some(&moa.token)).body(body).unwrap();
    let res = tokio::time::timeout(Duration::from_secs(10), tower::ServiceExt::oneshot(router, req))
        .await
        .expect("a trickling upload is answered")
        .unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(app.count("SELECT COUNT(*) FROM attachments").await, 0);
}

#[tokio::test]
async fn a_download_from_postgres_streams_in_chunks() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend((0..1_300_000u32).map(|i| b'a' + (i % 26) as u8));
    let (status, info) = app.upload(&moa, "scan.pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{info}");
    let id = info["id"].as_i64().unwrap();
    if app.on_postgres() {
        let chunk = cortico_service::files::chunks::CHUNK;
        let rows = app.count("SELECT COUNT(*) FROM file_chunks").await as usize;
        assert_eq!(rows, pdf.len().div_ceil(chunk), "stored in chunks of {chunk} bytes");
    }
    let req = request(Method::GET, &format!("/api/attachments/{id}"), Some(&moa.token)).body(Body::empty()).unwrap();
    let res = app.response(req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_LENGTH], pdf.len().to_string());
    let mut body = res.into_body();
    let (mut frames, mut largest, mut got) = (0, 0, Vec::new());
    while let Some(frame) = body.frame().await {
        let data = frame.unwrap().into_data().unwrap();
        frames += 1;
        largest = largest.max(data.len());
        got.extend_from_slice(&data);
    }
    assert!(got == pdf, "the download is the upload");
    assert!(frames > 1, "sent in pieces, not as one {} byte buffer", pdf.len());
    assert!(largest <= 512 * 1024, "no piece is larger than a chunk: {largest}");
}

#[tokio::test]
async fn files_stored_whole_before_chunking_are_still_downloaded_intact() {
    let Some(server) = crate::pg::server_url() else { return };
    let pg = crate::pg::TestDatabase::create(&server).await;
    // The schema as it was before chunks, with a file stored the old way.
    let pool = sqlx::PgPool::connect(&pg.url).await.unwrap();
    let mut before = sqlx::migrate!("./migrations/postgres");
    before.migrations = before.migrations.iter().filter(|m| m.version < 5).cloned().collect::<Vec<_>>().into();
    before.run(&pool).await.unwrap();
    let mut old = b"%PDF-1.4\n".to_vec();
    old.extend((0..1_100_000u32).map(|i| (i % 251) as u8));
    let sha = "ab".repeat(32);
    sqlx::query("INSERT INTO file_blobs (sha256, bytes, stored_at) VALUES ($1, $2, 0)")
        .bind(&sha)
        .bind(&old)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = cortico_service::app::AppConfig::new(dir.path().to_path_buf());
    config.database_url = pg.url.clone();
    let app = cortico_service::app::App::open(&config).await.expect("the migration runs");
    let cortico_service::files::FileBytes::Chunks(stream) = app.state.files.read(&sha).await.unwrap() else {
        panic!("Postgres bytes come from the database");
    };
    let chunks: Vec<Bytes> = futures::TryStreamExt::try_collect(stream).await.unwrap();
    assert_eq!(chunks.len(), 3);
    assert!(chunks.concat() == old, "the migrated bytes are the stored bytes");
}

/// `POST /api/auth/sign-in` with a wrong password from `peer`.
async fn failed_sign_in(router: &axum::Router, peer: IpAddr, forwarded_for: Option<&str>, n: usize) -> StatusCode {
    let mut req = request(Method::POST, "/api/auth/sign-in", None).header(header::CONTENT_TYPE, "application/json");
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    let body = json!({"clinic": "medicalclinic", "email": format!("user{n}@c.example"), "password": "guess"});
    let mut req = req.body(Body::from(body.to_string())).unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(SocketAddr::new(peer, 40000)));
    tower::ServiceExt::oneshot(router.clone(), req).await.unwrap().status()
}

#[tokio::test]
async fn rotating_ipv6_addresses_within_one_64_does_not_dodge_the_sign_in_limit() {
    let app = TestApp::new().await;
    app.clinic("medicalclinic").await;
    let router = app.router.clone();
    let attempts = (0..30u16)
        .map(|i| failed_sign_in(&router, format!("2001:db8:77:1:{i:x}::{:x}", i + 1).parse().unwrap(), None, 0));
    for status in futures::future::join_all(attempts).await {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let same_64: IpAddr = "2001:db8:77:1:ffff:1234:5678:9abc".parse().unwrap();
    assert_eq!(failed_sign_in(&router, same_64, None, 1).await, StatusCode::TOO_MANY_REQUESTS);
    let next_64: IpAddr = "2001:db8:77:2::1".parse().unwrap();
    assert_eq!(failed_sign_in(&router, next_64, None, 2).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forwarded_for_counts_only_from_a_trusted_proxy_and_names_the_right_most_untrusted_hop() {
    let app = TestApp::new().await;
    app.clinic("medicalclinic").await;
    let parse = cortico_service::http::client_ip::parse_proxy;
    let proxies = vec![parse("10.0.0.0/8").unwrap(), parse("192.0.2.7").unwrap()];
    let router = router_with(&app, |s| s.trusted_proxies = proxies);
    // From an untrusted peer a forged header changes nothing: it is the peer
    // that runs out of attempts.
    let stranger: IpAddr = "203.0.113.50".parse().unwrap();
    let forged = (0..30).map(|i| format!("198.51.100.{i}"));
    let attempts: Vec<_> = forged.collect();
    let calls = attempts.iter().enumerate().map(|(n, xff)| failed_sign_in(&router, stranger, Some(xff), n));
    for status in futures::future::join_all(calls).await {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(failed_sign_in(&router, stranger, Some("198.51.100.200"), 0).await, StatusCode::TOO_MANY_REQUESTS);
    // Through the proxies, each client is its own: what the client wrote
    // (left of the proxies' entries) is not believed either.
    let proxy: IpAddr = "10.1.1.1".parse().unwrap();
    let calls = (0..31).map(|n| {
        let xff = format!("203.0.113.50, 198.18.0.{n}, 192.0.2.7");
        let router = router.clone();
        async move { failed_sign_in(&router, proxy, Some(&xff), n).await }
    });
    for status in futures::future::join_all(calls).await {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "clients behind the proxy are told apart");
    }
}
