//! `GET /api/stream`: the live stream of one staff member, as server-sent
//! events. Each `update` event carries the unread count and the ids of the
//! conversations that changed; its SSE id is the change sequence number, so
//! a client that reconnects with `Last-Event-ID` is told what it missed.

pub mod open;

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use cortico_protocol::api::StreamUpdate;
use futures::Stream;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::error::ApiResult;
use super::extract::StaffAuth;
use super::AppState;
use crate::events::Published;
use crate::store::lists;
use crate::store::sessions;

/// Changes arriving this close together are sent as one event.
const DEBOUNCE: Duration = Duration::from_millis(40);
/// More missed changes than this and the client is told to reload everything.
const RESUME_LIMIT: i64 = 500;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/stream", get(stream_updates))
}

/// `GET /api/stream` (server-sent events).
async fn stream_updates(
    State(state): State<AppState>,
    auth: StaffAuth,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Subscribe before reading the current state, so nothing falls in between.
    let changes = state.hub.subscribe();
    let pool = state.db.read();
    let seq = lists::current_seq(pool).await?;
    let last_seen =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let (changed, resync) = match last_seen {
        None => (Vec::new(), false),
        // An id from the future comes from another database: start over.
        Some(last) if last > seq => (Vec::new(), true),
        Some(last) => match lists::changed_since(pool, auth.0.clinic_id, last, RESUME_LIMIT).await? {
            Some(ids) => (ids, false),
            None => (Vec::new(), true),
        },
    };
    let unread = lists::unread_count(pool, auth.0.clinic_id, auth.0.staff_id).await?;
    let first = StreamUpdate { seq, unread, changed, resync };

    let registered = state.streams.open(&state, auth.0.session_id);
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(follow(state, auth, first, changes, registered, tx));
    Ok(Sse::new(ReceiverStream::new(rx)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn event(update: &StreamUpdate) -> Event {
    Event::default()
        .event("update")
        .id(update.seq.to_string())
        .json_data(update)
        .unwrap_or_else(|_| Event::default().event("update"))
}

/// Sends updates for one stream until the client goes, the session ends,
/// a newer stream of the session pushes it out, or the service shuts down.
async fn follow(
    state: AppState,
    auth: StaffAuth,
    first: StreamUpdate,
    mut changes: broadcast::Receiver<std::sync::Arc<Published>>,
    mut registered: open::OpenStream,
    tx: mpsc::Sender<Result<Event, Infallible>>,
) {
    let clinic_id = auth.0.clinic_id;
    let staff_id = auth.0.staff_id;
    let mut last_seq = first.seq;
    if tx.send(Ok(event(&first))).await.is_err() {
        return;
    }
    let mut shutdown = state.shutdown.clone();
    let token_session = auth.0.session_id;
    loop {
        let mut changed: Vec<i64> = Vec::new();
        let mut relevant = false;
        let mut resync = false;
        tokio::select! {
            received = changes.recv() => match received {
                Ok(batch) => {
                    if collect(&batch, clinic_id, staff_id, &mut changed, &mut relevant, &mut resync, &mut last_seq)
                        && !session_alive(&state, token_session).await
                    {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => { resync = true; relevant = true; }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = &mut registered.ended => return,
            _ = shutdown.changed() => return,
            () = tx.closed() => return,
        }
        if !relevant {
            continue;
        }
        // Gather whatever else arrives right behind it.
        let deadline = tokio::time::sleep(DEBOUNCE);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                received = changes.recv() => match received {
                    Ok(batch) => {
                        if collect(&batch, clinic_id, staff_id, &mut changed, &mut relevant, &mut resync, &mut last_seq)
                            && !session_alive(&state, token_session).await
                        {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => resync = true,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                () = &mut deadline => break,
            }
        }
        if resync {
            last_seq = lists::current_seq(state.db.read()).await.unwrap_or(last_seq);
            changed.clear();
        }
        let unread = match lists::unread_count(state.db.read(), clinic_id, staff_id).await {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!(error = %err, "stream could not read the unread count");
                continue;
            }
        };
        changed.sort_unstable();
        changed.dedup();
        let update = StreamUpdate { seq: last_seq, unread, changed, resync };
        if tx.send(Ok(event(&update))).await.is_err() {
            return;
        }
    }
}

/// Keeps the changes this staff member should hear about.
/// Returns true when the batch holds a change to this staff member's
/// account (a session ended) or may have missed one: the caller re-checks
/// the session.
fn collect(
    published: &Published,
    clinic_id: i64,
    staff_id: i64,
    changed: &mut Vec<i64>,
    relevant: &mut bool,
    resync: &mut bool,
    last_seq: &mut i64,
) -> bool {
    let batch = match published {
        Published::Changes(batch) => batch,
        Published::Resync => {
            *resync = true;
            *relevant = true;
            return true;
        }
    };
    let mut account = false;
    for change in batch {
        if change.clinic_id != clinic_id || change.staff_id.is_some_and(|s| s != staff_id) {
            continue;
        }
        match change.conversation_id {
            Some(id) => {
                *relevant = true;
                *last_seq = (*last_seq).max(change.seq);
                changed.push(id);
            }
            None => account |= change.staff_id == Some(staff_id),
        }
    }
    account
}

async fn session_alive(state: &AppState, session_id: i64) -> bool {
    match sessions::still_valid(state.db.read(), &[session_id], state.clock.now()).await {
        Ok(valid) => !valid.is_empty(),
        // A database hiccup does not end the stream.
        Err(_) => true,
    }
}
