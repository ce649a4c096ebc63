//! `/seeds/corebos/source`: the coreBOS seed's `source.php`, byte for byte.
//!
//! `id: 1..10` with `{"message":"on iteration i of 10","progress":i*10}` one
//! second apart (`?interval_ms=` changes the pace), then `id: CLOSE` with
//! `{"message":"Process complete"}`. Unlike the PHP script, a reconnect with
//! `Last-Event-ID: n` resumes after `n` instead of starting over.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;
use sse_task_protocol::{validate_interval_ms, ProgressData};

use super::query;
use crate::state::AppState;
use sse_task_server::http::completion_event;
use sse_task_server::http::sse_response;
use sse_task_server::http::ApiError;
use sse_task_server::http::{resume_from, ResumeFrom};

/// Iterations of the seed's loop.
pub const ITERATIONS: u32 = 10;

/// Query of `/seeds/corebos/source`.
#[derive(Debug, Deserialize)]
pub struct CorebosQuery {
    /// Pause between events (default 1000 ms, the seed's `sleep(1)`).
    interval_ms: Option<u64>,
    /// Resume point for clients that cannot send `Last-Event-ID`.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
}

/// The seed's `send_message($id, $message, $progress)` as an SSE frame.
pub fn iteration_event(i: u32) -> Event {
    let data = ProgressData::new(
        format!("on iteration {i} of {ITERATIONS}"),
        Some(f64::from(i * 10)),
    );
    Event::default().id(i.to_string()).data(data.to_json())
}

/// `GET /seeds/corebos/source`.
pub async fn source(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<CorebosQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let interval_ms = params.interval_ms.unwrap_or(1000);
    validate_interval_ms(interval_ms)?;
    let first = match resume_from(&headers, params.last_event_id.as_deref())? {
        ResumeFrom::Start => 1,
        ResumeFrom::After(after) if after <= u64::from(ITERATIONS) => after as u32 + 1,
        ResumeFrom::After(after) => {
            return Err(ApiError::BadRequest(format!(
                "Last-Event-ID {after} is beyond the last event ({ITERATIONS})"
            )))
        }
        ResumeFrom::Closed => return Ok(StatusCode::NO_CONTENT.into_response()),
    };
    let interval = Duration::from_millis(interval_ms);
    let events = stream::unfold(first, move |i| async move {
        match i {
            i if i <= ITERATIONS => {
                if i > first {
                    tokio::time::sleep(interval).await;
                }
                Some((iteration_event(i), i + 1))
            }
            i if i == ITERATIONS + 1 => {
                tokio::time::sleep(interval).await;
                Some((completion_event(), i + 1))
            }
            _ => None,
        }
    });
    Ok(sse_response(
        events,
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}
