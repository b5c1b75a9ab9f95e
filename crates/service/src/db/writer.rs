//! The single writer of an instance, with group commit (SQLite or Postgres).
//!
//! Requests hand their write as a closure to a dedicated thread that owns
//! the only writing connection. It takes whatever is queued (up to
//! [`MAX_BATCH`]), runs each closure inside its own savepoint of one
//! transaction, commits once (one fsync for the whole batch), and only then
//! answers each request. A failing closure rolls back to its savepoint and
//! leaves the others alone; a failing commit fails them all, so nothing is
//! acknowledged that is not on disk.
//!
//! On SQLite the writer is a thread running rusqlite with cached prepared
//! statements: each statement is a function call, not a hop between threads,
//! which is what lets one writer keep up with thousands of sends a second.
//! On Postgres it is a task on one connection (see [`super::postgres`]); the
//! batch logic below is the same for both.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::path::Path;

use futures::future::BoxFuture;
use futures::FutureExt;
use rusqlite::types::{ToSqlOutput, ValueRef};
use tokio::sync::{mpsc, oneshot};

use super::value::{FromRow, FromValue, Value};
use super::{Result, StoreError};
use crate::events::Hub;

/// Most writes committed in one transaction.
pub const MAX_BATCH: usize = 256;

/// Something that changed, for the live stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Whose clinic.
    pub clinic_id: i64,
    /// Change sequence number (one per committed batch).
    pub seq: i64,
    /// The conversation that changed, if any.
    pub conversation_id: Option<i64>,
    /// Set when only this staff member's view changed (read state), or,
    /// without a conversation, when their account changed (a session ended).
    pub staff_id: Option<i64>,
}

/// What a write closure gets: a transaction to run statements in, and a way
/// to announce changes once they are committed.
pub struct WriteCtx {
    conn: Conn,
    seq: i64,
    changes: Vec<Change>,
}

/// The one writing connection of this instance.
pub(super) enum Conn {
    /// SQLite through rusqlite, on the writer thread.
    Sqlite(rusqlite::Connection),
    /// Postgres through sqlx, on the writer task.
    Postgres(Box<super::postgres::PgWriter>),
}

fn bind(stmt: &mut rusqlite::Statement<'_>, args: &[Value]) -> Result<()> {
    // SQLite numbers "$N" parameters by first appearance, not by N: bind by name.
    for i in 1..=stmt.parameter_count() {
        let n: usize = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Rejected(format!("statement parameter {i} is not of the form $N")))?;
        let value = args.get(n - 1).ok_or_else(|| StoreError::Rejected(format!("no value for ${n}")))?;
        stmt.raw_bind_parameter(i, SqlValue(value))?;
    }
    Ok(())
}

struct SqlValue<'a>(&'a Value);

impl rusqlite::ToSql for SqlValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn column(row: &rusqlite::Row<'_>, i: usize) -> Result<Value> {
    Ok(match row.get_ref(i)? {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Real(f) => Value::Int(f as i64),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

fn sqlite_rows(conn: &rusqlite::Connection, sql: &str, args: &[Value], first_only: bool) -> Result<Vec<Vec<Value>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    bind(&mut stmt, args)?;
    let width = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push((0..width).map(|i| column(row, i)).collect::<Result<Vec<_>>>()?);
        if first_only {
            break;
        }
    }
    Ok(out)
}

impl WriteCtx {
    pub(super) fn new(conn: Conn) -> Self {
        WriteCtx { conn, seq: 0, changes: Vec::new() }
    }

    /// The change sequence number of this transaction.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// Announces a change to the live streams after commit.
    pub fn changed(&mut self, clinic_id: i64, conversation_id: Option<i64>, staff_id: Option<i64>) {
        self.changes.push(Change { clinic_id, seq: self.seq, conversation_id, staff_id });
    }

    /// Runs a statement; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str, args: Vec<Value>) -> Result<u64> {
        match &mut self.conn {
            Conn::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                bind(&mut stmt, &args)?;
                Ok(stmt.raw_execute()? as u64)
            }
            Conn::Postgres(pg) => pg.execute(sql, args).await,
        }
    }

    async fn rows(&mut self, sql: &str, args: Vec<Value>, first_only: bool) -> Result<Vec<Vec<Value>>> {
        match &mut self.conn {
            Conn::Sqlite(conn) => sqlite_rows(conn, sql, &args, first_only),
            Conn::Postgres(pg) => pg.rows(sql, args, first_only).await,
        }
    }

    /// Every row of a query.
    pub async fn all<T: FromRow>(&mut self, sql: &str, args: Vec<Value>) -> Result<Vec<T>> {
        self.rows(sql, args, false).await?.into_iter().map(T::from_row).collect()
    }

    /// The first row, if any.
    pub async fn optional<T: FromRow>(&mut self, sql: &str, args: Vec<Value>) -> Result<Option<T>> {
        self.rows(sql, args, true).await?.into_iter().next().map(T::from_row).transpose()
    }

    /// The one row a query must return.
    pub async fn one<T: FromRow>(&mut self, sql: &str, args: Vec<Value>) -> Result<T> {
        self.optional(sql, args).await?.ok_or(StoreError::Db(sqlx::Error::RowNotFound))
    }

    /// The first column of the one row a query must return.
    pub async fn scalar<T: FromValue>(&mut self, sql: &str, args: Vec<Value>) -> Result<T> {
        let (v,): (T,) = self.one(sql, args).await?;
        Ok(v)
    }

    /// The first column of the first row, if any.
    pub async fn scalar_optional<T: FromValue>(&mut self, sql: &str, args: Vec<Value>) -> Result<Option<T>> {
        Ok(self.optional::<(T,)>(sql, args).await?.map(|(v,)| v))
    }

    /// Two transaction-control statements, in one round trip on Postgres.
    async fn control_pair(&mut self, first: &str, second: &str) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(_) => {
                self.control(first).await?;
                self.control(second).await
            }
            Conn::Postgres(pg) => pg.control(&format!("{first}; {second}")).await,
        }
    }

    /// A statement without parameters or rows (transaction control).
    async fn control(&mut self, sql: &str) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(conn) => {
                conn.prepare_cached(sql)?.raw_execute()?;
                Ok(())
            }
            Conn::Postgres(pg) => pg.control(sql).await,
        }
    }
}

type Output = Box<dyn Any + Send>;
type JobFn = Box<dyn for<'c> FnOnce(&'c mut WriteCtx) -> BoxFuture<'c, Result<Output>> + Send>;

/// Where a job's outcome goes (`None`: nobody waits).
type Reply = Option<oneshot::Sender<Result<Output>>>;

struct Job {
    run: JobFn,
    reply: Reply,
}

/// Handle to the writer thread.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

/// Opens the writing connection with the service's settings: WAL, so readers
/// run beside it, and `synchronous=FULL`, so a commit is on disk before any
/// request hears "done".
fn open_sqlite(path: &Path) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA busy_timeout = 10000;
         PRAGMA foreign_keys = ON;
         PRAGMA mmap_size = 4294967296;
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

impl Writer {
    /// Starts the writer thread on the SQLite file at `path`.
    pub fn start_sqlite(path: &Path, hub: Hub) -> Result<Writer> {
        let conn = open_sqlite(path)?;
        let (tx, mut rx) = mpsc::channel(8192);
        std::thread::Builder::new()
            .name("cortico-writer".into())
            .spawn(move || {
                let mut ctx = WriteCtx::new(Conn::Sqlite(conn));
                // SQLite calls complete at once, so the batch future never waits.
                while let Some(batch) = rx.blocking_recv().map(|first| take_batch(first, &mut rx)) {
                    futures::executor::block_on(commit_batch(&mut ctx, batch, &hub));
                }
                tracing::info!("database writer stopped");
            })
            .map_err(|e| StoreError::Rejected(format!("could not start the writer thread: {e}")))?;
        Ok(Writer { tx })
    }

    /// Starts the writer thread on a Postgres connection. The thread runs
    /// its own single-threaded runtime, so the writer (which every write
    /// waits for) never queues behind request handlers between its
    /// statements' round trips.
    pub async fn start_postgres(
        options: sqlx::postgres::PgConnectOptions,
        instance: String,
        hub: Hub,
    ) -> anyhow::Result<Writer> {
        let (tx, mut rx) = mpsc::channel::<Job>(8192);
        let (ready, started) = oneshot::channel();
        std::thread::Builder::new().name("cortico-writer".into()).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(err) => return drop(ready.send(Err(anyhow::Error::from(err)))),
            };
            runtime.block_on(async move {
                let pg = match super::postgres::PgWriter::open(options, instance).await {
                    Ok(pg) => pg,
                    Err(err) => return drop(ready.send(Err(err.into()))),
                };
                let _ = ready.send(Ok(()));
                let mut ctx = WriteCtx::new(Conn::Postgres(Box::new(pg)));
                while let Some(first) = rx.recv().await {
                    let batch = take_batch(first, &mut rx);
                    commit_batch(&mut ctx, batch, &hub).await;
                }
                tracing::info!("database writer stopped");
            });
        })?;
        started.await.map_err(|_| anyhow::anyhow!("the database writer thread stopped"))??;
        Ok(Writer { tx })
    }

    fn boxed<T, F>(job: F) -> JobFn
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteCtx) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        Box::new(move |ctx| Box::pin(async move { job(ctx).await.map(|t| Box::new(t) as Output) }))
    }

    /// Runs `job` and waits for its commit.
    pub async fn run<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteCtx) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { run: Self::boxed(job), reply: Some(reply) }).await.map_err(|_| StoreError::WriterGone)?;
        let out = answer.await.map_err(|_| StoreError::WriterGone)??;
        Ok(*out.downcast::<T>().expect("the writer returns what the job produced"))
    }

    /// Queues `job` without waiting; failures are logged.
    pub fn spawn<F>(&self, job: F)
    where
        F: for<'c> FnOnce(&'c mut WriteCtx) -> BoxFuture<'c, Result<()>> + Send + 'static,
    {
        if let Err(mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job)) =
            self.tx.try_send(Job { run: Self::boxed(job), reply: None })
        {
            // Full queue: hand it over without blocking the caller.
            let tx = self.tx.clone();
            tokio::spawn(async move {
                if tx.send(job).await.is_err() {
                    tracing::warn!("a background write was dropped: the writer has stopped");
                }
            });
        }
    }
}

/// `first` and whatever else is already queued, up to [`MAX_BATCH`].
fn take_batch(first: Job, rx: &mut mpsc::Receiver<Job>) -> Vec<Job> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    batch
}

async fn commit_batch(ctx: &mut WriteCtx, batch: Vec<Job>, hub: &Hub) {
    ctx.changes.clear();
    if let Err(err) = begin(ctx).await {
        tracing::error!(error = %err, "could not start a write transaction");
        fail_all(batch.into_iter().map(|j| j.reply), &err.to_string());
        return;
    }
    // A batch of one needs no savepoint: if the job fails, the whole
    // transaction is rolled back and the job hears its own error.
    if batch.len() == 1 {
        let job = batch.into_iter().next().expect("one job");
        let mark = ctx.changes.len();
        let outcome = run_job(ctx, job.run).await;
        if outcome.is_err() {
            ctx.changes.truncate(mark);
            abandon(ctx).await;
            send(job.reply, outcome);
            return;
        }
        return finish(ctx, hub, vec![(job.reply, outcome)]).await;
    }
    let mut done: Vec<(Reply, Result<Output>)> = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    let mut first = true;
    while let Some(job) = jobs.next() {
        match run_in_savepoint(ctx, job.run, first).await {
            Ok(outcome) => done.push((job.reply, outcome)),
            Err(err) => {
                // The savepoint machinery itself failed: the transaction is unusable.
                tracing::error!(error = %err, "write transaction broke");
                abandon(ctx).await;
                let replies =
                    done.into_iter().map(|(r, _)| r).chain(std::iter::once(job.reply)).chain(jobs.map(|j| j.reply));
                fail_all(replies, &err.to_string());
                return;
            }
        }
        first = false;
    }
    finish(ctx, hub, done).await;
}

/// Commits the batch, then publishes its changes and answers its jobs; or
/// fails them all if the commit fails.
async fn finish(ctx: &mut WriteCtx, hub: &Hub, done: Vec<(Reply, Result<Output>)>) {
    let committed = match announce(ctx).await {
        Ok(()) => ctx.control("COMMIT").await,
        Err(err) => Err(err),
    };
    match committed {
        Ok(()) => {
            if !ctx.changes.is_empty() {
                hub.publish(std::mem::take(&mut ctx.changes));
            }
            for (reply, outcome) in done {
                send(reply, outcome);
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "commit failed");
            abandon(ctx).await;
            fail_all(done.into_iter().map(|(r, _)| r), &err.to_string());
        }
    }
}

/// Rolls back after a failure; a Postgres connection that cannot even do
/// that is replaced before the next batch.
async fn abandon(ctx: &mut WriteCtx) {
    if ctx.control("ROLLBACK").await.is_err() {
        if let Conn::Postgres(pg) = &mut ctx.conn {
            pg.mark_broken();
        }
    }
}

/// Tells the other instances what this transaction changed (Postgres: a
/// NOTIFY, delivered only if and when the transaction commits).
async fn announce(ctx: &mut WriteCtx) -> Result<()> {
    match &mut ctx.conn {
        Conn::Sqlite(_) => Ok(()),
        Conn::Postgres(pg) => pg.announce(&ctx.changes).await,
    }
}

async fn begin(ctx: &mut WriteCtx) -> Result<()> {
    match &mut ctx.conn {
        // IMMEDIATE takes the write lock now instead of failing later with SQLITE_BUSY.
        Conn::Sqlite(_) => ctx.control("BEGIN IMMEDIATE").await?,
        // Reconnects first if the connection was lost.
        Conn::Postgres(pg) => pg.begin().await?,
    }
    // Taking the next number locks the counter row until commit, so on
    // Postgres too the write transactions of every instance run one at a
    // time, in the order of their numbers.
    let seq = ctx
        .scalar::<i64>("UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value", vec![])
        .await;
    match seq {
        Ok(seq) => {
            ctx.seq = seq;
            Ok(())
        }
        Err(err) => {
            abandon(ctx).await;
            Err(err)
        }
    }
}

/// Runs one job, turning a panic into an error.
async fn run_job(ctx: &mut WriteCtx, run: JobFn) -> Result<Output> {
    AssertUnwindSafe(run(ctx)).catch_unwind().await.unwrap_or_else(|_| {
        tracing::error!("a write job panicked; its changes were rolled back");
        Err(StoreError::Rejected("internal error".into()))
    })
}

/// Runs one job inside a savepoint. The outer error means the transaction
/// itself is broken; the inner result is the job's own outcome. The
/// previous job's savepoint is released as this one is taken (one round
/// trip on Postgres); COMMIT releases the last.
async fn run_in_savepoint(ctx: &mut WriteCtx, run: JobFn, first: bool) -> Result<Result<Output>> {
    if first {
        ctx.control("SAVEPOINT job").await?;
    } else {
        ctx.control_pair("RELEASE job", "SAVEPOINT job").await?;
    }
    let mark = ctx.changes.len();
    let outcome = run_job(ctx, run).await;
    if outcome.is_err() {
        ctx.changes.truncate(mark);
        ctx.control("ROLLBACK TO job").await?;
    }
    Ok(outcome)
}

fn send(reply: Reply, outcome: Result<Output>) {
    match reply {
        // The requester may have gone; the write stands either way.
        Some(reply) => drop(reply.send(outcome)),
        None => {
            if let Err(err) = outcome {
                tracing::warn!(error = %err, "a background write failed");
            }
        }
    }
}

fn fail_all(replies: impl Iterator<Item = Option<oneshot::Sender<Result<Output>>>>, message: &str) {
    for reply in replies {
        send(reply, Err(StoreError::CommitFailed(message.to_owned())));
    }
}
