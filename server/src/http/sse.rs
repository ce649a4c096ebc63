//! Turning a stream of events into an SSE response with the wire contract's
//! headers, keep-alive comments, and a clean end on server shutdown.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderName};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use sse_task_protocol::{ProgressData, CLOSE_EVENT_ID, EVENT_HEARTBEAT, KEEP_ALIVE_FRAME};
use tokio_util::sync::CancellationToken;

/// `X-Accel-Buffering: no` keeps nginx-style proxies from holding events back.
const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// Wraps `events` as a `text/event-stream` response with `Cache-Control:
/// no-cache`, `X-Accel-Buffering: no`, a `: keep-alive` comment and a
/// `heartbeat` event every `keep_alive` while idle (as [`KEEP_ALIVE_FRAME`]),
/// and an end when `shutdown` fires.
pub fn sse_response<S>(events: S, keep_alive: Duration, shutdown: &CancellationToken) -> Response
where
    S: Stream<Item = Event> + Send + 'static,
{
    let events = events
        .take_until(shutdown.clone().cancelled_owned())
        .map(Ok::<_, Infallible>);
    let heartbeat = Event::default()
        .comment("keep-alive")
        .event(EVENT_HEARTBEAT)
        .data("{}");
    let sse = Sse::new(events).keep_alive(KeepAlive::new().interval(keep_alive).event(heartbeat));
    ([(X_ACCEL_BUFFERING, "no")], sse).into_response()
}

/// The contract's completion event: `id: CLOSE` with the coreBOS seed's
/// final `send_message('CLOSE', 'Process complete')`.
pub fn completion_event() -> Event {
    let data = ProgressData::new("Process complete", None);
    Event::default().id(CLOSE_EVENT_ID).data(data.to_json())
}

/// A `retry:`-only frame: tells the browser how long to wait before reconnecting.
pub fn retry_event(retry: Duration) -> Event {
    Event::default().retry(retry)
}

/// Wraps already-encoded SSE bytes as a `text/event-stream` response with the
/// same headers, keep-alive comments and shutdown end as [`sse_response`].
pub fn sse_bytes_response<S>(
    chunks: S,
    keep_alive: Duration,
    shutdown: &CancellationToken,
) -> Response
where
    S: Stream<Item = Bytes> + Send + 'static,
{
    let chunks = Box::pin(chunks.take_until(shutdown.clone().cancelled_owned()));
    let with_keep_alive = futures_util::stream::unfold(chunks, move |mut chunks| async move {
        tokio::select! {
            chunk = chunks.next() => chunk.map(|chunk| (chunk, chunks)),
            () = tokio::time::sleep(keep_alive) => {
                Some((Bytes::from_static(KEEP_ALIVE_FRAME), chunks))
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        [(X_ACCEL_BUFFERING, "no")],
        Body::from_stream(with_keep_alive.map(Ok::<_, Infallible>)),
    )
        .into_response()
}
