//! Fan-out of committed changes to the live streams of this instance.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::db::Change;

/// Committed changes, one message per transaction.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Vec<Change>>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    /// A hub with room for bursts; a stream that falls further behind is told to resync.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Hub { tx }
    }

    /// Sends changes to every stream (no-op when nobody listens).
    pub fn publish(&self, changes: Vec<Change>) {
        let _ = self.tx.send(Arc::new(changes));
    }

    /// Receives every change published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<Change>>> {
        self.tx.subscribe()
    }
}
