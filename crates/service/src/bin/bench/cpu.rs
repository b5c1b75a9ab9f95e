//! Where the CPU time goes: per-thread CPU time from `/proc/self/task`
//! (Linux; elsewhere nothing is reported).

use std::collections::HashMap;
use std::time::Duration;

/// CPU time of each live thread of this process: tid → (name, time).
#[derive(Default)]
pub struct Snapshot(HashMap<u32, (String, Duration)>);

/// Kernel clock ticks per second (USER_HZ), 100 on every Linux build that matters.
const TICKS_PER_SECOND: u64 = 100;

impl Snapshot {
    /// Reads the CPU time of every thread now.
    pub fn take() -> Snapshot {
        let mut threads = HashMap::new();
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return Snapshot(threads);
        };
        for task in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            // "tid (name) state ppid … utime stime …": the name may hold spaces.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let name = stat[open + 1..close].to_owned();
            let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
            let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
            let (Some(utime), Some(stime)) = (ticks(11), ticks(12)) else {
                continue;
            };
            let Ok(tid) = stat[..open].trim().parse::<u32>() else {
                continue;
            };
            let time = Duration::from_millis((utime + stime) * 1000 / TICKS_PER_SECOND);
            threads.insert(tid, (name, time));
        }
        Snapshot(threads)
    }

    /// A one-line summary of the CPU used since `before`, by thread kind,
    /// with the busiest SQLite reader thread.
    pub fn summary_since(&self, before: &Snapshot, wall: Duration) -> String {
        let mut by_kind: HashMap<&str, Duration> = HashMap::new();
        let mut busiest_sqlite = Duration::ZERO;
        let mut total = Duration::ZERO;
        for (tid, (name, time)) in &self.0 {
            let used = before.0.get(tid).map_or(*time, |(_, t)| time.saturating_sub(*t));
            let kind = if name.starts_with("tokio-rt") {
                "tokio workers"
            } else if name.starts_with("cortico-writer") {
                "writer thread"
            } else if name.starts_with("sqlx-sqlite") {
                busiest_sqlite = busiest_sqlite.max(used);
                "sqlite reader threads"
            } else {
                "other"
            };
            *by_kind.entry(kind).or_default() += used;
            total += used;
        }
        let share = |d: Duration| 100.0 * d.as_secs_f64() / wall.as_secs_f64();
        let mut kinds: Vec<_> = by_kind.into_iter().collect();
        kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
        let parts: Vec<String> = kinds.iter().map(|(k, d)| format!("{k} {:.0}%", share(*d))).collect();
        format!(
            "CPU {:.0}% of one core ({}; busiest SQLite reader thread {:.0}%)",
            share(total),
            parts.join(", "),
            share(busiest_sqlite)
        )
    }
}
