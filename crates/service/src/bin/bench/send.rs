//! Send throughput: many clients posting messages over keep-alive
//! connections for a fixed time, on a fresh database with a small clinic.

use cortico_service::args;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use cortico_protocol::api::Role;
use cortico_protocol::{OscarPatientRef, PatientName};
use cortico_service::store::conversations::{self, Outgoing};
use cortico_service::store::Actor;
use futures::future::try_join_all;
use hyper::StatusCode;
use rand::Rng;

use crate::client::Conn;
use crate::cpu;
use crate::server::{self, Service};
use crate::stats::Latencies;

/// How the send benchmark runs.
pub struct Plan {
    /// Concurrent clients, one connection each.
    pub clients: usize,
    /// Staff accounts the clients share.
    pub staff: usize,
    /// Conversations the clients write into.
    pub conversations: usize,
    /// Sends before measuring.
    pub warm_up: Duration,
    /// Measured time.
    pub measure: Duration,
}

/// What was measured.
pub struct Outcome {
    /// Sends answered 201 within the measured time.
    pub sent: usize,
    /// Their latencies.
    pub latencies: Latencies,
    /// Committed write batches within the measured time.
    pub commits: i64,
    /// Where the CPU went during the measured time.
    pub cpu: String,
}

/// Creates the clinic, staff and conversations the clients write into.
/// Returns the staff tokens and the conversation ids.
pub async fn setup(service: &Service, plan: &Plan) -> anyhow::Result<(Vec<String>, Vec<i64>)> {
    let state = &service.state;
    let clinic_id = server::clinic(state, "send-bench").await?;
    let mut staff = Vec::new();
    for n in 0..plan.staff {
        let role = if n % 2 == 0 { Role::Moa } else { Role::Doctor };
        staff.push(
            server::staff(state, clinic_id, format!("staff{n}@send-bench.example"), format!("Staff Member {n}"), role)
                .await?,
        );
    }
    // Started through the store, concurrently, so they share commits.
    let starts = (0..plan.conversations).map(|n| {
        let author = &staff[n % staff.len()];
        let actor = Actor::Staff { id: author.id, clinic_id };
        let patient = OscarPatientRef {
            demographic_no: 1000 + n as u32,
            name: PatientName { last: format!("PATIENT{n}"), first: "ALEX".into() },
        };
        let out = Outgoing {
            body: format!("Hello, this is the clinic about your visit ({n})."),
            attachment_ids: vec![],
            allow_replies: true,
            idempotency_key: format!("setup-{n}"),
        };
        conversations::start(&state.db, actor, patient, out, state.clock.now())
    });
    let started = try_join_all(starts).await.context("starting the conversations")?;
    // Patients with an email on file, so every send queues (or coalesces
    // into) a notification as it does in a clinic. No relay is configured:
    // they wait in the outbox, at most one per conversation.
    state
        .db
        .write(move |w| {
            Box::pin(async move {
                w.execute(
                    "UPDATE patients SET email = 'patient' || id || '@mail.example' WHERE clinic_id = $1",
                    args![clinic_id],
                )
                .await?;
                Ok(())
            })
        })
        .await
        .context("giving the patients an email address")?;
    let ids = started.iter().map(|s| s.conversation_id).collect();
    Ok((staff.into_iter().map(|s| s.token).collect(), ids))
}

/// A message body of about 200 characters that names its key.
fn body(key: &str) -> String {
    format!(
        "Hi, your lab results from last week are back and look normal. Dr. Patel would like to see you \
         in about three months for a routine follow-up; please book at the front desk. Ref {key}."
    )
}

/// Runs the clients; fails on the first request that is not a 201.
pub async fn run(service: &Service, plan: &Plan, tokens: &[String], conversations: &[i64]) -> anyhow::Result<Outcome> {
    let conversations: Arc<Vec<i64>> = Arc::new(conversations.to_vec());
    let start = Instant::now();
    let window_start = start + plan.warm_up;
    let window_end = window_start + plan.measure;
    let mut clients = Vec::new();
    for c in 0..plan.clients {
        let mut conn = Conn::open(service.addr, &tokens[c % tokens.len()]).await?;
        let conversations = conversations.clone();
        clients.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            let mut sent = 0usize;
            let mut n = 0u64;
            while Instant::now() < window_end {
                let id = conversations[rand::thread_rng().gen_range(0..conversations.len())];
                let key = format!("c{c}-{n}");
                n += 1;
                let json = serde_json::json!({
                    "body": body(&key),
                    "allow_replies": n % 3 == 1,
                    "idempotency_key": key,
                })
                .to_string();
                let began = Instant::now();
                let (status, answer) = conn.post_json(&format!("/api/conversations/{id}/messages"), json).await?;
                let done = Instant::now();
                if status != StatusCode::CREATED {
                    bail!("send {key} answered {status}: {}", String::from_utf8_lossy(&answer));
                }
                if done >= window_start && done <= window_end {
                    latencies.record(done - began);
                    sent += 1;
                }
            }
            anyhow::Ok((sent, latencies))
        }));
    }
    // The commit count over the window, from the change sequence.
    tokio::time::sleep_until(window_start.into()).await;
    let seq_start = server::change_seq(&service.state).await?;
    let cpu_start = cpu::Snapshot::take();
    tokio::time::sleep_until(window_end.into()).await;
    let cpu = cpu::Snapshot::take().summary_since(&cpu_start, plan.measure);
    let seq_end = server::change_seq(&service.state).await?;

    let mut outcome = Outcome { sent: 0, latencies: Latencies::default(), commits: seq_end - seq_start, cpu };
    for client in clients {
        let (sent, latencies) = client.await.context("a client panicked")??;
        outcome.sent += sent;
        outcome.latencies.merge(latencies);
    }
    Ok(outcome)
}
