//! The live streams open on this instance, by staff session.
//!
//! A session holds at most [`PER_SESSION`] streams: opening one more ends
//! the oldest, so a leaked or hostile client cannot pile up connections.
//! A sweep every [`SWEEP_EVERY`] ends the streams of sessions that were
//! ended where this instance could not hear it (the admin CLI is another
//! process, and on SQLite nothing tells this one); sessions ended through
//! this instance or announced by Postgres end their streams at once (see
//! `follow` in the parent module).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::http::AppState;
use crate::store::sessions;

/// Most streams one staff session may hold open at once.
pub const PER_SESSION: usize = 8;
/// How often the sessions of open streams are checked against the database.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// The streams open on this instance.
#[derive(Clone, Default)]
pub struct OpenStreams {
    inner: Arc<Mutex<Inner>>,
    sweeping: Arc<AtomicBool>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    /// Oldest first. Dropping a sender ends its stream.
    by_session: HashMap<i64, VecDeque<(u64, oneshot::Sender<()>)>>,
}

/// One open stream's place in the registry; it leaves when dropped.
pub struct OpenStream {
    streams: OpenStreams,
    session_id: i64,
    id: u64,
    /// Resolves when the stream must end (pushed out, or its session ended).
    pub ended: oneshot::Receiver<()>,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        let mut inner = self.streams.lock();
        if let Some(open) = inner.by_session.get_mut(&self.session_id) {
            open.retain(|(id, _)| *id != self.id);
            if open.is_empty() {
                inner.by_session.remove(&self.session_id);
            }
        }
    }
}

impl OpenStreams {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("open streams lock")
    }

    /// Registers a new stream of `session_id`, ending its oldest beyond
    /// [`PER_SESSION`]; starts the sweep with the first stream.
    pub fn open(&self, state: &AppState, session_id: i64) -> OpenStream {
        if !self.sweeping.swap(true, Ordering::SeqCst) {
            tokio::spawn(sweep(state.clone()));
        }
        let (tx, ended) = oneshot::channel();
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        let open = inner.by_session.entry(session_id).or_default();
        open.push_back((id, tx));
        while open.len() > PER_SESSION {
            open.pop_front();
        }
        drop(inner);
        OpenStream { streams: self.clone(), session_id, id, ended }
    }

    fn sessions(&self) -> Vec<i64> {
        self.lock().by_session.keys().copied().collect()
    }

    /// Ends every stream of a session.
    fn end_session(&self, session_id: i64) {
        self.lock().by_session.remove(&session_id);
    }
}

/// Ends the streams of sessions no longer valid, until shutdown.
async fn sweep(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = shutdown.changed() => return,
        }
        let open = state.streams.sessions();
        if open.is_empty() {
            continue;
        }
        match sessions::still_valid(state.db.read(), &open, state.clock.now()).await {
            Ok(valid) => {
                let valid: std::collections::HashSet<i64> = valid.into_iter().collect();
                for session_id in open.into_iter().filter(|id| !valid.contains(id)) {
                    state.streams.end_session(session_id);
                }
            }
            // A database hiccup does not end streams; the next sweep decides.
            Err(err) => tracing::warn!(error = %err, "could not check the sessions of open streams"),
        }
    }
}
