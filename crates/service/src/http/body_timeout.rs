//! Request bodies that stall or trickle are cut off. A client that opens a
//! 25 MB upload and then sends nothing (or a byte a minute) would otherwise
//! hold a connection, a temporary file and a handler for as long as it
//! likes. The body errors when no data came for [`BodyTimeouts::idle`] or
//! the whole body took longer than [`BodyTimeouts::total`]; the handler then
//! fails as for any broken upload (storing nothing), and the answer is
//! replaced by a 408 that closes the connection.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::error::ApiError;
use super::AppState;

/// How long a request body may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyTimeouts {
    /// Longest wait for the next piece of the body.
    pub idle: Duration,
    /// Longest time for the whole body: 25 MB at a slow 300 kbit/s fits.
    pub total: Duration,
}

impl Default for BodyTimeouts {
    fn default() -> Self {
        BodyTimeouts { idle: Duration::from_secs(30), total: Duration::from_secs(15 * 60) }
    }
}

/// The error a timed-out body yields to the handler.
#[derive(Debug, thiserror::Error)]
#[error("the request body timed out")]
pub struct BodyTimedOut;

/// Middleware: wraps every request body, and answers 408 when it timed out.
pub async fn limit_body_time(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let timeouts = state.settings.body_timeouts;
    let timed_out = Arc::new(AtomicBool::new(false));
    let (parts, body) = req.into_parts();
    let body = Body::new(TimedBody::new(body, timeouts, timed_out.clone()));
    let response = next.run(Request::from_parts(parts, body)).await;
    if !timed_out.load(Ordering::Acquire) {
        return response;
    }
    let mut response = ApiError::Coded(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "The upload stalled and was stopped; nothing was stored. Please try again.".into(),
    )
    .into_response();
    // The rest of the body may still come: do not read it.
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A body with an idle timeout between frames and a deadline for all.
struct TimedBody {
    inner: Body,
    idle: Duration,
    deadline: Instant,
    /// Armed while the inner body has nothing to give.
    sleep: Option<Pin<Box<Sleep>>>,
    timed_out: Arc<AtomicBool>,
}

impl TimedBody {
    fn new(inner: Body, timeouts: BodyTimeouts, timed_out: Arc<AtomicBool>) -> Self {
        let deadline = Instant::now() + timeouts.total;
        TimedBody { inner, idle: timeouts.idle, deadline, sleep: None, timed_out }
    }
}

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.timed_out.load(Ordering::Relaxed) {
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))));
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            // Progress: the idle clock starts again at the next wait. Time
            // the handler spends between reads is not the client's.
            this.sleep = None;
            return Poll::Ready(frame);
        }
        let (idle, deadline) = (this.idle, this.deadline);
        let sleep =
            this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.min(Instant::now() + idle))));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.timed_out.store(true, Ordering::Release);
                Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
