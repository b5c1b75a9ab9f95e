//! Two real `cortico-service` processes behind "one address", sharing one
//! Postgres database, as a hosting provider runs them behind a load
//! balancer: a change made through one reaches streams held by the other,
//! a retried send is not duplicated whichever instance gets the retry,
//! attachments are served by both, a stream resumes on the other instance,
//! failed sign-ins through both count towards one lockout, a lost change
//! feed or writer connection reconnects (streams resync), a sign-out through
//! one instance ends the session on the other at once, and an instance
//! with another secret key refuses to start.
//!
//! Needs `CORTICO_TEST_POSTGRES` (`./build.sh test` and CI set it); without
//! it the test says so and checks nothing.

#[path = "support/postgres.rs"]
mod pg;
#[path = "support/service_process.rs"]
mod service_process;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use service_process::{Server, BIN};

const KEY: &str = "6c6b6e4b2f1d0a9e8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbb";
const PASSWORD: &str = "a synthetic staff password";

fn cli(data_dir: &Path, url: &str, args: &[&str]) {
    let out = cli_output(data_dir, url, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn cli_output(data_dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("DATABASE_URL", url)
        .env("CORTICO_SECRET_KEY", KEY)
        .env("CORTICO_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the service binary runs")
}

struct Client {
    http: reqwest::Client,
}

impl Client {
    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("the instance answers");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn sign_in(&self, base: &str, email: &str, password: &str) -> (u16, Value) {
        let body = json!({"clinic": "lakeside", "email": email, "password": password});
        self.call(reqwest::Method::POST, format!("{base}/api/auth/sign-in"), None, Some(body)).await
    }
}

/// Reads server-sent events of one open stream.
struct Events {
    res: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(http: &reqwest::Client, base: &str, token: &str) -> Events {
        let res = http.get(format!("{base}/api/stream")).bearer_auth(token).send().await.expect("stream opens");
        assert_eq!(res.status(), 200);
        Events { res, buffer: String::new() }
    }

    /// The next `update` event's data, waiting at most `limit`.
    async fn next(&mut self, limit: Duration) -> Option<Value> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                    return Some(serde_json::from_str(data.trim()).expect("update events are JSON"));
                }
                continue;
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Waits for an update naming `conversation` (or a resync); returns it.
    async fn until(&mut self, limit: Duration, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let update = self.next(left).await?;
            if wanted(&update) {
                return Some(update);
            }
        }
    }
}

fn names(update: &Value, conversation: i64) -> bool {
    update["changed"].as_array().is_some_and(|c| c.contains(&json!(conversation)))
}

async fn terminate(admin_url: &str, database: &str, application: &str) -> i64 {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
    )
    .bind(database)
    .bind(application)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    killed.len() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_behave_as_one_service() {
    let Some(admin_url) = pg::server_url() else {
        eprintln!("CORTICO_TEST_POSTGRES is not set: the two-instance test needs a Postgres server");
        return;
    };
    let db = pg::TestDatabase::create(&admin_url).await;
    let database = db.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (dir.path().join("a"), dir.path().join("b"));
    cli(&dir_a, &db.url, &["clinic", "create", "--slug", "lakeside", "--name", "Lakeside Clinic"]);
    for (email, role) in [("moa@lakeside.example", "moa"), ("dr@lakeside.example", "doctor")] {
        cli(
            &dir_a,
            &db.url,
            &["staff", "create", "--clinic", "lakeside", "--email", email, "--name", email, "--role", role],
        );
    }
    let env = [("DATABASE_URL", db.url.as_str()), ("CORTICO_SECRET_KEY", KEY)];
    let a = Server::start_with(&dir_a, &env);
    let b = Server::start_with(&dir_b, &env);
    let client = Client { http: reqwest::Client::new() };

    let (status, moa) = client.sign_in(&a.base, "moa@lakeside.example", PASSWORD).await;
    assert_eq!(status, 200, "{moa}");
    let moa = moa["token"].as_str().unwrap().to_owned();
    let (status, doctor) = client.sign_in(&b.base, "dr@lakeside.example", PASSWORD).await;
    assert_eq!(status, 200, "{doctor}");
    let doctor = doctor["token"].as_str().unwrap().to_owned();

    // The doctor's stream is held by B; the MOA writes through A.
    let mut stream = Events::open(&client.http, &b.base, &doctor).await;
    let first = stream.next(Duration::from_secs(5)).await.expect("the stream's first event");
    assert_eq!(first["unread"], 0);

    // An attachment uploaded through A is sent and downloaded through B.
    let pdf = b"%PDF-1.4\nsynthetic lab results\n%%EOF\n".to_vec();
    let upload = client
        .http
        .post(format!("{}/api/attachments?name=results.pdf", a.base))
        .bearer_auth(&moa)
        .header("content-type", "application/octet-stream")
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201);
    let file: Value = upload.json().await.unwrap();
    let file_id = file["id"].as_i64().unwrap();

    let sent_at = Instant::now();
    let (status, started) = client
        .call(
            reqwest::Method::POST,
            format!("{}/api/conversations", a.base),
            Some(&moa),
            Some(json!({
                "patient": {"demographic_no": 1001, "name": {"last": "LINDQVIST", "first": "ASTRID"}},
                "message": {"body": "Your results are attached.", "attachment_ids": [file_id],
                            "allow_replies": true, "idempotency_key": "start-1"}
            })),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let conversation = started["conversation"]["id"].as_i64().unwrap();
    let update = stream.until(Duration::from_secs(1), |u| names(u, conversation)).await;
    let fan_out = sent_at.elapsed();
    assert!(update.is_some(), "a change written through A reached B's stream within 1 s");
    eprintln!("fan-out A -> B: {} ms", fan_out.as_millis());

    // A stream that reconnects to the other instance resumes where it was:
    // the change numbers are the deployment's, not one process's.
    let resumed = client
        .http
        .get(format!("{}/api/stream", a.base))
        .bearer_auth(&doctor)
        .header("last-event-id", first["seq"].to_string())
        .send()
        .await
        .unwrap();
    let mut resumed = Events { res: resumed, buffer: String::new() };
    let caught_up = resumed.next(Duration::from_secs(5)).await.expect("the resumed stream's first event");
    assert!(names(&caught_up, conversation) && caught_up["resync"] == false, "{caught_up}");
    drop(resumed);

    let download =
        client.http.get(format!("{}/api/attachments/{file_id}", b.base)).bearer_auth(&doctor).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf.as_slice(), "B serves the bytes A stored");

    // A send retried against the other instance is replayed, not duplicated.
    let send = json!({"body": "Please book a follow-up.", "idempotency_key": "retry-1", "allow_replies": true});
    let path = |base: &str| format!("{base}/api/conversations/{conversation}/messages");
    let (status, first_send) = client.call(reqwest::Method::POST, path(&a.base), Some(&moa), Some(send.clone())).await;
    assert_eq!(status, 201, "{first_send}");
    let (status, retried) = client.call(reqwest::Method::POST, path(&b.base), Some(&moa), Some(send)).await;
    assert_eq!(status, 200, "{retried}");
    assert_eq!(retried["replayed"], true);
    assert_eq!(retried["message"]["id"], first_send["message"]["id"]);
    let (_, detail) = client
        .call(reqwest::Method::GET, format!("{}/api/conversations/{conversation}", b.base), Some(&doctor), None)
        .await;
    let bodies: Vec<&str> =
        detail["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.iter().filter(|b| **b == "Please book a follow-up.").count(), 1, "{bodies:?}");

    // Ten failed sign-ins, five through each instance at the same time,
    // lock the account on both: the count is shared, not per process.
    let attempts = (0..10).map(|i| {
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let client = Client { http: client.http.clone() };
        async move { client.sign_in(&base, "dr@lakeside.example", "not the password").await.0 }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    for base in [&a.base, &b.base] {
        let (status, body) = client.sign_in(base, "dr@lakeside.example", PASSWORD).await;
        // Locked: even the right password gets the wrong-password answer.
        assert_eq!(status, 401, "locked through {base}: {body}");
    }

    // The change feed's connection is cut: B reconnects, tells its streams
    // to resync, and changes keep arriving.
    assert!(terminate(&admin_url, &database, "cortico-listener").await >= 2, "both instances listen");
    let resynced = stream.until(Duration::from_secs(10), |u| u["resync"] == true).await;
    assert!(resynced.is_some(), "B's stream was told to resync after its feed reconnected");
    let reply = json!({"body": "Booked for Tuesday.", "idempotency_key": "after-cut", "allow_replies": true});
    let (status, _) = client.call(reqwest::Method::POST, path(&a.base), Some(&moa), Some(reply)).await;
    assert_eq!(status, 201);
    assert!(
        stream.until(Duration::from_secs(2), |u| names(u, conversation)).await.is_some(),
        "changes reach B again after the reconnect"
    );

    // The writers' connections are cut too: the next write reconnects.
    assert!(terminate(&admin_url, &database, "cortico-writer").await >= 2);
    let again = json!({"body": "See you then.", "idempotency_key": "after-writer-cut", "allow_replies": true});
    let (status, body) = client.call(reqwest::Method::POST, path(&b.base), Some(&moa), Some(again)).await;
    assert_eq!(status, 201, "a write after the cut succeeds: {body}");

    // Signing out through B ends the session on A too, at once (A's
    // session cache would otherwise trust it for a few more seconds).
    let me = |base: &str| client.call(reqwest::Method::GET, format!("{base}/api/me"), Some(&moa), None);
    assert_eq!(me(&a.base).await.0, 200);
    let (status, _) =
        client.call(reqwest::Method::POST, format!("{}/api/auth/sign-out", b.base), Some(&moa), None).await;
    assert_eq!(status, 204);
    let signed_out = Instant::now();
    while me(&a.base).await.0 != 401 {
        assert!(signed_out.elapsed() < Duration::from_secs(1), "A still accepts a session ended through B");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // An instance with another secret key could not read what the others
    // sealed: it refuses to start.
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path().join("c"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", &db.url)
        .env("CORTICO_SECRET_KEY", KEY.replace('6', "7"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("CORTICO_SECRET_KEY"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // `backup` copies SQLite deployments; on Postgres it says what to use.
    let out = cli_output(&dir_a, &db.url, &["backup", "--to", dir.path().join("copy").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"), "{}", String::from_utf8_lossy(&out.stderr));

    drop(stream);
    a.kill();
    b.kill();
}
