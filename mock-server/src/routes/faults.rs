//! Fault endpoints for the client's tests: error statuses, a wrong content
//! type, malformed JSON in a stream, and a request counter per `?key=` so a
//! test can tell that a client did not reconnect in a storm.
//!
//! - `GET /faults/status/{code}?key=` answers `code` (204 or 400..=599)
//! - `GET /faults/wrong-content-type?key=` answers 200 `text/html`
//! - `GET /faults/malformed?key=` streams a good event, a malformed one, a good one, then `CLOSE`
//! - `GET /faults/big?bytes=N` streams one event whose message is N bytes (at most 8 MiB), then `CLOSE`
//! - `GET /faults/invalid-utf8` streams an event holding bytes that are not UTF-8, then `CLOSE`
//! - `GET /faults/ticks?count=N&interval_ms=M` streams N events stamped with their send time, then `CLOSE`
//! - `GET /faults/hits/{key}` answers `{"hits": n}`

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream;
use serde::{Deserialize, Serialize};
use sse_task_protocol::ProgressData;

use super::corebos::close_event;
use super::query;
use crate::error::ApiError;
use crate::sse::sse_response;
use crate::state::AppState;

/// Keys counted at most; older counts are dropped beyond it.
pub const MAX_KEYS: usize = 10_000;

/// Requests seen per key.
#[derive(Default)]
pub struct FaultCounters {
    hits: Mutex<HashMap<String, u64>>,
}

impl FaultCounters {
    fn hit(&self, key: Option<&str>) {
        let (Some(key), Ok(mut hits)) = (key, self.hits.lock()) else {
            return;
        };
        if hits.len() >= MAX_KEYS && !hits.contains_key(key) {
            hits.clear();
        }
        *hits.entry(key.chars().take(100).collect()).or_default() += 1;
    }

    fn get(&self, key: &str) -> u64 {
        self.hits
            .lock()
            .map(|hits| hits.get(key).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

/// Query of the fault endpoints.
#[derive(Debug, Deserialize)]
pub struct FaultQuery {
    /// Counter to increment.
    key: Option<String>,
}

/// Answer of `GET /faults/hits/{key}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Hits {
    /// Requests seen with this key.
    pub hits: u64,
}

/// `GET /faults/status/{code}`.
pub async fn status(
    State(state): State<AppState>,
    Path(code): Path<u16>,
    params: Result<Query<FaultQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let status = StatusCode::from_u16(code)
        .ok()
        .filter(|status| *status == StatusCode::NO_CONTENT || (400..=599).contains(&code))
        .ok_or_else(|| {
            ApiError::BadRequest(format!("code must be 204 or 400..=599, got {code}"))
        })?;
    state.faults.hit(params.key.as_deref());
    if status == StatusCode::NO_CONTENT {
        return Ok(status.into_response());
    }
    let body = Json(sse_task_protocol::ErrorBody {
        error: format!("fault endpoint answering {code}"),
    });
    Ok((status, body).into_response())
}

/// `GET /faults/wrong-content-type`.
pub async fn wrong_content_type(
    State(state): State<AppState>,
    params: Result<Query<FaultQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    state.faults.hit(query(params)?.key.as_deref());
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
    state.faults.hit(query(params)?.key.as_deref());
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
        close_event(),
    ]);
    Ok(sse_response(
        events,
        state.config.keep_alive,
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
    let message: String = "0123456789abcdef".chars().cycle().take(bytes).collect();
    let data = ProgressData::new(message, Some(50.0));
    let events = stream::iter([Event::default().id("1").data(data.to_json()), close_event()]);
    Ok(sse_response(
        events,
        state.config.keep_alive,
        &state.shutdown,
    ))
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

/// Most events `/faults/ticks` sends.
pub const MAX_TICKS: u64 = 10_000_000;

/// Query of `GET /faults/ticks`.
#[derive(Debug, Deserialize)]
pub struct TicksQuery {
    /// Number of events before `CLOSE`.
    count: u64,
    /// Pause between events, in ms (0: as fast as the client reads).
    #[serde(default)]
    interval_ms: u64,
}

/// `GET /faults/ticks`: `id: i`, `{"message":"tick i sent <epoch ms>","progress":p}`
/// for i in 1..=count, `interval_ms` apart, then `CLOSE`. The send time (epoch
/// milliseconds with microseconds) lets a page measure send-to-screen latency.
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
    let events = stream::unfold(1u64, move |i| async move {
        if i > count + 1 {
            return None;
        }
        if i > 1 && !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
        if i == count + 1 {
            return Some((close_event(), i + 1));
        }
        let sent_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        let progress = (i as f64 * 10_000.0 / count as f64).round() / 100.0;
        let data = ProgressData::new(format!("tick {i} sent {sent_ms:.3}"), Some(progress));
        let event = Event::default().id(i.to_string()).data(data.to_json());
        Some((event, i + 1))
    });
    Ok(sse_response(
        events,
        state.config.keep_alive,
        &state.shutdown,
    ))
}

/// `GET /faults/hits/{key}`.
pub async fn hits(State(state): State<AppState>, Path(key): Path<String>) -> Json<Hits> {
    Json(Hits {
        hits: state.faults.get(&key),
    })
}
