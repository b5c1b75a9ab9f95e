//! Acknowledged messages survive `kill -9` of the service, and retrying a
//! send whose answer was lost never stores it twice.
//!
//! Runs the real `cortico-service` binary on a temporary data directory,
//! kills it with SIGKILL while several clients are sending, restarts it on
//! the same directory and reads every conversation back over HTTP.
//!
//! A process kill leaves the operating system's page cache intact, so this
//! checks that nothing is acknowledged before the database has committed
//! it; it cannot show that the commit reached the disk (that needs a power
//! cut). It runs on SQLite, and on Postgres when `CORTICO_TEST_POSTGRES` is set.

#[path = "support/postgres.rs"]
mod pg;
#[path = "support/service_process.rs"]
mod service_process;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use service_process::{Server, BIN};

const CLINIC: &str = "durability";
const EMAIL: &str = "dr.kill@durability.example";
const PASSWORD: &str = "kill dash nine survives";
/// Concurrent senders, spread over [`CONVERSATIONS`].
const SENDERS: usize = 8;
const CONVERSATIONS: usize = 4;
/// How long the senders run before the kill.
const LOAD_BEFORE_KILL: Duration = Duration::from_millis(1000);

/// Runs an admin command of the binary to completion.
fn admin(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .output()
        .expect("the service binary runs");
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// One request; `Err` when no HTTP answer came back (connection refused or
/// reset, timeout): the outcome is unknown to the client.
async fn call(
    client: &HttpClient,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<(StatusCode, Value), String> {
    let mut req = Request::builder().method(method).uri(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let body = match body {
        Some(json) => {
            req = req.header("content-type", "application/json");
            Full::new(Bytes::from(json.to_string()))
        }
        None => Full::new(Bytes::new()),
    };
    let req = req.body(body).expect("a valid request");
    let exchange = async {
        let res = client.request(req).await.map_err(|e| e.to_string())?;
        let status = res.status();
        let bytes = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Ok((status, json))
    };
    tokio::time::timeout(Duration::from_secs(10), exchange).await.map_err(|_| "timed out".to_owned())?
}

fn body_of(key: &str) -> String {
    format!("durability check {key}")
}

/// Sends one message with `key`; `Ok(status)` when the service answered.
async fn send(
    client: &HttpClient,
    base: &str,
    token: &str,
    conversation: i64,
    key: &str,
) -> Result<(StatusCode, Value), String> {
    call(
        client,
        Method::POST,
        &format!("{base}/api/conversations/{conversation}/messages"),
        Some(token),
        Some(json!({"body": body_of(key), "idempotency_key": key})),
    )
    .await
}

/// What one sender saw.
#[derive(Default)]
struct Sent {
    /// (conversation, key) answered 201.
    acked: Vec<(i64, String)>,
    /// (conversation, key) sent without an answer.
    unknown: Vec<(i64, String)>,
}

/// Sends messages one after another until the service stops answering.
async fn sender(
    client: HttpClient,
    base: String,
    token: String,
    conversation: i64,
    task: usize,
    stop: Arc<AtomicBool>,
) -> Sent {
    let mut sent = Sent::default();
    for n in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let key = format!("t{task}-{n}");
        match send(&client, &base, &token, conversation, &key).await {
            Ok((StatusCode::CREATED, _)) => sent.acked.push((conversation, key)),
            Ok((status, json)) if status.is_server_error() => {
                eprintln!("send {key} answered {status}: {json}");
                sent.unknown.push((conversation, key));
            }
            Ok((status, json)) => panic!("send {key} answered {status}: {json}"),
            Err(_) => {
                sent.unknown.push((conversation, key));
                break;
            }
        }
    }
    sent
}

/// How many stored messages carry each key, over every page of each conversation.
async fn stored_keys(client: &HttpClient, base: &str, token: &str, conversations: &[i64]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for &id in conversations {
        let mut before: Option<i64> = None;
        loop {
            let url = match before {
                Some(b) => format!("{base}/api/conversations/{id}?before={b}"),
                None => format!("{base}/api/conversations/{id}"),
            };
            let (status, page) =
                call(client, Method::GET, &url, Some(token), None).await.expect("the restarted service answers");
            assert_eq!(status, StatusCode::OK, "{page}");
            for message in page["messages"].as_array().expect("messages") {
                let body = message["body"].as_str().expect("a body");
                if let Some(key) = body.strip_prefix("durability check ") {
                    *counts.entry(key.to_owned()).or_insert(0) += 1;
                }
            }
            match page["older_cursor"].as_i64() {
                Some(b) => before = Some(b),
                None => break,
            }
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_kill_9_and_retried_sends_are_stored_once() {
    survives_kill_9(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_acknowledged_messages_survive_kill_9_and_retried_sends_are_stored_once() {
    let Some(server) = pg::server_url() else {
        eprintln!("CORTICO_TEST_POSTGRES is not set: this run is on SQLite only");
        return;
    };
    let db = pg::TestDatabase::create(&server).await;
    survives_kill_9(&[("DATABASE_URL", db.url.as_str())]).await;
}

async fn survives_kill_9(env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    admin(data, env, &["clinic", "create", "--slug", CLINIC, "--name", "Durability"]);
    admin(
        data,
        env,
        &[
            "staff",
            "create",
            "--clinic",
            CLINIC,
            "--email",
            EMAIL,
            "--name",
            "Dr. Kill",
            "--role",
            "doctor",
            "--password",
            PASSWORD,
        ],
    );

    let client = http_client();
    let server = Server::start_with(data, env);
    let base = server.base.clone();
    let (status, me) = call(
        &client,
        Method::POST,
        &format!("{base}/api/auth/sign-in"),
        None,
        Some(json!({"clinic": CLINIC, "email": EMAIL, "password": PASSWORD})),
    )
    .await
    .expect("sign-in answers");
    assert_eq!(status, StatusCode::OK, "{me}");
    let token = me["token"].as_str().expect("a token").to_owned();

    let mut conversations = Vec::new();
    for n in 0..CONVERSATIONS {
        let (status, started) = call(
            &client,
            Method::POST,
            &format!("{base}/api/conversations"),
            Some(&token),
            Some(json!({
                "patient": {"demographic_no": 500 + n, "name": {"last": "DURABLE", "first": "DANA"}},
                "message": {"body": "Hello from the clinic.", "allow_replies": true, "idempotency_key": format!("start-{n}")}
            })),
        )
        .await
        .expect("start answers");
        assert_eq!(status, StatusCode::CREATED, "{started}");
        conversations.push(started["conversation"]["id"].as_i64().expect("an id"));
    }

    // Load, then SIGKILL in the middle of it.
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..SENDERS)
        .map(|task| {
            tokio::spawn(sender(
                client.clone(),
                base.clone(),
                token.clone(),
                conversations[task % CONVERSATIONS],
                task,
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(LOAD_BEFORE_KILL).await;
    server.kill();
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    let mut unknown = Vec::new();
    for s in senders {
        let sent = s.await.expect("a sender finished");
        acked.extend(sent.acked);
        unknown.extend(sent.unknown);
    }
    eprintln!("{} sends acknowledged, {} without an answer when the service was killed", acked.len(), unknown.len());
    assert!(acked.len() >= 20, "too little load before the kill to test anything: {} acknowledged", acked.len());

    // Restart on the same data directory; the session survived too.
    let server = Server::start_with(data, env);
    let base = server.base.clone();
    let client = http_client();
    let stored = stored_keys(&client, &base, &token, &conversations).await;
    for (_, key) in &acked {
        assert_eq!(stored.get(key), Some(&1), "acknowledged message {key} must be stored exactly once");
    }
    eprintln!(
        "after the restart: {} of the unanswered sends had been committed",
        unknown.iter().filter(|(_, k)| stored.contains_key(k)).count()
    );
    for (_, key) in &unknown {
        assert!(stored.get(key).copied().unwrap_or(0) <= 1, "message {key} stored twice");
    }
    let attempted: std::collections::HashSet<&str> = acked.iter().chain(&unknown).map(|(_, k)| k.as_str()).collect();
    for key in stored.keys() {
        assert!(attempted.contains(key.as_str()), "unexpected message {key}");
    }

    // Retrying with the same key stores what was lost, and replays what was not.
    for (conversation, key) in &unknown {
        let (status, json) = send(&client, &base, &token, *conversation, key).await.expect("the retry is answered");
        let expected = if stored.contains_key(key) { StatusCode::OK } else { StatusCode::CREATED };
        assert_eq!(status, expected, "retry of {key}: {json}");
        assert_eq!(json["replayed"], json!(status == StatusCode::OK), "{json}");
    }
    for (conversation, key) in acked.iter().take(20) {
        let (status, json) = send(&client, &base, &token, *conversation, key).await.expect("the retry is answered");
        assert_eq!(status, StatusCode::OK, "retry of acknowledged {key}: {json}");
        assert_eq!(json["replayed"], json!(true), "{json}");
    }
    let stored = stored_keys(&client, &base, &token, &conversations).await;
    for key in &attempted {
        assert_eq!(stored.get(*key), Some(&1), "after retries, message {key} must be stored exactly once");
    }
    assert_eq!(stored.len(), attempted.len());
    drop(server);
}
