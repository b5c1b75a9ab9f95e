//! Fan-out of committed changes to the live streams of this instance.
//!
//! Changes written by this instance are published by its writer right after
//! commit; with Postgres, those of the other instances arrive through the
//! database's notifications (see [`crate::db::postgres`]). When that feed
//! was interrupted, a [`Published::Resync`] tells every stream to reload.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::db::Change;

/// What a stream receives.
#[derive(Debug)]
pub enum Published {
    /// The changes of one committed transaction.
    Changes(Vec<Change>),
    /// Changes may have been missed: everyone reloads.
    Resync,
}

/// Something that must see changes before the writes that made them are
/// acknowledged (the session cache).
pub type Observer = Arc<dyn Fn(&Published) + Send + Sync>;

/// Committed changes, one message per transaction.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Published>>,
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

    /// Calls `observer` with everything published, synchronously, before
    /// the writes are acknowledged.
    pub fn observe(&self, observer: Observer) {
        self.observers.write().expect("hub observers lock").push(observer);
    }

    /// Tells the observers, then sends changes to every stream (no-op when
    /// nobody listens).
    pub fn publish(&self, changes: Vec<Change>) {
        self.send(Published::Changes(changes));
    }

    /// Tells every stream that changes may have been missed.
    pub fn resync(&self) {
        self.send(Published::Resync);
    }

    fn send(&self, published: Published) {
        for observer in self.observers.read().expect("hub observers lock").iter() {
            observer(&published);
        }
        let _ = self.tx.send(Arc::new(published));
    }

    /// Receives everything published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }
}
