//! Opens everything one service instance needs: database, file store,
//! secret key, change hub; and runs its background chores.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rand::RngCore;
use tokio::sync::watch;

use crate::clock::{Clock, DAY, HOUR};
use crate::db::{Db, DbConfig};
use crate::events::{Hub, Published};
use crate::files::FileStore;
use crate::http::{AppState, Settings};
use crate::notify::email::{EmailTransport, SmtpConfig};
use crate::notify::{Notifier, Transports, Waker};
use crate::store::attachments;
use crate::store::sessions::SessionCache;

/// What an instance is opened with (`Debug` hides the passwords).
#[derive(Clone)]
pub struct AppConfig {
    /// Data directory.
    pub data_dir: std::path::PathBuf,
    /// Database URL.
    pub database_url: String,
    /// Reader connections.
    pub read_connections: u32,
    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Base URL of the links patients get.
    pub public_url: String,
    /// Email relay, when configured.
    pub smtp: Option<SmtpConfig>,
    /// How long one call to a clinic's Oscar may take.
    pub oscar_timeout: std::time::Duration,
    /// Admins may name an Oscar on a private network (10/8, 192.168/16…).
    pub oscar_private_network: bool,
}

impl AppConfig {
    /// Defaults for a data directory (its SQLite file, no relay, loopback links).
    pub fn new(data_dir: std::path::PathBuf) -> Self {
        AppConfig {
            database_url: format!("sqlite://{}?mode=rwc", data_dir.join("cortico.db").display()),
            data_dir,
            read_connections: 4,
            trusted_proxies: Vec::new(),
            public_url: "http://127.0.0.1:8470".into(),
            smtp: None,
            oscar_timeout: crate::oscar::client::DEFAULT_TIMEOUT,
            oscar_private_network: false,
        }
    }
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("data_dir", &self.data_dir)
            .field("database_url", &crate::config::redact::Url(&self.database_url))
            .field("read_connections", &self.read_connections)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("public_url", &self.public_url)
            .field("smtp", &self.smtp)
            .field("oscar_timeout", &self.oscar_timeout)
            .finish()
    }
}

/// An opened instance: the handlers' state and the switch that stops its streams.
pub struct App {
    /// Handler state.
    pub state: AppState,
    /// Send `true` to end open streams (shutdown).
    pub shutdown: watch::Sender<bool>,
    /// The notification worker (started by [`App::start_chores`]).
    pub notifier: Notifier,
}

impl App {
    /// Opens the data directory and database.
    pub async fn open(config: &AppConfig) -> anyhow::Result<App> {
        if !config.data_dir.exists() {
            crate::private::create_dir_all(&config.data_dir)
                .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
        }
        let hub = Hub::new();
        let db = Db::open(
            &DbConfig { url: config.database_url.clone(), read_connections: config.read_connections },
            hub.clone(),
        )
        .await?;
        // With Postgres the bytes go in the database, so every instance has them.
        let shared = (db.dialect == crate::db::Dialect::Postgres).then(|| db.clone());
        let files = FileStore::open(&config.data_dir, shared).context("opening the attachment store")?;
        let secret_key = secret_key(&config.data_dir)?;
        crate::store::deployment::check_secret_key(&db, &secret_key).await?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let waker = Waker::default();
        let clock = Clock::default();
        let public_url = config.public_url.trim_end_matches('/').to_owned();
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"].iter().any(|p| public_url.starts_with(p));
        let settings = Settings {
            trusted_proxies: config.trusted_proxies.clone(),
            secret_key,
            public_url: public_url.clone(),
            secure_cookies: !local,
            body_timeouts: Default::default(),
        };
        let mut transports = Transports::default();
        if let Some(smtp) = &config.smtp {
            transports.email = Some(Arc::new(EmailTransport::new(smtp)?));
        }
        let oscar = crate::oscar::Connector::new(
            db.clone(),
            settings.secret_key.clone(),
            clock.clone(),
            &public_url,
            config.oscar_timeout,
            config.oscar_private_network,
        );
        let notifier = Notifier { db: db.clone(), transports, public_url, clock: clock.clone(), waker: waker.clone() };
        let sessions = SessionCache::default();
        evict_ended_sessions(&hub, sessions.clone());
        let state = AppState {
            list_views: Default::default(),
            oscar,
            db,
            hub,
            files,
            clock,
            settings: Arc::new(settings),
            shutdown: shutdown_rx,
            notifier: waker,
            sessions,
            streams: Default::default(),
        };
        Ok(App { state, shutdown, notifier })
    }

    /// Starts the notification worker and the hourly clean-up of uploads
    /// never sent (kept a day).
    pub fn start_chores(&self) {
        if self.notifier.transports.email.is_none() {
            tracing::warn!("no SMTP relay configured (--smtp-host): patient notifications wait in the outbox");
        }
        tokio::spawn(self.notifier.clone().run());
        let state = self.state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(HOUR as u64));
            loop {
                every.tick().await;
                // Keep SQLite's planner statistics current as the data grows
                // (Postgres does this itself with autovacuum).
                if state.db.dialect == crate::db::Dialect::Sqlite {
                    state.db.write_later(|w| {
                        Box::pin(async move { w.execute("PRAGMA optimize", vec![]).await.map(|_| ()) })
                    });
                }
                match attachments::collect_garbage(&state.db, &state.files, state.clock.now(), DAY).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "removed uploads that were never sent"),
                    Err(err) => tracing::warn!(error = %err, "upload clean-up failed"),
                }
            }
        });
    }
}

/// Ending a session publishes a change to the staff member's account (no
/// conversation): their cached sessions go before the change is acknowledged.
fn evict_ended_sessions(hub: &Hub, cache: SessionCache) {
    hub.observe(Arc::new(move |published| match published {
        Published::Changes(changes) => {
            for c in changes.iter().filter(|c| c.conversation_id.is_none()) {
                if let Some(staff_id) = c.staff_id {
                    cache.evict_staff(staff_id);
                }
            }
        }
        // Another instance may have ended sessions meanwhile.
        Published::Resync => cache.clear(),
    }));
}

/// The key of keyed hashes: `CORTICO_SECRET_KEY` (64 hex digits), else
/// `<data-dir>/secret.key`, created on first start. Every instance of one
/// deployment must use the same key.
fn secret_key(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(hex_key) = std::env::var("CORTICO_SECRET_KEY") {
        let key = hex::decode(hex_key.trim()).context("CORTICO_SECRET_KEY must be hex")?;
        anyhow::ensure!(key.len() >= 32, "CORTICO_SECRET_KEY must be at least 32 bytes (64 hex digits)");
        return Ok(key);
    }
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read(&path) {
        anyhow::ensure!(existing.len() >= 32, "{} is too short", path.display());
        // An older version may have left it readable by others.
        crate::private::restrict(&path, false)?;
        return Ok(existing);
    }
    let mut key = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    write_new_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

/// Writes a file that must not exist yet, readable by this user only.
fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = crate::private::file_options().create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
