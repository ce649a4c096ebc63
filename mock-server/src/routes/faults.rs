//! Fault endpoints for the client's tests: error statuses, a wrong content
//! type, malformed JSON in a stream, and a request counter per `?key=` so a
//! test can tell that a client did not reconnect in a storm.
//!
//! - `GET /faults/status/{code}?key=` answers `code` (204 or 400..=599)
//! - `GET /faults/wrong-content-type?key=` answers 200 `text/html`
//! - `GET /faults/malformed?key=` streams a good event, a malformed one, a good one, then `CLOSE`
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
        Event::default()
            .id(id.to_string())
            .data(serde_json::to_string(&data).unwrap_or_default())
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

/// `GET /faults/hits/{key}`.
pub async fn hits(State(state): State<AppState>, Path(key): Path<String>) -> Json<Hits> {
    Json(Hits {
        hits: state.faults.get(&key),
    })
}
