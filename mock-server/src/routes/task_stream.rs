//! The SSE stream of one task: the stored events after the client's cursor,
//! then the live ones as they are stored, ending after the final event.
//!
//! Each stream keeps only its cursor and one page of events; a client that
//! stops reading costs no more, and never holds back the job or other clients.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::response::sse::Event;
use futures_util::stream::{self, Stream};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::db::{Db, StoredEvent};
use crate::sse::{normalize_newlines, retry_event};
use crate::tasks::TaskHandle;

/// Events read from the database at a time.
const PAGE: usize = 256;

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
    pub end_after: Option<std::time::Duration>,
    /// The `retry:` frame to send first.
    pub retry: Option<std::time::Duration>,
}

struct Cursor {
    handle: Arc<TaskHandle>,
    task_id: String,
    db: Db,
    after: u64,
    page: VecDeque<StoredEvent>,
    changes: watch::Receiver<u64>,
    left: Option<u32>,
}

/// The stream of `handle`'s events as SSE frames.
pub fn task_events(
    handle: Arc<TaskHandle>,
    db: Db,
    options: StreamOptions,
) -> impl Stream<Item = Event> {
    let cursor = Cursor {
        task_id: handle.id(),
        changes: handle.subscribe(),
        handle,
        db,
        after: options.after,
        page: VecDeque::new(),
        left: options.drop_after,
    };
    let retry = stream::iter(options.retry.map(retry_event));
    let end_after = options.end_after;
    let end = async move {
        match end_after {
            Some(after) => tokio::time::sleep(after).await,
            None => std::future::pending().await,
        }
    };
    retry
        .chain(stream::unfold(cursor, next_event))
        .take_until(end)
}

async fn next_event(mut cursor: Cursor) -> Option<(Event, Cursor)> {
    loop {
        if cursor.left == Some(0) {
            return None;
        }
        if let Some(event) = cursor.page.pop_front() {
            cursor.after = event.seq;
            if let Some(left) = cursor.left.as_mut() {
                *left -= 1;
            }
            return Some((to_sse(&event), cursor));
        }
        cursor.changes.borrow_and_update();
        match cursor.db.events_after(&cursor.task_id, cursor.after, PAGE) {
            Ok(events) if !events.is_empty() => {
                cursor.page = events.into();
                continue;
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(task = %cursor.task_id, %error, "cannot read events");
                return None;
            }
        }
        if cursor.handle.has_ended_by(cursor.after) || cursor.changes.changed().await.is_err() {
            return None;
        }
    }
}

/// One stored event as an SSE frame: `id:`, `event:` unless it is `message`, `data:`.
pub fn to_sse(event: &StoredEvent) -> Event {
    let frame = Event::default().id(&event.wire_id);
    let frame = if event.kind == sse_task_protocol::EVENT_MESSAGE {
        frame
    } else {
        frame.event(&event.kind)
    };
    frame.data(normalize_newlines(&event.data))
}
