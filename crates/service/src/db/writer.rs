//! The single SQLite writer with group commit.
//!
//! Requests hand their write as a closure to this task. It takes whatever is
//! queued (up to [`MAX_BATCH`]), runs each closure inside its own savepoint of
//! one transaction, commits once (one fsync for the whole batch), and only
//! then answers each request. A failing closure rolls back to its savepoint
//! and leaves the others alone; a failing commit fails them all, so nothing is
//! acknowledged that is not on disk.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::{AnyConnection, Executor};
use tokio::sync::{mpsc, oneshot};

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
    /// Set when only this staff member's view changed (read state).
    pub staff_id: Option<i64>,
}

/// What a write closure gets: the connection inside the open transaction,
/// and a way to announce changes once they are committed.
pub struct WriteCtx {
    /// The connection; a transaction is open on it.
    pub conn: AnyConnection,
    seq: i64,
    changes: Vec<Change>,
}

impl WriteCtx {
    /// The change sequence number of this transaction.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// Announces a change to the live streams after commit.
    pub fn changed(&mut self, clinic_id: i64, conversation_id: Option<i64>, staff_id: Option<i64>) {
        self.changes.push(Change { clinic_id, seq: self.seq, conversation_id, staff_id });
    }
}

type Output = Box<dyn Any + Send>;
type JobFn = Box<dyn for<'c> FnOnce(&'c mut WriteCtx) -> BoxFuture<'c, Result<Output>> + Send>;

struct Job {
    run: JobFn,
    reply: Option<oneshot::Sender<Result<Output>>>,
}

/// Handle to the writer task.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task on `conn`.
    pub fn start_sqlite(conn: AnyConnection, hub: Hub) -> Writer {
        let (tx, rx) = mpsc::channel(8192);
        tokio::spawn(run(conn, rx, hub));
        Writer { tx }
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

async fn run(conn: AnyConnection, mut rx: mpsc::Receiver<Job>, hub: Hub) {
    let mut ctx = WriteCtx { conn, seq: 0, changes: Vec::new() };
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&mut ctx, batch, &hub).await;
    }
    tracing::info!("database writer stopped");
}

async fn commit_batch(ctx: &mut WriteCtx, batch: Vec<Job>, hub: &Hub) {
    ctx.changes.clear();
    if let Err(err) = begin(ctx).await {
        tracing::error!(error = %err, "could not start a write transaction");
        fail_all(batch, &err.to_string());
        return;
    }
    let mut done: Vec<(Option<oneshot::Sender<Result<Output>>>, Result<Output>)> = Vec::with_capacity(batch.len());
    for job in batch {
        let result = run_in_savepoint(ctx, job.run).await;
        match result {
            Ok(outcome) => done.push((job.reply, outcome)),
            Err(err) => {
                // The savepoint machinery itself failed: the transaction is unusable.
                tracing::error!(error = %err, "write transaction broke");
                let _ = ctx.conn.execute("ROLLBACK").await;
                let message = err.to_string();
                for (reply, _) in done {
                    send(reply, Err(StoreError::CommitFailed(message.clone())));
                }
                send(job.reply, Err(StoreError::CommitFailed(message)));
                return;
            }
        }
    }
    match ctx.conn.execute("COMMIT").await {
        Ok(_) => {
            if !ctx.changes.is_empty() {
                hub.publish(std::mem::take(&mut ctx.changes));
            }
            for (reply, outcome) in done {
                send(reply, outcome);
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "commit failed");
            let _ = ctx.conn.execute("ROLLBACK").await;
            let message = err.to_string();
            for (reply, _) in done {
                send(reply, Err(StoreError::CommitFailed(message.clone())));
            }
        }
    }
}

async fn begin(ctx: &mut WriteCtx) -> sqlx::Result<()> {
    // IMMEDIATE takes the write lock now instead of failing later with SQLITE_BUSY.
    ctx.conn.execute("BEGIN IMMEDIATE").await?;
    let seq: sqlx::Result<i64> =
        sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value")
            .fetch_one(&mut ctx.conn)
            .await;
    match seq {
        Ok(seq) => {
            ctx.seq = seq;
            Ok(())
        }
        Err(err) => {
            let _ = ctx.conn.execute("ROLLBACK").await;
            Err(err)
        }
    }
}

/// Runs one job inside a savepoint. The outer error means the transaction
/// itself is broken; the inner result is the job's own outcome.
async fn run_in_savepoint(ctx: &mut WriteCtx, run: JobFn) -> sqlx::Result<Result<Output>> {
    ctx.conn.execute("SAVEPOINT job").await?;
    let mark = ctx.changes.len();
    let outcome = AssertUnwindSafe(run(ctx)).catch_unwind().await.unwrap_or_else(|_| {
        tracing::error!("a write job panicked; its changes were rolled back");
        Err(StoreError::Rejected("internal error".into()))
    });
    if outcome.is_err() {
        ctx.changes.truncate(mark);
        ctx.conn.execute("ROLLBACK TO job").await?;
    }
    ctx.conn.execute("RELEASE job").await?;
    Ok(outcome)
}

fn send(reply: Option<oneshot::Sender<Result<Output>>>, outcome: Result<Output>) {
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

fn fail_all(batch: Vec<Job>, message: &str) {
    for job in batch {
        send(job.reply, Err(StoreError::CommitFailed(message.to_owned())));
    }
}
