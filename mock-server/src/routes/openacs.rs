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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream;
use serde::{Deserialize, Serialize};
use sse_task_protocol::{validate_interval_ms, OPENACS_CLOSE_DATA};
use tokio::sync::watch;

use super::query;
use crate::error::ApiError;
use crate::sse::{normalize_newlines, sse_response};
use crate::state::AppState;

/// Sessions kept at most; finished ones are forgotten first.
pub const MAX_SESSIONS: usize = 10_000;

/// The job's messages: four list items as in the seed, then a two-line summary.
pub fn job_messages() -> Vec<String> {
    let mut messages: Vec<String> = (1..=4)
        .map(|i| format!("<li>finish {i}: ...(Demo User)</li>"))
        .collect();
    messages.push("job summary\n4 of 4 steps finished".to_owned());
    messages.push(OPENACS_CLOSE_DATA.to_owned());
    messages
}

#[derive(Default)]
struct Session {
    messages: Mutex<Vec<String>>,
    delivered: Mutex<usize>,
    finished: std::sync::atomic::AtomicBool,
    changes: watch::Sender<usize>,
}

/// The sessions of the OpenACS seed, bounded by [`MAX_SESSIONS`].
#[derive(Default)]
pub struct OpenAcsSessions {
    sessions: Mutex<HashMap<u64, Arc<Session>>>,
}

impl OpenAcsSessions {
    /// Starts the job of `session_id` unless it exists. Returns the session and
    /// whether it was new; `None` when the table is full of running jobs.
    fn start(&self, session_id: u64, interval: Duration) -> Result<Arc<Session>, ApiError> {
        let mut sessions = self
            .sessions
            .lock()
            .map_err(|_| ApiError::BadRequest("session table unavailable".into()))?;
        if let Some(session) = sessions.get(&session_id) {
            return Ok(Arc::clone(session));
        }
        if sessions.len() >= MAX_SESSIONS {
            sessions
                .retain(|_, session| !session.finished.load(std::sync::atomic::Ordering::SeqCst));
            if sessions.len() >= MAX_SESSIONS {
                return Err(ApiError::TooManyRequests {
                    message: format!("{MAX_SESSIONS} OpenACS jobs are running; retry later"),
                    retry_after_secs: 1,
                });
            }
        }
        let session = Arc::new(Session::default());
        sessions.insert(session_id, Arc::clone(&session));
        tokio::spawn(run_job(Arc::clone(&session), interval));
        Ok(session)
    }
}

async fn run_job(session: Arc<Session>, interval: Duration) {
    let messages = job_messages();
    let last = messages.len() - 1;
    for (index, message) in messages.into_iter().enumerate() {
        if index > 0 && index < last {
            tokio::time::sleep(interval).await;
        }
        let count = match session.messages.lock() {
            Ok(mut queue) => {
                queue.push(message);
                queue.len()
            }
            Err(_) => return,
        };
        session.changes.send_replace(count);
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
    if session.finished.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let changes = session.changes.subscribe();
    let events = stream::unfold((session, changes), next_message);
    Ok(sse_response(
        events,
        state.config.keep_alive,
        &state.shutdown,
    ))
}

type Channel = (Arc<Session>, watch::Receiver<usize>);

async fn next_message((session, mut changes): Channel) -> Option<(Event, Channel)> {
    loop {
        changes.borrow_and_update();
        let next = {
            let queue = session.messages.lock().ok()?;
            let mut delivered = session.delivered.lock().ok()?;
            let next = queue.get(*delivered).cloned();
            if next.is_some() {
                *delivered += 1;
            }
            next
        };
        if let Some(message) = next {
            if message == OPENACS_CLOSE_DATA {
                session
                    .finished
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
            let event = Event::default().data(normalize_newlines(&message));
            return Some((event, (session, changes)));
        }
        if session.finished.load(std::sync::atomic::Ordering::SeqCst)
            || changes.changed().await.is_err()
        {
            return None;
        }
    }
}
