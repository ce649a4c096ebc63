//! `/seeds/tizen`: the Tizen TV push demo's `server_sent_events_server.php`.
//!
//! `retry: 2000`, one `data: push time => <RFC 2822 date>`, then the response
//! ends, so the browser reconnects every two seconds. `?retry_ms=` changes
//! the `retry:` (1..=600 000), so tests can see many planned ends quickly.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::sse::Event;
use axum::response::Response;
use futures_util::stream;
use serde::Deserialize;

use super::query;
use crate::state::AppState;
use sse_task_server::http::ApiError;
use sse_task_server::http::{retry_event, sse_response};

/// The seed's reconnection interval.
pub const RETRY: Duration = Duration::from_millis(2000);

/// Query of `GET /seeds/tizen`.
#[derive(Debug, Deserialize)]
pub struct TizenQuery {
    /// The `retry:` to send, in ms.
    retry_ms: Option<u64>,
}

/// `GET /seeds/tizen`.
pub async fn push(
    State(state): State<AppState>,
    params: Result<Query<TizenQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let retry = match query(params)?.retry_ms {
        None => RETRY,
        Some(ms @ 1..=600_000) => Duration::from_millis(ms),
        Some(ms) => {
            return Err(ApiError::Unprocessable(format!(
                "retry_ms must be 1..=600000, got {ms}"
            )))
        }
    };
    let now = chrono::Local::now().to_rfc2822();
    let events = stream::iter([
        retry_event(retry),
        Event::default().data(format!("push time => {now}")),
    ]);
    Ok(sse_response(
        events,
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}
