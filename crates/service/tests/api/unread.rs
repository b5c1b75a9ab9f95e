//! The badge is kept as a table of (staff, conversation) pairs updated by
//! every change. This checks it against the definition after a long random
//! mix of sends, replies, reads, unread marks, closes and reopens.

use axum::http::StatusCode;
use cortico_protocol::api::Role;
use serde_json::json;

use crate::common::*;

/// The badge by definition: Triage conversations with a message the staff
/// member has not read, plus those they marked unread.
const DEFINITION: &str = "SELECT COUNT(*) FROM conversations c
    LEFT JOIN read_state rs ON rs.staff_id = $1 AND rs.conversation_id = c.id
    WHERE c.clinic_id = $2
      AND ((c.needs_reply = 1 AND (rs.staff_id IS NULL OR rs.last_read_message_id < c.last_message_id))
           OR rs.marked_unread = 1)";

#[tokio::test]
async fn the_badge_matches_its_definition_after_any_mix_of_changes() {
    let app = TestApp::new().await;
    let clinic = app.clinic("medicalclinic").await;
    let other = app.clinic("other").await;
    let mut staff = vec![
        app.user(clinic, "dr@c.example", Role::Doctor).await,
        app.user(clinic, "moa@c.example", Role::Moa).await,
        app.user(clinic, "admin@c.example", Role::Admin).await,
    ];
    let outsider = app.user(other, "dr@o.example", Role::Doctor).await;
    let mut conversations = Vec::new();
    for n in 0..6 {
        conversations.push(app.start(&staff[n % 2], 1001 + n as u32, "Hello", n % 3 != 0).await);
    }
    // A small deterministic generator, so a failure can be replayed.
    let mut seed: u64 = 0x5eed;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    for step in 0..300 {
        let id = conversations[next(conversations.len())];
        let who = staff[next(staff.len())].clone();
        match next(7) {
            0 | 1 => {
                // The patient answers when they may; otherwise nothing happens.
                let _ = app.patient_reply(id, "A question").await;
            }
            2 => {
                let body = json!({"body": "An answer", "idempotency_key": unique_key(), "allow_replies": next(2) == 0});
                assert_eq!(
                    app.post(&format!("/api/conversations/{id}/messages"), &who, body).await.0,
                    StatusCode::CREATED
                );
            }
            3 => {
                let last = app.get(&format!("/api/conversations/{id}"), &who).await.1["messages"]
                    .as_array()
                    .and_then(|m| m.last())
                    .map_or(0, |m| m["id"].as_i64().unwrap());
                let up_to = if next(3) == 0 { last - 1 } else { last };
                app.post(&format!("/api/conversations/{id}/read"), &who, json!({"up_to_message_id": up_to.max(0)}))
                    .await;
            }
            4 => {
                app.post(&format!("/api/conversations/{id}/unread"), &who, json!({})).await;
            }
            5 => {
                let action = if next(2) == 0 { "close" } else { "reopen" };
                app.post(&format!("/api/conversations/{id}/{action}"), &who, json!({})).await;
            }
            _ => {
                if step % 50 == 0 {
                    // A colleague joins mid-way: they see what is waiting.
                    staff.push(app.user(clinic, &format!("new{step}@c.example"), Role::Moa).await);
                }
            }
        }
        for s in &staff {
            let expected: i64 =
                sqlx::query_scalar(DEFINITION).bind(s.id).bind(clinic).fetch_one(app.state.db.read()).await.unwrap();
            let badge = app.get("/api/unread", s).await.1["count"].as_i64().unwrap();
            assert_eq!(badge, expected, "step {step}: badge of staff {} disagrees with its definition", s.id);
        }
    }
    assert_eq!(app.get("/api/unread", &outsider).await.1["count"], 0, "another clinic's badge never moves");
}
