//! `/seeds/openacs`: the OpenACS background job bound to a session id.
//!
//! `POST /seeds/openacs/jobs` starts a job and answers its `session_id`; the
//! page then opens `GET /seeds/openacs?session_id=N`. Messages the job sends
//! before the stream is open wait in the session and are flushed when it
//! opens; a multi-line message goes out as several `data:` lines; the stream
//! ends with `data: __CLOSE_SSE__`. A `GET` for a session nobody started
//! starts its job then, so a page that only opens an `EventSource` works too.
//! Like the seed's channel, each message is delivered once: a reconnect gets
//! what the previous connection had not sent yet, and 204 once all was sent.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream;
use serde::{Deserialize, Serialize};
use sse_task_protocol::validate_interval_ms;
use tokio::sync::watch;

use super::query;
use crate::seeds::openacs_jobs::{Session, SessionError};
use sse_task_protocol::normalize_newlines;
use sse_task_server::http::ApiError;

use crate::state::AppState;
use sse_task_server::http::sse_response;

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Full => Self::TooManyRequests {
                message: error.to_string(),
                retry_after_secs: 1,
            },
            SessionError::Poisoned => Self::Unavailable(error.to_string()),
        }
    }
}

/// Query of `POST /seeds/openacs/jobs` and `GET /seeds/openacs`.
#[derive(Debug, Deserialize)]
pub struct OpenAcsQuery {
    /// The page's session id (an integer, as in `ad_page_contract`).
    session_id: Option<String>,
    /// Pause between the job's messages (default 1000 ms, the seed's `ns_sleep 1s`).
    interval_ms: Option<u64>,
}

/// Answer of `POST /seeds/openacs/jobs`.
#[derive(Debug, Serialize, Deserialize)]
pub struct StartedJob {
    /// The id the page passes back.
    pub session_id: u64,
    /// Path of the job's stream.
    pub events_url: String,
}

fn interval(params: &OpenAcsQuery) -> Result<Duration, ApiError> {
    let ms = params.interval_ms.unwrap_or(1000);
    validate_interval_ms(ms)?;
    Ok(Duration::from_millis(ms))
}

/// `POST /seeds/openacs/jobs`: starts a job for a new session.
pub async fn start_job(
    State(state): State<AppState>,
    params: Result<Query<OpenAcsQuery>, QueryRejection>,
) -> Result<(StatusCode, Json<StartedJob>), ApiError> {
    let params = query(params)?;
    let interval = interval(&params)?;
    let session_id = uuid::Uuid::new_v4().as_u64_pair().0 >> 11;
    state.openacs.start(session_id, interval)?;
    Ok((
        StatusCode::CREATED,
        Json(StartedJob {
            session_id,
            events_url: format!("/seeds/openacs?session_id={session_id}"),
        }),
    ))
}

/// `GET /seeds/openacs?session_id=N`: the job's stream.
pub async fn stream_job(
    State(state): State<AppState>,
    params: Result<Query<OpenAcsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let interval = interval(&params)?;
    let session_id = params
        .session_id
        .as_deref()
        .ok_or_else(|| {
            ApiError::BadRequest(
                "session_id is required; POST /seeds/openacs/jobs starts a job and returns one"
                    .into(),
            )
        })?
        .parse::<u64>()
        .map_err(|_| ApiError::BadRequest("session_id must be an integer".into()))?;
    let session = state.openacs.start(session_id, interval)?;
    if session.all_delivered() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let changes = session.subscribe();
    let events = stream::unfold((session, changes), next_message);
    Ok(sse_response(
        events,
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}

type Channel = (Arc<Session>, watch::Receiver<usize>);

async fn next_message((session, mut changes): Channel) -> Option<(Event, Channel)> {
    loop {
        changes.borrow_and_update();
        if let Some(message) = session.take_next() {
            let event = Event::default().data(normalize_newlines(&message));
            return Some((event, (session, changes)));
        }
        if session.all_delivered() || changes.changed().await.is_err() {
            return None;
        }
    }
}
