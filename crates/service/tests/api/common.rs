//! The test harness: a fresh service on a temporary SQLite file, or on a
//! fresh Postgres database when `CORTICO_TEST_POSTGRES` names a server
//! (`./build.sh test` runs the suite both ways), clinics and staff made
//! directly in the store, and a JSON request helper.

use cortico_service::args;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use cortico_protocol::api::Role;
use cortico_service::app::{App, AppConfig};
use cortico_service::crypto;
use cortico_service::http::{self, AppState};
use cortico_service::store::conversations::{self, Outgoing, Sent};
use cortico_service::store::{clinics, sessions, Actor};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// One service instance with its own data directory.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub dir: tempfile::TempDir,
    /// The Postgres database made for this test, dropped with it.
    pub postgres: Option<crate::pg::TestDatabase>,
    /// What the instance was opened with.
    pub config: AppConfig,
    _app: App,
}

/// A signed-in staff member.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub clinic_id: i64,
    pub email: String,
    pub token: String,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor::Staff { id: self.id, clinic_id: self.clinic_id }
    }
}

/// Hashing a password costs ~50 ms: do it once for all test accounts.
pub const PASSWORD: &str = "correct horse battery";
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| crypto::hash_password(PASSWORD))
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with(|_| {}).await
    }

    /// An instance whose patients reach it at `public_url`.
    pub async fn with_public_url(public_url: &str) -> TestApp {
        let url = public_url.to_owned();
        Self::with(move |c| c.public_url = url).await
    }

    /// A service whose configuration `adjust` changes first (operator flags).
    pub async fn with(adjust: impl FnOnce(&mut AppConfig)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = AppConfig::new(dir.path().to_path_buf());
        let postgres = crate::pg::TestDatabase::create_if_configured().await;
        if let Some(pg) = &postgres {
            config.database_url = pg.url.clone();
        }
        // Calls to the Oscar simulator are local: a slow one is a fault.
        config.oscar_timeout = std::time::Duration::from_millis(1500);
        adjust(&mut config);
        let app = App::open(&config).await.expect("service opens");
        let router = http::router(app.state.clone());
        TestApp { state: app.state.clone(), router, dir, postgres, config, _app: app }
    }

    /// Another process on the same data, as the admin CLI is: on SQLite
    /// nothing it writes is announced to this instance.
    pub async fn other_process(&self) -> App {
        App::open(&self.config).await.expect("a second instance opens")
    }

    /// Whether this run is on Postgres.
    pub fn on_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    pub async fn clinic(&self, slug: &str) -> i64 {
        clinics::create(&self.state.db, slug, &format!("{slug} clinic"), self.now()).await.expect("clinic").id
    }

    /// A staff account (password [`PASSWORD`]) with a live session.
    pub async fn user(&self, clinic_id: i64, email: &str, role: Role) -> User {
        let now = self.now();
        let email = email.to_owned();
        let user_email = email.clone();
        let hash = password_hash().to_owned();
        let (id, token) = self
            .state
            .db
            .write(move |w| {
                Box::pin(async move {
                    let id: i64 = w
                        .scalar(
                            "INSERT INTO staff (clinic_id, email, name, role, password_hash, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                            args![clinic_id, &email, format!("Staff {email}"), role.as_str(), &hash, now],
                        )
                        .await?;
                    cortico_service::store::unread::new_staff(w, clinic_id, id).await?;
                    let token = sessions::create(w, id, now).await?;
                    Ok((id, token))
                })
            })
            .await
            .expect("staff");
        User { id, clinic_id, email: user_email, token }
    }

    /// Sends a request; returns the status and the JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(json) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.router.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str, user: &User) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(&user.token), None).await
    }

    pub async fn post(&self, path: &str, user: &User, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(&user.token), Some(body)).await
    }

    /// Starts a conversation through the API; returns its id.
    pub async fn start(&self, user: &User, demographic_no: u32, body: &str, allow_replies: bool) -> i64 {
        let (status, json) = self
            .post(
                "/api/conversations",
                user,
                serde_json::json!({
                    "patient": {"demographic_no": demographic_no, "name": {"last": "SMITH", "first": "JANE"}},
                    "message": {"body": body, "allow_replies": allow_replies, "idempotency_key": unique_key()}
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
        json["conversation"]["id"].as_i64().unwrap()
    }

    /// The patient of a conversation replies (the portal's path into the store).
    pub async fn patient_reply(
        &self,
        conversation_id: i64,
        body: &str,
    ) -> Result<Sent, cortico_service::store::StoreError> {
        let (patient_id, clinic_id): (i64, i64) =
            sqlx::query_as("SELECT patient_id, clinic_id FROM conversations WHERE id = $1")
                .bind(conversation_id)
                .fetch_one(self.state.db.read())
                .await
                .unwrap();
        let out =
            Outgoing { body: body.into(), attachment_ids: vec![], allow_replies: false, idempotency_key: unique_key() };
        conversations::send(
            &self.state.db,
            Actor::Patient { id: patient_id, clinic_id },
            conversation_id,
            out,
            self.now(),
        )
        .await
    }
}

pub fn unique_key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("key-{}", N.fetch_add(1, Ordering::Relaxed))
}

/// A request builder with an optional bearer token.
pub fn request(method: Method, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let req = Request::builder().method(method).uri(path);
    match token {
        Some(t) => req.header(header::AUTHORIZATION, format!("Bearer {t}")),
        None => req,
    }
}

/// Asserts an error answer: the status and the JSON `{code, message}` shape.
#[track_caller]
pub fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "an error has a readable message: {body}");
}

/// The conversation ids of a list page.
pub fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().expect("a page has items").iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

/// One server-sent event.
#[derive(Debug)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<String>,
    pub data: Value,
}

/// The body of `GET /api/stream`, read event by event.
pub struct EventStream {
    body: axum::body::BodyDataStream,
    buf: String,
}

impl EventStream {
    /// True when the server closes the stream within `limit` (events before
    /// the end are skipped).
    pub async fn ends_within(&mut self, limit: std::time::Duration) -> bool {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return false,
                Ok(None) => return true,
                Ok(Some(_)) => continue,
            }
        }
    }

    /// The next event, or `None` when none arrives within `limit`.
    pub async fn next_within(&mut self, limit: std::time::Duration) -> Option<SseEvent> {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = SseEvent { event: "message".into(), id: None, data: Value::Null };
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        event.id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                // Blocks of comments only are keep-alives.
                if !data.is_empty() {
                    event.data = serde_json::from_str(&data).expect("event data is JSON");
                    return Some(event);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next()).await.ok()??;
            let chunk = chunk.expect("stream body");
            self.buf.push_str(std::str::from_utf8(&chunk).expect("UTF-8 events"));
        }
    }
}

impl TestApp {
    /// Sends a prepared request and returns the whole response.
    pub async fn response(&self, req: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(req).await.expect("router answers")
    }

    /// Moves the service clock forward.
    pub fn advance(&self, by: std::time::Duration) {
        self.state.clock.advance(by);
    }

    /// Starts a conversation with a named patient; returns its id.
    pub async fn start_with(
        &self,
        user: &User,
        demographic_no: u32,
        (last, first): (&str, &str),
        body: &str,
        allow_replies: bool,
    ) -> i64 {
        let (status, json) = self
            .post(
                "/api/conversations",
                user,
                serde_json::json!({
                    "patient": {"demographic_no": demographic_no, "name": {"last": last, "first": first}},
                    "message": {"body": body, "allow_replies": allow_replies, "idempotency_key": unique_key()}
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
        json["conversation"]["id"].as_i64().unwrap()
    }

    /// Sends a message through the API with a fresh idempotency key.
    pub async fn send_message(
        &self,
        user: &User,
        conversation_id: i64,
        body: &str,
        allow_replies: bool,
    ) -> (StatusCode, Value) {
        self.post(
            &format!("/api/conversations/{conversation_id}/messages"),
            user,
            serde_json::json!({"body": body, "allow_replies": allow_replies, "idempotency_key": unique_key()}),
        )
        .await
    }

    /// Uploads a file through the API.
    pub async fn upload(&self, user: &User, name: &str, bytes: impl Into<Body>) -> (StatusCode, Value) {
        let path = format!(
            "/api/attachments?name={}",
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
        );
        let req = request(Method::POST, &path, Some(&user.token))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes.into())
            .unwrap();
        self.send(req).await
    }

    /// Uploads a small PDF; returns its attachment id.
    pub async fn upload_pdf(&self, user: &User, name: &str, text: &str) -> i64 {
        let (status, info) = self.upload(user, name, format!("%PDF-1.4\n{text}\n%%EOF\n")).await;
        assert_eq!(status, StatusCode::CREATED, "{info}");
        info["id"].as_i64().unwrap()
    }

    /// Downloads an attachment: status, headers and the raw bytes.
    pub async fn download(&self, user: &User, id: i64) -> (StatusCode, axum::http::HeaderMap, bytes::Bytes) {
        let req =
            request(Method::GET, &format!("/api/attachments/{id}"), Some(&user.token)).body(Body::empty()).unwrap();
        let res = self.response(req).await;
        let (parts, body) = res.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        (parts.status, parts.headers, bytes)
    }

    /// The patient of a conversation, as the portal would act for them.
    pub async fn patient(&self, conversation_id: i64) -> Actor {
        let (id, clinic_id): (i64, i64) =
            sqlx::query_as("SELECT patient_id, clinic_id FROM conversations WHERE id = $1")
                .bind(conversation_id)
                .fetch_one(self.state.db.read())
                .await
                .unwrap();
        Actor::Patient { id, clinic_id }
    }

    /// The patient opens the conversation in the portal (read receipts).
    pub async fn patient_opens(&self, conversation_id: i64) {
        let patient = self.patient(conversation_id).await;
        conversations::patient_opened(&self.state.db, patient, conversation_id, self.now())
            .await
            .expect("patient opens the conversation");
    }

    /// One number from the database, e.g. `SELECT COUNT(*) FROM messages`.
    pub async fn count(&self, sql: &str) -> i64 {
        self.state.db.flush().await.unwrap();
        sqlx::query_scalar(sql).fetch_one(self.state.db.read()).await.unwrap()
    }

    /// Everything a request could have written: row counts of the tables
    /// and every conversation's state, to compare before and after.
    pub async fn snapshot(&self) -> Vec<String> {
        let mut out = Vec::new();
        for table in [
            "patients",
            "conversations",
            "conversation_members",
            "messages",
            "idempotency_keys",
            "attachments",
            "read_state",
            "audit_log",
        ] {
            let n = self.count(&format!("SELECT COUNT(*) FROM {table}")).await;
            out.push(format!("{table}: {n}"));
        }
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT id || ' ' || state || ' ' || replies_allowed || ' ' || last_message_id || ' ' || preview
                    || ' ' || needs_reply || ' ' || change_seq FROM conversations ORDER BY id",
        )
        .fetch_all(self.state.db.read())
        .await
        .unwrap();
        out.extend(rows);
        let pending: Vec<String> = sqlx::query_scalar(
            "SELECT id || ' ' || COALESCE(CAST(message_id AS TEXT), 'pending') FROM attachments ORDER BY id",
        )
        .fetch_all(self.state.db.read())
        .await
        .unwrap();
        out.extend(pending);
        out
    }

    /// `POST /api/auth/sign-in` from the default (unknown) address.
    pub async fn sign_in(&self, clinic: &str, email: &str, password: &str) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/api/auth/sign-in",
            None,
            Some(serde_json::json!({"clinic": clinic, "email": email, "password": password})),
        )
        .await
    }

    /// `POST /api/auth/sign-in` from a given client address.
    pub async fn sign_in_from(&self, ip: [u8; 4], clinic: &str, email: &str, password: &str) -> (StatusCode, Value) {
        let mut req = request(Method::POST, "/api/auth/sign-in", None)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::json!({"clinic": clinic, "email": email, "password": password}).to_string()))
            .unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
        self.send(req).await
    }

    /// The audit log as an admin sees it (after pending writes land).
    pub async fn audit(&self, admin: &User, query: &str) -> Value {
        self.state.db.flush().await.unwrap();
        let (status, page) = self.get(&format!("/api/audit{query}"), admin).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page
    }

    /// Opens the live stream of a user.
    pub async fn stream(&self, user: &User, last_event_id: Option<&str>) -> EventStream {
        let mut req = request(Method::GET, "/api/stream", Some(&user.token));
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let res = self.response(req.body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
        EventStream { body: res.into_body().into_data_stream(), buf: String::new() }
    }

    /// Walks a list with `limit`-sized pages; returns the pages' ids.
    pub async fn walk(&self, user: &User, path: &str, limit: usize) -> Vec<Vec<i64>> {
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                None => format!("{path}{sep}limit={limit}"),
                Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            };
            let (status, page) = self.get(&url, user).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let page_ids = ids(&page);
            assert!(page_ids.len() <= limit);
            pages.push(page_ids);
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
            assert!(pages.len() < 100, "pagination does not end");
        }
        pages
    }
}

/// Attachment files on disk (SQLite keeps them under `files/`).
pub fn files_on_disk(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|entries| {
                entries
                    .map(|e| {
                        let e = e.unwrap();
                        if e.file_type().unwrap().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.dir.path().join("files"))
}
