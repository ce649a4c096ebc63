//! The SSE stream of one task: the stored events after the client's cursor,
//! then the live ones as they are stored, ending after the final event.
//!
//! Live events come from the task's in-memory tail as ready-made bytes (one
//! chunk per committed batch, shared by every stream); a cursor older than
//! the tail reads a page from the database on a blocking thread. Each stream
//! keeps only its cursor and at most one page: a client that stops reading
//! costs no more, and never holds back the job or other clients. While a
//! task at interval 0 runs flat out, each chunk waits its turn
//! (`tasks/jobs_first.rs`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use futures_util::stream::{self, Stream};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::db::{queries, Db};
use crate::tasks::{encode, JobsFirst, StreamRead, TaskHandle};

/// Events sent in one chunk at most.
const PAGE: usize = 1024;

/// Options of one stream.
#[derive(Debug, Clone, Copy, Default)]
pub struct StreamOptions {
    /// Send the events with a seq above this.
    pub after: u64,
    /// End the connection after this many events (a test knob that simulates
    /// a dropped connection).
    pub drop_after: Option<u32>,
    /// End the connection after this long (a test knob: a server that caps
    /// its connections).
    pub end_after: Option<Duration>,
    /// The `retry:` frame to send first.
    pub retry: Option<Duration>,
}

struct Cursor {
    handle: Arc<TaskHandle>,
    db: Db,
    jobs_first: Arc<JobsFirst>,
    after: u64,
    changes: watch::Receiver<u64>,
    left: Option<u32>,
    done: bool,
}

/// The stream of `handle`'s events as encoded SSE bytes; each chunk waits
/// its turn behind flat-out jobs (`jobs_first`).
pub fn task_events(
    handle: Arc<TaskHandle>,
    db: Db,
    jobs_first: Arc<JobsFirst>,
    options: StreamOptions,
) -> impl Stream<Item = Bytes> {
    let cursor = Cursor {
        changes: handle.subscribe(),
        handle,
        db,
        jobs_first,
        after: options.after,
        left: options.drop_after,
        done: false,
    };
    let retry = stream::iter(
        options
            .retry
            .map(|retry| Bytes::from(format!("retry: {}\n\n", retry.as_millis()))),
    );
    let end_after = options.end_after;
    let end = async move {
        match end_after {
            Some(after) => tokio::time::sleep(after).await,
            None => std::future::pending().await,
        }
    };
    retry
        .chain(stream::unfold(cursor, next_chunk))
        .take_until(end)
}

async fn next_chunk(mut cursor: Cursor) -> Option<(Bytes, Cursor)> {
    loop {
        if cursor.done || cursor.left == Some(0) {
            return None;
        }
        let limit = cursor.left.map_or(PAGE, |left| (left as usize).min(PAGE));
        cursor.jobs_first.turn().await;
        cursor.changes.borrow_and_update();
        let read = match cursor.handle.read_after(cursor.after, limit) {
            Ok(read) => read,
            Err(error) => {
                tracing::error!(task = %cursor.handle.id(), %error, "cannot read task");
                return None;
            }
        };
        let (bytes, last) = match read {
            StreamRead::Frames(bytes, last) => (bytes, last),
            StreamRead::Older { up_to } => match read_stored(&cursor, up_to, limit).await {
                Some(page) => page,
                None => return None,
            },
            StreamRead::Ended(last_frame) => {
                cursor.done = true;
                return last_frame.map(|frame| (frame, cursor));
            }
            StreamRead::Waiting => {
                if cursor.changes.changed().await.is_err() {
                    return None;
                }
                continue;
            }
        };
        if let Some(left) = cursor.left.as_mut() {
            *left -= (last - cursor.after) as u32;
        }
        cursor.after = last;
        return Some((bytes, cursor));
    }
}

/// A page of stored events after the cursor, encoded, and the last seq.
async fn read_stored(cursor: &Cursor, up_to: u64, limit: usize) -> Option<(Bytes, u64)> {
    let task_id = cursor.handle.id().to_owned();
    let after = cursor.after;
    let page = cursor
        .db
        .readers
        .read(move |conn| queries::events_between(conn, &task_id, after, up_to, limit))
        .await;
    match page {
        Ok(events) if !events.is_empty() => {
            let mut bytes = Vec::new();
            for event in &events {
                encode(event, &mut bytes);
            }
            Some((bytes.into(), events.last().map_or(after, |event| event.seq)))
        }
        Ok(_) => {
            tracing::error!(task = %cursor.handle.id(), after, up_to, "stored events missing");
            None
        }
        Err(error) => {
            tracing::error!(task = %cursor.handle.id(), %error, "cannot read events");
            None
        }
    }
}
