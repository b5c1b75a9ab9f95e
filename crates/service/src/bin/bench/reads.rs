//! List latency: the Triage list and the unread badge, read over HTTP by a
//! few concurrent clients of the same staff member.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use hyper::StatusCode;

use crate::client::Conn;
use crate::stats::Latencies;

/// Requests `path` `requests` times from `clients` connections (after
/// `warm_up` unmeasured ones) and returns the latencies; fails on any answer
/// other than 200.
pub async fn measure(
    addr: SocketAddr,
    token: &str,
    path: &str,
    clients: usize,
    warm_up: usize,
    requests: usize,
) -> anyhow::Result<Latencies> {
    let mut conns = Vec::with_capacity(clients);
    for _ in 0..clients {
        conns.push(Conn::open(addr, token).await?);
    }
    for n in 0..warm_up {
        call(&mut conns[n % clients], path).await?;
    }
    let left = Arc::new(AtomicUsize::new(requests));
    let mut tasks = Vec::with_capacity(clients);
    for mut conn in conns {
        let left = left.clone();
        let path = path.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            while left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok() {
                let began = Instant::now();
                call(&mut conn, &path).await?;
                latencies.record(began.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Latencies::default();
    for task in tasks {
        all.merge(task.await.context("a client panicked")??);
    }
    Ok(all)
}

async fn call(conn: &mut Conn, path: &str) -> anyhow::Result<bytes::Bytes> {
    let (status, body) = conn.get(path).await?;
    if status != StatusCode::OK {
        bail!("GET {path} answered {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(body)
}

/// Fetches `path` once and returns the JSON (to describe what was measured).
pub async fn peek(addr: SocketAddr, token: &str, path: &str) -> anyhow::Result<serde_json::Value> {
    let mut conn = Conn::open(addr, token).await?;
    let body = call(&mut conn, path).await?;
    serde_json::from_slice(&body).with_context(|| format!("GET {path} is not JSON"))
}
