//! The test harness: a fresh service on a temporary SQLite file, clinics
//! and staff made directly in the store, and a JSON request helper.

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
    _dir: tempfile::TempDir,
    _app: App,
}

/// A signed-in staff member.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub clinic_id: i64,
    pub token: String,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            id: self.id,
            clinic_id: self.clinic_id,
        }
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
        let dir = tempfile::tempdir().expect("temp dir");
        let config = AppConfig {
            data_dir: dir.path().to_path_buf(),
            database_url: format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
            read_connections: 4,
            trust_proxy: false,
        };
        let app = App::open(&config).await.expect("service opens");
        let router = http::router(app.state.clone());
        TestApp {
            state: app.state.clone(),
            router,
            _dir: dir,
            _app: app,
        }
    }

    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    pub async fn clinic(&self, slug: &str) -> i64 {
        clinics::create(&self.state.db, slug, &format!("{slug} clinic"), self.now())
            .await
            .expect("clinic")
            .id
    }

    /// A staff account (password [`PASSWORD`]) with a live session.
    pub async fn user(&self, clinic_id: i64, email: &str, role: Role) -> User {
        let now = self.now();
        let email = email.to_owned();
        let hash = password_hash().to_owned();
        let (id, token) = self
            .state
            .db
            .write(move |w| {
                Box::pin(async move {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO staff (clinic_id, email, name, role, password_hash, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(clinic_id)
                    .bind(&email)
                    .bind(format!("Staff {email}"))
                    .bind(role.as_str())
                    .bind(&hash)
                    .bind(now)
                    .fetch_one(&mut w.conn)
                    .await?;
                    let token = sessions::create(w, id, now).await?;
                    Ok((id, token))
                })
            })
            .await
            .expect("staff");
        User {
            id,
            clinic_id,
            token,
        }
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
            Some(json) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = res.status();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str, user: &User) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(&user.token), None).await
    }

    pub async fn post(&self, path: &str, user: &User, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(&user.token), Some(body))
            .await
    }

    /// Starts a conversation through the API; returns its id.
    pub async fn start(
        &self,
        user: &User,
        demographic_no: u32,
        body: &str,
        allow_replies: bool,
    ) -> i64 {
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
        let out = Outgoing {
            body: body.into(),
            attachment_ids: vec![],
            allow_replies: false,
            idempotency_key: unique_key(),
        };
        conversations::send(
            &self.state.db,
            Actor::Patient {
                id: patient_id,
                clinic_id,
            },
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
