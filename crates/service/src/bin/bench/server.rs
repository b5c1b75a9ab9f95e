//! The service under test: opened in-process on a scratch data directory
//! and served on a loopback port, as `cortico-service serve` does it.

use cortico_service::args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context;
use cortico_protocol::api::Role;
use cortico_service::app::{App, AppConfig};
use cortico_service::crypto;
use cortico_service::http::{self, AppState};
use cortico_service::store::{clinics, sessions};

/// A scratch directory removed when dropped, unless kept for a look.
pub struct ScratchDir {
    path: PathBuf,
    keep: bool,
}

impl ScratchDir {
    /// A new empty directory under `parent`.
    pub fn new(parent: &Path, label: &str, keep: bool) -> anyhow::Result<ScratchDir> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
        let dir = parent.join(format!("cortico-bench-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        if keep {
            eprintln!("bench: data in {}", dir.display());
        }
        Ok(ScratchDir { path: dir, keep })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A running service.
pub struct Service {
    /// Handler state (the database, for setup and counters).
    pub state: AppState,
    /// Where it listens.
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    stopped: tokio::task::JoinHandle<()>,
}

impl Service {
    /// Shuts the server down and waits until its writes are committed.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.stopped.await;
        let _ = self.state.db.flush().await;
    }
}

/// Where a run's data lives: the scratch directory's SQLite file (the
/// service's own pragmas), or a scratch database on a Postgres server.
pub enum Backend {
    /// `<dir>/cortico.db`.
    Sqlite,
    /// A fresh database on this server, dropped afterwards.
    Postgres(crate::pg::TestDatabase),
}

impl Backend {
    /// A fresh backend of the kind `postgres` asks for.
    pub async fn new(postgres: Option<&str>) -> Backend {
        match postgres {
            Some(url) => Backend::Postgres(crate::pg::TestDatabase::create(url).await),
            None => Backend::Sqlite,
        }
    }

    /// The database URL for a data directory.
    pub fn url(&self, dir: &Path) -> String {
        match self {
            Backend::Sqlite => AppConfig::new(dir.to_path_buf()).database_url,
            Backend::Postgres(db) => db.url.clone(),
        }
    }

    /// Keeps a Postgres scratch database for a look afterwards (`--keep`).
    pub fn keep(self) {
        if let Backend::Postgres(db) = self {
            eprintln!("bench: Postgres data in {}", db.url);
            std::mem::forget(db);
        }
    }

    /// The prefix of this backend's figure names.
    pub fn prefix(&self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres(_) => "postgres_",
        }
    }
}

/// Opens the service on `dir` and `backend` without serving yet.
pub async fn open(dir: &Path, backend: &Backend) -> anyhow::Result<App> {
    let mut config = AppConfig::new(dir.to_path_buf());
    config.database_url = backend.url(dir);
    // The `serve` default.
    config.read_connections = 8;
    App::open(&config).await
}

/// Serves an opened service on 127.0.0.1 until [`Service::stop`].
pub async fn serve(app: App) -> anyhow::Result<Service> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    app.start_chores();
    let App { state, shutdown, .. } = app;
    let router = http::router(state.clone());
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let stopped = tokio::spawn(async move {
        let signal = async move {
            let _ = stop_rx.await;
        };
        if let Err(err) = http::serve(listener, router, shutdown, signal).await {
            eprintln!("bench: the server stopped: {err}");
        }
    });
    Ok(Service { state, addr, stop, stopped })
}

/// Creates a clinic; returns its id.
pub async fn clinic(state: &AppState, slug: &str) -> anyhow::Result<i64> {
    Ok(clinics::create(&state.db, slug, &format!("{slug} clinic"), state.clock.now())
        .await
        .context("creating the clinic")?
        .id)
}

/// A staff member with a live session, made in the store as the API tests
/// do (signing in would spend Argon2 time per account).
pub struct Staff {
    /// Staff id.
    pub id: i64,
    /// Bearer token.
    pub token: String,
}

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| crypto::hash_password("benchmark password"))
}

/// Creates a staff account and a session for it.
pub async fn staff(state: &AppState, clinic_id: i64, email: String, name: String, role: Role) -> anyhow::Result<Staff> {
    let now = state.clock.now();
    let hash = password_hash().to_owned();
    let (id, token) = state
        .db
        .write(move |w| {
            Box::pin(async move {
                let id: i64 = w
                    .scalar(
                        "INSERT INTO staff (clinic_id, email, name, role, password_hash, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                        args![clinic_id, &email, &name, role.as_str(), &hash, now],
                    )
                    .await?;
                cortico_service::store::unread::new_staff(w, clinic_id, id).await?;
                let token = sessions::create(w, id, now).await?;
                Ok((id, token))
            })
        })
        .await
        .context("creating a staff account")?;
    Ok(Staff { id, token })
}

/// The change sequence number: it grows by one per committed write batch.
pub async fn change_seq(state: &AppState) -> anyhow::Result<i64> {
    cortico_service::store::lists::current_seq(state.db.read()).await.context("reading the change sequence")
}
