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
//! is not above the one they have. Per client it keeps a cursor and at
//! most one page, like a task's own streams, and waits its turn behind
//! flat-out jobs like them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::watch;

use super::query;
use crate::access::Access;
use crate::counters::{OpenStream, StreamKind};
use crate::db::{queries, Db};
use crate::error::ApiError;
use crate::resume::{resume_from, ResumeFrom};
use crate::sse::{encode_frame, sse_bytes_response};
use crate::state::AppState;
use crate::tasks::feed::encode;
use crate::tasks::{Feed, JobsFirst, TailRead};

/// Rows sent in one chunk at most.
const PAGE: usize = 1024;
/// Most tasks in a first connection's snapshot.
const MAX_SNAPSHOT: usize = 100_000;

/// Query of `GET /api/tasks/events`.
#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    /// Resume point for clients that cannot send `Last-Event-ID`.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
    /// Test knob: end every connection after so many feed rows.
    drop_every: Option<u32>,
}

/// `GET /api/tasks/events`.
pub async fn feed_route(
    State(state): State<AppState>,
    access: Access,
    headers: HeaderMap,
    params: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let newest = state.feed.newest();
    let (prelude, after) = match resume_from(&headers, params.last_event_id.as_deref())? {
        ResumeFrom::Start | ResumeFrom::After(0) => (snapshot(&state, access, newest)?, newest),
        ResumeFrom::After(after) if after > newest => {
            return Err(ApiError::BadRequest(format!(
                "Last-Event-ID {after} is beyond the feed's newest event ({newest})"
            )))
        }
        ResumeFrom::After(after) => (Bytes::new(), after),
        ResumeFrom::Closed => {
            return Err(ApiError::BadRequest(
                "Last-Event-ID CLOSE does not apply to the feed of every task".into(),
            ))
        }
    };
    let cursor = Cursor {
        changes: state.feed.subscribe(),
        feed: Arc::clone(&state.feed),
        db: state.db.clone(),
        jobs_first: Arc::clone(&state.jobs_first),
        after,
        left: params.drop_every,
        _open: state.streams.open(StreamKind::Feed),
    };
    let retry = Bytes::from(format!("retry: {}\n\n", state.config.retry.as_millis()));
    let chunks = stream::iter([retry, prelude])
        .filter(|bytes| std::future::ready(!bytes.is_empty()))
        .chain(stream::unfold(cursor, next_chunk));
    Ok(sse_bytes_response(
        chunks,
        state.config.keep_alive,
        &state.shutdown,
    ))
}

/// One `snapshot` frame per task (no id: a connection dropped in the middle
/// starts over), then `synced` with `id: position`.
fn snapshot(state: &AppState, access: Access, position: u64) -> Result<Bytes, ApiError> {
    let page = state.tasks.list(MAX_SNAPSHOT, None)?;
    let mut bytes = Vec::new();
    for task in page.tasks.iter().rev() {
        let mut data = json!({
            "task": task.id,
            "event": "snapshot",
            "state": task.state.as_str(),
            "step": task.step,
            "steps": task.steps,
            "progress": task.progress,
            "seq": task.last_event_id,
            "message": task.message,
        });
        if access == Access::Token {
            data["label"] = json!(task.label);
        }
        encode_frame(&mut bytes, None, None, &data.to_string());
    }
    encode_frame(
        &mut bytes,
        Some(&position.to_string()),
        None,
        &json!({ "event": "synced", "tasks": page.tasks.len() }).to_string(),
    );
    Ok(bytes.into())
}

struct Cursor {
    feed: Arc<Feed>,
    db: Db,
    jobs_first: Arc<JobsFirst>,
    changes: watch::Receiver<u64>,
    after: u64,
    left: Option<u32>,
    _open: OpenStream,
}

async fn next_chunk(mut cursor: Cursor) -> Option<(Bytes, Cursor)> {
    loop {
        if cursor.left == Some(0) {
            return None;
        }
        let limit = cursor.left.map_or(PAGE, |left| (left as usize).min(PAGE));
        cursor.jobs_first.turn().await;
        let newest = *cursor.changes.borrow_and_update();
        let read = match cursor.feed.after(cursor.after, limit) {
            Ok(read) => read,
            Err(error) => {
                tracing::error!(%error, "cannot read the feed");
                return None;
            }
        };
        let (bytes, last) = match read {
            TailRead::Frames(bytes, last) => (bytes, last),
            TailRead::Older => read_stored(&cursor, newest, limit).await?,
            TailRead::UpToDate => {
                if cursor.changes.changed().await.is_err() {
                    return None;
                }
                continue;
            }
        };
        if let Some(left) = cursor.left.as_mut() {
            *left = left.saturating_sub((last - cursor.after) as u32);
        }
        cursor.after = last;
        return Some((bytes, cursor));
    }
}

/// A page of stored feed rows after the cursor, encoded, and the last gseq;
/// rows removed by retention are simply not there.
async fn read_stored(cursor: &Cursor, up_to: u64, limit: usize) -> Option<(Bytes, u64)> {
    let after = cursor.after;
    let page = cursor
        .db
        .readers
        .read(move |conn| queries::feed_between(conn, after, up_to, limit))
        .await;
    match page {
        Ok(rows) => {
            let mut bytes = Vec::new();
            for row in &rows {
                encode(row, &mut bytes);
            }
            // Nothing stored in the range (all removed): skip to its end.
            let last = rows.last().map_or(up_to, |row| row.gseq);
            Some((bytes.into(), last))
        }
        Err(error) => {
            tracing::error!(%error, "cannot read the feed");
            None
        }
    }
}
