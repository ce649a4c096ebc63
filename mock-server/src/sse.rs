//! Turning a stream of events into an SSE response with the wire contract's
//! headers, keep-alive comments, and a clean end on server shutdown.

use std::convert::Infallible;
use std::time::Duration;

use axum::http::HeaderName;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

/// `X-Accel-Buffering: no` keeps nginx-style proxies from holding events back.
const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// Wraps `events` as a `text/event-stream` response with `Cache-Control:
/// no-cache`, `X-Accel-Buffering: no`, a `: keep-alive` comment every
/// `keep_alive` while idle, and an end when `shutdown` fires.
pub fn sse_response<S>(events: S, keep_alive: Duration, shutdown: &CancellationToken) -> Response
where
    S: Stream<Item = Event> + Send + 'static,
{
    let events = events
        .take_until(shutdown.clone().cancelled_owned())
        .map(Ok::<_, Infallible>);
    let sse = Sse::new(events).keep_alive(KeepAlive::new().interval(keep_alive).text("keep-alive"));
    ([(X_ACCEL_BUFFERING, "no")], sse).into_response()
}

/// A `retry:`-only frame: tells the browser how long to wait before reconnecting.
pub fn retry_event(retry: Duration) -> Event {
    Event::default().retry(retry)
}

/// Makes `text` safe for `Event::data`: CR LF and lone CR become LF, so each
/// line of the text becomes exactly one `data:` line and nothing can break the
/// framing.
pub fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}
