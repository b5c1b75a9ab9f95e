//! What the service leaves behind: log lines without link tokens,
//! configuration dumps without secrets, and files nobody else can read.
//! See: issue 13, point 11.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use clap::Parser;
use cortico_protocol::api::Role;

use crate::common::*;

/// Everything written to the log, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_portal_link_token_never_appears_in_the_log_even_at_trace_level() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Tests run on one thread: everything the requests log lands here.
    let _guard = tracing::subscriber::set_default(subscriber);
    // Tests on other threads, without a subscriber, may have cached "never
    // log" for the callsites meanwhile: make them ask again.
    tracing::callsite::rebuild_interest_cache();

    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let moa = app.user(clinic, "moa@c.example", Role::Moa).await;
    let conversation = app.start(&moa, 5150, "Your results are in.", true).await;
    let cortico_service::store::Actor::Patient { id: patient_id, .. } = app.patient(conversation).await else {
        unreachable!()
    };
    let now = app.now();
    let token = app
        .state
        .db
        .write(move |w| {
            Box::pin(async move {
                cortico_service::store::patient_auth::create_link(w, patient_id, Some(conversation), now).await
            })
        })
        .await
        .unwrap();
    let unknown = "Zq3xUnknownLinkTokenThatLooksReal0123456789";
    tracing::callsite::rebuild_interest_cache();
    for (method, path, form) in [
        (Method::GET, format!("/p/{token}"), None),
        (Method::POST, format!("/p/{token}"), Some("health_card=9876543217&year=1980&month=1&day=2")),
        (Method::GET, format!("/p/{token}/code"), None),
        (Method::POST, format!("/p/{token}/code"), Some("code=123456")),
        (Method::GET, format!("/p/{unknown}"), None),
        (Method::GET, format!("/p/{unknown}/not-a-route"), None),
    ] {
        let req = request(method, &path, None);
        let req = match form {
            Some(f) => req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(f)),
            None => req.body(Body::empty()),
        };
        let res = app.response(req.unwrap()).await;
        assert_ne!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
    }
    app.state.db.flush().await.unwrap();
    let text = log.text();
    assert!(text.contains("/p/{token}"), "requests are logged by their route:\n{text}");
    assert!(!text.contains(&token), "the link token is in the log:\n{text}");
    assert!(!text.contains(unknown), "an unknown token is in the log:\n{text}");
}

#[test]
fn configuration_debug_output_hides_passwords_and_the_secret_key() {
    let cli = cortico_service::config::Cli::try_parse_from([
        "cortico-service",
        "--database-url",
        "postgres://cortico:db-hunter2@db.internal:5432/cortico",
        "serve",
        "--smtp-host",
        "smtp.example",
        "--smtp-username",
        "relay",
        "--smtp-password",
        "smtp-hunter2",
    ])
    .unwrap();
    let mut app_config = cortico_service::app::AppConfig::new("/var/lib/cortico".into());
    app_config.database_url = "postgres://cortico:db-hunter2@db.internal/cortico".into();
    if let cortico_service::config::Command::Serve(args) = &cli.command {
        app_config.smtp = args.smtp.config();
    }
    let settings = cortico_service::http::Settings { secret_key: vec![0xab; 32], ..Default::default() };
    let db = cortico_service::db::DbConfig { url: app_config.database_url.clone(), read_connections: 2 };
    let dumps = [format!("{cli:?}"), format!("{app_config:?}"), format!("{settings:?}"), format!("{db:?}")];
    for dump in &dumps {
        assert!(!dump.contains("hunter2"), "a password is shown: {dump}");
        assert!(!dump.contains("171, 171") && !dump.contains("abab"), "the secret key is shown: {dump}");
    }
    assert!(dumps[0].contains("db.internal") && dumps[1].contains("smtp.example"), "the rest is still shown");
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_files_key_and_backups_are_readable_by_the_service_user_only() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let config = cortico_service::app::AppConfig::new(data.clone());
    let app = cortico_service::app::App::open(&config).await.unwrap();
    let router = cortico_service::http::router(app.state.clone());
    let clinic = cortico_service::store::clinics::create(&app.state.db, "permclinic", "Perm clinic", 0).await.unwrap();
    let staff = cortico_service::store::staff::NewStaff {
        clinic_id: clinic.id,
        email: "moa@c.example".into(),
        name: "MOA".into(),
        role: Role::Moa,
        provider_no: None,
        password: PASSWORD.into(),
    };
    cortico_service::store::staff::create(&app.state.db, staff, 0).await.unwrap();
    let sign_in = request(Method::POST, "/api/auth/sign-in", None)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"clinic": "permclinic", "email": "moa@c.example", "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let res = tower::ServiceExt::oneshot(router.clone(), sign_in).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    let token = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["token"].as_str().unwrap().to_owned();
    let upload = request(Method::POST, "/api/attachments?name=a.pdf", Some(&token))
        .body(Body::from("%PDF-1.4 synthetic"))
        .unwrap();
    let res = tower::ServiceExt::oneshot(router, upload).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    let sha = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["sha256"].as_str().map(str::to_owned);

    let mut private_files = vec![data.join("cortico.db"), data.join("cortico.db-wal"), data.join("cortico.db-shm")];
    private_files.push(data.join("secret.key"));
    let mut private_dirs = vec![data.clone(), data.join("files"), data.join("files/tmp")];
    let stored: Vec<_> = walk(&data.join("files"));
    assert_eq!(stored.len(), 1, "one attachment file: {stored:?} ({sha:?})");
    private_dirs.push(stored[0].parent().unwrap().to_path_buf());
    private_files.extend(stored);
    for f in &private_files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    for d in &private_dirs {
        assert_eq!(mode(d), 0o700, "{}", d.display());
    }

    let to = root.path().join("backup");
    let db_path = data.join("cortico.db");
    cortico_service::backup::backup(&data, &db_path, &to).unwrap();
    assert_eq!(mode(&to), 0o700);
    for f in [to.join("cortico.db"), to.join("secret.key")].into_iter().chain(walk(&to.join("files"))) {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    assert_eq!(mode(&to.join("files")), 0o700);
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
