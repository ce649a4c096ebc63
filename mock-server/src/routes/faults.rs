//! Fault endpoints for the client's tests: error statuses, a wrong content
//! type, malformed JSON in a stream, and a request counter per `?key=` so a
//! test can tell that a client did not reconnect in a storm.
//!
//! - `GET /faults/status/{code}?key=&retry_after=` answers `code` (204 or 400..=599), with `Retry-After` when asked
//! - `GET /faults/wrong-content-type?key=` answers 200 `text/html`
//! - `GET /faults/malformed?key=` streams a good event, a malformed one, a good one, then `CLOSE`
//! - `GET /faults/big?bytes=N` streams one event whose message is N bytes (at most 8 MiB, made 64 KiB at a time), then `CLOSE`
//! - `GET /faults/invalid-utf8` streams an event holding bytes that are not UTF-8, then `CLOSE`
//! - `GET /faults/ticks?count=N&interval_ms=M` streams N events stamped with their send time, then `CLOSE`
//! - `GET /faults/flaky?key=&failures=N&count=M&retry_after=` answers 503 N times, then streams M ticks
//! - `GET /faults/hits/{key}` answers `{"hits": n, "last_event_id": ...}`

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::{stream, StreamExt};
use serde::{Deserialize, Serialize};
use sse_task_protocol::ProgressData;

use super::query;
use crate::counters::StreamKind;
use crate::seeds::ticks::{resume_after, ticks_after, MAX_TICKS};
use crate::state::AppState;
use sse_task_server::http::completion_event;
use sse_task_server::http::ApiError;
use sse_task_server::http::{sse_bytes_response, sse_response};

/// Query of the fault endpoints.
#[derive(Debug, Deserialize)]
pub struct FaultQuery {
    /// Counter to increment.
    key: Option<String>,
    /// `Retry-After` to send with the status, in seconds.
    retry_after: Option<u32>,
}

/// Answer of `GET /faults/hits/{key}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Hits {
    /// Requests seen with this key.
    pub hits: u64,
    /// The `Last-Event-ID` of the last one, where the endpoint keeps it
    /// ("" when it sent none).
    pub last_event_id: Option<String>,
}

/// `GET /faults/status/{code}`.
pub async fn status(
    State(state): State<AppState>,
    Path(code): Path<String>,
    params: Result<Query<FaultQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    // Read by hand: axum's rejection would echo the path back.
    let status = code
        .parse::<u16>()
        .ok()
        .filter(|code| *code == 204 || (400..=599).contains(code))
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| ApiError::BadRequest("code must be 204 or 400..=599".into()))?;
    state.counters.hit(params.key.as_deref());
    if status == StatusCode::NO_CONTENT {
        return Ok(status.into_response());
    }
    let body = Json(sse_task_protocol::ErrorBody {
        error: format!("fault endpoint answering {code}"),
    });
    let mut response = (status, body).into_response();
    if let Some(secs) = params.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, secs.into());
    }
    Ok(response)
}

/// `GET /faults/wrong-content-type`.
pub async fn wrong_content_type(
    State(state): State<AppState>,
    params: Result<Query<FaultQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    state.counters.hit(query(params)?.key.as_deref());
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<html><body>not an event stream</body></html>",
    )
        .into_response())
}

/// `GET /faults/malformed`: `id: 1` good, `id: 2` malformed JSON, `id: 3` good, `CLOSE`.
pub async fn malformed(
    State(state): State<AppState>,
    params: Result<Query<FaultQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    state.counters.hit(query(params)?.key.as_deref());
    let good = |id: u32, progress: f64| {
        let data = ProgressData::new(format!("good event {id}"), Some(progress));
        Event::default().id(id.to_string()).data(data.to_json())
    };
    let events = stream::iter([
        good(1, 30.0),
        Event::default()
            .id("2")
            .data(r#"{"message": "broken <b>json</b>", "progress": "#),
        good(3, 60.0),
        completion_event(),
    ]);
    Ok(sse_response(
        events,
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}

/// Largest event `/faults/big` sends.
pub const MAX_BIG_BYTES: usize = 8 * 1024 * 1024;

/// Query of `GET /faults/big`.
#[derive(Debug, Deserialize)]
pub struct BigQuery {
    /// Size of the message, in bytes.
    bytes: usize,
}

/// `GET /faults/big?bytes=N`: one event with an N-byte message, then `CLOSE`.
pub async fn big(
    State(state): State<AppState>,
    params: Result<Query<BigQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let bytes = query(params)?.bytes;
    if bytes > MAX_BIG_BYTES {
        return Err(ApiError::Unprocessable(format!(
            "bytes must be at most {MAX_BIG_BYTES}, got {bytes}"
        )));
    }
    Ok(sse_bytes_response(
        big_event_chunks(bytes),
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}

/// Bytes of the big event made per chunk: a client that does not read holds
/// at most one chunk in the server, not the whole event.
const BIG_CHUNK: usize = 64 * 1024;

/// `id: 1` with a `bytes`-long message, produced a chunk at a time, then `CLOSE`.
fn big_event_chunks(bytes: usize) -> impl futures_util::Stream<Item = Bytes> {
    const PATTERN: &[u8] = b"0123456789abcdef";
    let head = Bytes::from_static(b"id: 1\ndata: {\"message\":\"");
    let tail = Bytes::from_static(
        b"\",\"progress\":50.0}\n\nid: CLOSE\ndata: {\"message\":\"Process complete\"}\n\n",
    );
    let body = stream::unfold(0usize, move |sent| async move {
        (sent < bytes).then(|| {
            let size = BIG_CHUNK.min(bytes - sent);
            let chunk: Vec<u8> = (sent..sent + size)
                .map(|i| PATTERN[i % PATTERN.len()])
                .collect();
            (Bytes::from(chunk), sent + size)
        })
    });
    stream::iter([head]).chain(body).chain(stream::iter([tail]))
}

/// `GET /faults/invalid-utf8`: an event whose data holds a truncated UTF-8
/// sequence and a stray 0xFF byte (browsers decode them as U+FFFD), then `CLOSE`.
pub async fn invalid_utf8() -> Response {
    let body: Vec<u8> = [
        b"retry: 1000\n\nid: 1\ndata: {\"message\":\"caf\xC3( \xFF bytes\",\"progress\":50}\n\n"
            .as_slice(),
        b"id: CLOSE\ndata: {\"message\":\"Process complete\"}\n\n".as_slice(),
    ]
    .concat();
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Query of `GET /faults/ticks`.
#[derive(Debug, Deserialize)]
pub struct TicksQuery {
    /// Number of events before `CLOSE`.
    count: u64,
    /// Pause between events, in ms (0: as fast as the client reads).
    #[serde(default)]
    interval_ms: u64,
}

/// `GET /faults/ticks`: `id: i`, `{"message":"tick i of n (sent 12:34:56.789 UTC)","progress":p}`
/// for i in 1..=count, `interval_ms` apart, then `CLOSE` (see [`crate::seeds::ticks`]).
/// Nothing is stored: this is a load source for the benchmarks.
pub async fn ticks(
    State(state): State<AppState>,
    params: Result<Query<TicksQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let TicksQuery { count, interval_ms } = query(params)?;
    if !(1..=MAX_TICKS).contains(&count) || interval_ms > sse_task_protocol::MAX_INTERVAL_MS {
        return Err(ApiError::Unprocessable(format!(
            "count must be 1..={MAX_TICKS} and interval_ms 0..={}",
            sse_task_protocol::MAX_INTERVAL_MS
        )));
    }
    let interval = std::time::Duration::from_millis(interval_ms);
    Ok(sse_response(
        ticks_after(0, count, interval, None),
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}

/// Query of `GET /faults/flaky`.
#[derive(Debug, Deserialize)]
pub struct FlakyQuery {
    /// Counter of this client's requests.
    key: String,
    /// Requests answered 503 before the stream works.
    failures: u64,
    /// Ticks in the stream.
    count: u64,
    /// `Retry-After` of the 503s, in seconds.
    retry_after: Option<u32>,
}

/// `GET /faults/flaky`: the first `failures` requests with this `key` get a
/// 503 (with `Retry-After` when asked), later ones the `count` ticks after
/// `Last-Event-ID`: a server that is down for a while, then back.
pub async fn flaky(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    params: Result<Query<FlakyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    if !(1..=MAX_TICKS).contains(&params.count) {
        return Err(ApiError::Unprocessable(format!(
            "count must be 1..={MAX_TICKS}"
        )));
    }
    if state.counters.hit(Some(&params.key)) <= params.failures {
        let body = Json(sse_task_protocol::ErrorBody {
            error: "down for maintenance".into(),
        });
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
        if let Some(secs) = params.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        return Ok(response);
    }
    let after = resume_after(&headers, params.count)?;
    let events = ticks_after(after, params.count, std::time::Duration::ZERO, None);
    Ok(sse_response(
        events,
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}

/// `GET /faults/hits/{key}`.
pub async fn hits(State(state): State<AppState>, Path(key): Path<String>) -> Json<Hits> {
    Json(Hits {
        hits: state.counters.get(&key),
        last_event_id: state.counters.last_event_id(&key),
    })
}

/// Streams open now (`GET /faults/streams`).
#[derive(Debug, Serialize)]
pub struct Streams {
    /// One task's own streams (`/api/tasks/{id}/events`).
    pub task_streams: usize,
    /// Multiplexed streams of every task (`/api/tasks/events`).
    pub feed_streams: usize,
}

/// `GET /faults/streams`: how many task streams and multiplexed streams are
/// open, so a test can check that a dashboard uses one connection.
pub async fn streams(State(state): State<AppState>) -> Json<Streams> {
    Json(Streams {
        task_streams: state.streams.get(StreamKind::Task),
        feed_streams: state.streams.get(StreamKind::Feed),
    })
}
