//! Turning a stream of events into an SSE response with the wire contract's
//! headers, keep-alive comments, and a clean end on server shutdown.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderName};
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

/// One SSE frame as bytes: `id:` when given, `event:` when given, one `data:`
/// line per line of `data` (newlines normalised), and the blank line.
pub fn encode_frame(out: &mut Vec<u8>, id: Option<&str>, event: Option<&str>, data: &str) {
    if let Some(id) = id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.push(b'\n');
    }
    if let Some(event) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(event.as_bytes());
        out.push(b'\n');
    }
    for line in normalize_newlines(data).split('\n') {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// The `: keep-alive` comment sent on idle byte streams.
const KEEP_ALIVE_FRAME: &[u8] = b": keep-alive\n\n";

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
