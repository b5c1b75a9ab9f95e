//! Fan-out of committed changes to the live streams of this instance.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::db::Change;

/// Something that must see changes before the writes that made them are
/// acknowledged (the session cache).
pub type Observer = Arc<dyn Fn(&[Change]) + Send + Sync>;

/// Committed changes, one message per transaction.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Vec<Change>>>,
    observers: Arc<std::sync::RwLock<Vec<Observer>>>,
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
        Hub { tx, observers: Arc::default() }
    }

    /// Calls `observer` with every batch of changes, synchronously, before
    /// the writes are acknowledged.
    pub fn observe(&self, observer: Observer) {
        self.observers.write().expect("hub observers lock").push(observer);
    }

    /// Tells the observers, then sends changes to every stream (no-op when
    /// nobody listens).
    pub fn publish(&self, changes: Vec<Change>) {
        for observer in self.observers.read().expect("hub observers lock").iter() {
            observer(&changes);
        }
        let _ = self.tx.send(Arc::new(changes));
    }

    /// Receives every change published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<Change>>> {
        self.tx.subscribe()
    }
}
