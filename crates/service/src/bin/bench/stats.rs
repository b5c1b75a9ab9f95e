//! Latency samples and their percentiles.

use std::time::Duration;

/// Request latencies, in microseconds.
#[derive(Default)]
pub struct Latencies {
    micros: Vec<u64>,
}

impl Latencies {
    /// Records one request.
    pub fn record(&mut self, took: Duration) {
        self.micros.push(took.as_micros() as u64);
    }

    /// Adds another client's samples.
    pub fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
    }

    /// The `p`-th percentile (0..=100) in milliseconds, nearest-rank.
    pub fn percentile_ms(&mut self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return f64::NAN;
        }
        self.micros.sort_unstable();
        let rank = ((p / 100.0) * self.micros.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.micros.len()) - 1;
        self.micros[index] as f64 / 1000.0
    }
}

/// Prints one figure on stdout: `name value unit`.
pub fn figure(name: &str, value: f64, unit: &str) {
    if value.abs() >= 100.0 || value == value.trunc() {
        println!("{name} {value:.0} {unit}");
    } else {
        println!("{name} {value:.2} {unit}");
    }
}
