//! `GET /api/tasks/events`: every task's events over one connection, for a
//! dashboard. Each frame's data names its task (`{"task", "event", ...}`) and
//! its id is the feed's server-wide sequence number, so `Last-Event-ID`
//! resumes the whole dashboard without loss or doubling.
//!
//! A first connection (no resume id) starts with one `snapshot` frame per
//! task the server holds (state, progress, last event's seq; labels only
//! for the token holder), then a `synced` frame carrying the feed position
//! taken **before** the snapshot, then everything after it. Updates are
//! absolute (a state, a progress), so an event both in the snapshot and
//! after the position is harmless; clients drop a task's events whose seq
//! is not above the one they have. A resume id beyond the feed (the store
//! was replaced) gets a `history-lost` frame, then a first connection's
//! snapshot. It reads through the same cursor as a task's own streams
//! (`tasks/cursor.rs`).

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::value::RawValue;
use sse_task_protocol::{
    encode_frame, FeedMessage, HistoryLost, EVENT_HISTORY_LOST, FEED_SNAPSHOT,
};

use super::{query, scope_of, shows_labels};
use crate::http::access::Access;
use crate::http::error::ApiError;
use crate::http::resume::{resume_from, ResumeFrom};
use crate::http::sse::sse_bytes_response;
use crate::http::Caller;
use crate::metrics::{Metrics, StreamKind};
use crate::state::ServerState;
use crate::tasks::StreamOptions;

/// Most tasks in a first connection's snapshot.
const MAX_SNAPSHOT: usize = 100_000;

/// Query of `GET /api/tasks/events`.
#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    /// Resume point for clients that cannot send `Last-Event-ID`.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
}

/// `GET /api/tasks/events`.
pub async fn feed_route(
    State(state): State<ServerState>,
    caller: Caller,
    access: Access,
    headers: HeaderMap,
    params: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let newest = state.feed.newest();
    let (prelude, after) = match resume_from(&headers, params.last_event_id.as_deref())? {
        ResumeFrom::Start | ResumeFrom::After(0) => {
            (snapshot(&state, &caller, access, newest).await?, newest)
        }
        ResumeFrom::After(after) if after > newest => {
            // The store was replaced: say so, then start over with a snapshot.
            let lost = HistoryLost {
                missing: None,
                message: format!(
                    "Last-Event-ID {after} is beyond the feed's newest event ({newest}): \
                     the server no longer has the events the client saw"
                ),
            };
            let mut prelude = Vec::new();
            encode_frame(
                &mut prelude,
                None,
                Some(EVENT_HISTORY_LOST),
                &lost.to_json(),
            );
            prelude.extend_from_slice(&snapshot(&state, &caller, access, newest).await?);
            (Bytes::from(prelude), newest)
        }
        ResumeFrom::After(after) => (Bytes::new(), after),
        ResumeFrom::Closed => {
            return Err(ApiError::BadRequest(
                "Last-Event-ID CLOSE does not apply to the feed of every task".into(),
            ))
        }
    };
    let options = StreamOptions {
        after,
        retry: Some(state.config.retry),
    };
    let chunks = state
        .tasks
        .feed_events(options, prelude, &scope_of(&caller));
    let chunks = Metrics::count(state.metrics.as_deref(), StreamKind::Feed, chunks);
    Ok(sse_bytes_response(
        chunks,
        state.config.keep_alive,
        &state.shutdown,
    ))
}

/// One `snapshot` frame per task the caller reaches (no id: a connection
/// dropped in the middle starts over), then `synced` with `id: position`.
async fn snapshot(
    state: &ServerState,
    caller: &Caller,
    access: Access,
    position: u64,
) -> Result<Bytes, ApiError> {
    let page = state
        .tasks
        .list(MAX_SNAPSHOT, None, &scope_of(caller))
        .await?;
    let labels = shows_labels(caller, access);
    let mut bytes = Vec::new();
    for task in page.tasks.iter().rev() {
        let message = FeedMessage::<&RawValue> {
            task: Some(task.id.clone()),
            state: Some(task.state),
            step: Some(task.step),
            steps: Some(task.steps),
            progress: Some(task.progress),
            seq: Some(task.last_event_id),
            message: task.message.clone(),
            label: task.label.clone().filter(|_| labels),
            ..FeedMessage::new(FEED_SNAPSHOT)
        };
        encode_frame(&mut bytes, None, None, &message.to_json());
    }
    let synced = FeedMessage::<&RawValue>::synced(page.tasks.len());
    encode_frame(
        &mut bytes,
        Some(&position.to_string()),
        None,
        &synced.to_json(),
    );
    Ok(bytes.into())
}
