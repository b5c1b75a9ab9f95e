//! The service's notion of "now", in Unix epoch milliseconds. Tests move it
//! forward to check expiries and lockouts without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall clock plus an offset that only tests change.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Milliseconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        wall + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves time forward (tests).
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }
}

/// Milliseconds in a minute, hour and day, for readable limits.
pub const MINUTE: i64 = 60_000;
/// See [`MINUTE`].
pub const HOUR: i64 = 60 * MINUTE;
/// See [`MINUTE`].
pub const DAY: i64 = 24 * HOUR;
