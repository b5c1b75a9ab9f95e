//! The database: a pool of readers and one path for writes.
//!
//! Queries are written once in SQL that SQLite and Postgres both accept
//! (`$1` placeholders, `ON CONFLICT`, `RETURNING`, row values) and run
//! through sqlx's `Any` driver; the backend is chosen by the URL.
//!
//! Every write of an instance goes through its single writer, which commits
//! many requests in one transaction ("group commit", see [`writer`]); that
//! is what makes durable commits (`synchronous=FULL`) fast. On Postgres
//! several instances may share the database; see [`postgres`].

pub mod postgres;
pub mod value;
pub mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::events::Hub;
pub use value::{Columns, FromRow, FromValue, Value};
pub use writer::{Change, WriteCtx};

/// Which SQL engine is behind the URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite file (the default).
    Sqlite,
    /// A Postgres server.
    Postgres,
}

/// Errors of the storage layer, including the domain rules checked inside
/// write transactions.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist (or belongs to another clinic).
    #[error("{0}")]
    NotFound(&'static str),
    /// The request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// The request breaks a rule (closed conversation, wrong attachment…).
    #[error("{0}")]
    Rejected(String),
    /// Too many attempts; try again later.
    #[error("{0}")]
    RateLimited(String),
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The SQLite writer failed.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The transaction this write was batched in failed to commit.
    #[error("the write could not be committed: {0}")]
    CommitFailed(String),
    /// The writer has stopped (the service is shutting down).
    #[error("the database writer is not running")]
    WriterGone,
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => {
                StoreError::Conflict("That conflicts with what is stored.".into())
            }
            _ => StoreError::Sqlite(err),
        }
    }
}

/// Result of the storage layer.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database of one service instance.
#[derive(Clone)]
pub struct Db {
    /// SQL engine.
    pub dialect: Dialect,
    read: AnyPool,
    writer: writer::Writer,
}

/// Where and how to open the database (`Debug` hides the password).
#[derive(Clone)]
pub struct DbConfig {
    /// `sqlite:///path/file.db` or `postgres://...`.
    pub url: String,
    /// Reader connections.
    pub read_connections: u32,
}

impl std::fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbConfig")
            .field("url", &crate::config::redact::Url(&self.url))
            .field("read_connections", &self.read_connections)
            .finish()
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Opens (creating if needed) and migrates the database, and starts the writer.
    pub async fn open(config: &DbConfig, hub: Hub) -> anyhow::Result<Db> {
        use anyhow::Context as _;
        sqlx::any::install_default_drivers();
        let dialect = if config.url.starts_with("postgres://") || config.url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if config.url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            anyhow::bail!("unsupported database URL (use sqlite:///path or postgres://…)");
        };
        if dialect == Dialect::Postgres {
            return Self::open_postgres(config, hub).await;
        }
        if let Some(path) = sqlite_path(&config.url) {
            // Created here with mode 0600 (SQLite would use 0644), so that
            // its -wal and -shm, which take the database's mode, are too.
            crate::private::prepare_sqlite(Path::new(&path)).with_context(|| format!("creating {path}"))?;
        }
        let options =
            AnyConnectOptions::from_str(&config.url).context("parsing the database URL")?.disable_statement_logging();
        let path = sqlite_path(&config.url).context("the SQLite URL must name a file")?;

        // Migrate through sqlx (the migrations are embedded), then hand the
        // file to the writer thread.
        let migrate_pool = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(|conn, _| Box::pin(async move { sqlite_pragmas(conn, false).await }))
            .connect_with(options.clone())
            .await
            .context("opening the database")?;
        SQLITE_MIGRATIONS.run(&migrate_pool).await.context("migrating the database")?;
        // Fresh statistics for the query planner (cheap when nothing changed).
        migrate_pool.execute("PRAGMA optimize = 0x10002").await.context("optimizing the database")?;
        migrate_pool.close().await;

        let read = AnyPoolOptions::new()
            .max_connections(config.read_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| Box::pin(async move { sqlite_pragmas(conn, true).await }))
            .connect_with(options)
            .await
            .context("opening database readers")?;
        let writer = writer::Writer::start_sqlite(Path::new(&path), hub).context("starting the database writer")?;
        Ok(Db { dialect, read, writer })
    }

    /// Opens a Postgres database shared with other instances: migrates it
    /// (one instance at a time, under the migrator's lock), listens for the
    /// other instances' changes, then starts this instance's writer.
    async fn open_postgres(config: &DbConfig, hub: Hub) -> anyhow::Result<Db> {
        use anyhow::Context as _;
        let options =
            AnyConnectOptions::from_str(&config.url).context("parsing the database URL")?.disable_statement_logging();
        let pg_options = sqlx::postgres::PgConnectOptions::from_str(&config.url)
            .context("parsing the database URL")?
            .disable_statement_logging();
        let read = AnyPoolOptions::new()
            .max_connections(config.read_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .context("connecting to the database")?;
        POSTGRES_MIGRATIONS.run(&read).await.context("migrating the database")?;
        let instance = format!("{:016x}", rand::random::<u64>());
        // Listen before the first write, so no change falls in between.
        let listener = postgres::listen(&pg_options).await.context("listening for changes")?;
        postgres::follow_other_instances(pg_options.clone(), instance.clone(), hub.clone(), listener);
        let writer =
            writer::Writer::start_postgres(pg_options, instance, hub).await.context("starting the database writer")?;
        Ok(Db { dialect: Dialect::Postgres, read, writer })
    }

    /// The reader pool, for queries.
    pub fn read(&self) -> &AnyPool {
        &self.read
    }

    /// Runs `job` in a write transaction and returns its result once it is
    /// durably committed. An error inside `job` rolls back only its own
    /// changes.
    pub async fn write<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteCtx) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        self.writer.run(job).await
    }

    /// Queues a write nobody waits for (audit entries of reads, session
    /// touches). It is committed with the next batch.
    pub fn write_later<F>(&self, job: F)
    where
        F: for<'c> FnOnce(&'c mut WriteCtx) -> BoxFuture<'c, Result<()>> + Send + 'static,
    {
        self.writer.spawn(job)
    }

    /// Waits until everything queued so far is committed (tests, shutdown).
    pub async fn flush(&self) -> Result<()> {
        self.write(|_| Box::pin(async { Ok(()) })).await
    }
}

/// The file path of a `sqlite:` URL, if it names one.
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// WAL lets readers run beside the writer; `synchronous=FULL` makes every
/// commit durable before it is acknowledged.
async fn sqlite_pragmas(conn: &mut sqlx::AnyConnection, reader: bool) -> sqlx::Result<()> {
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA synchronous = FULL").await?;
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    // Map the file instead of copying pages into each connection's small
    // cache: a million-message database then reads at memory speed.
    conn.execute("PRAGMA mmap_size = 4294967296").await?;
    conn.execute("PRAGMA cache_size = -32768").await?;
    conn.execute("PRAGMA temp_store = MEMORY").await?;
    if reader {
        conn.execute("PRAGMA query_only = ON").await?;
    }
    Ok(())
}
