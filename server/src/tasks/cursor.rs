//! One stream cursor for both kinds of stream: a task's events and the feed
//! of every task. Recent frames come from the source's in-memory tail as
//! ready-made bytes (shared by every stream, no copy); a cursor older than
//! the tail reads a page of stored events on a blocking thread. Each stream
//! keeps only its cursor and at most one page, so a client that stops
//! reading costs no more and never holds back a job or other clients; while
//! a task at interval 0 runs flat out, each chunk waits its turn
//! (`jobs_first.rs`).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use sse_task_protocol::retry_frame;
use tokio::sync::watch;

use super::feed::{self, Feed};
use super::handle::TaskHandle;
use super::jobs_first::JobsFirst;
use super::streams_read::Read;
use super::tail::TailRead;
use crate::db::{queries, Db};

/// Events sent in one chunk at most.
const PAGE: usize = 1024;

/// Where a cursor reads: a tail, the store behind it, a watch of its newest seq.
pub trait Source: Send + 'static {
    /// What the tail has after `after`, at most `limit` events.
    fn read_after(&self, after: u64, limit: usize) -> Read;
    /// Stored events after `after` up to `up_to`, at most `limit`,
    /// encoded, and the seq the cursor moves to; `None` ends the stream.
    fn read_stored(
        &self,
        after: u64,
        up_to: u64,
        limit: usize,
    ) -> impl Future<Output = Option<(Bytes, u64)>> + Send;
}

/// How one stream runs.
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

struct Cursor<S> {
    source: S,
    jobs_first: Arc<JobsFirst>,
    changes: watch::Receiver<u64>,
    after: u64,
    left: Option<u32>,
    done: bool,
}

/// The stream of `source`'s frames after `options.after`, preceded by
/// `prelude` (the `retry:` frame, then e.g. a snapshot), each chunk waiting
/// its turn behind flat-out jobs.
pub fn stream_of<S: Source>(
    source: S,
    changes: watch::Receiver<u64>,
    jobs_first: Arc<JobsFirst>,
    options: StreamOptions,
    prelude: Bytes,
) -> impl Stream<Item = Bytes> {
    let cursor = Cursor {
        source,
        jobs_first,
        changes,
        after: options.after,
        left: options.drop_after,
        done: false,
    };
    let retry = options
        .retry
        .map(|retry| Bytes::from(retry_frame(retry.as_millis())));
    let end_after = options.end_after;
    let end = async move {
        match end_after {
            Some(after) => tokio::time::sleep(after).await,
            None => std::future::pending().await,
        }
    };
    stream::iter(retry.into_iter().chain([prelude]))
        .filter(|bytes| std::future::ready(!bytes.is_empty()))
        .chain(stream::unfold(cursor, next_chunk))
        .take_until(end)
}

async fn next_chunk<S: Source>(mut cursor: Cursor<S>) -> Option<(Bytes, Cursor<S>)> {
    loop {
        if cursor.done || cursor.left == Some(0) {
            return None;
        }
        let limit = cursor.left.map_or(PAGE, |left| (left as usize).min(PAGE));
        cursor.jobs_first.turn().await;
        cursor.changes.borrow_and_update();
        let (bytes, last) = match cursor.source.read_after(cursor.after, limit) {
            Read::Frames(bytes, last) => (bytes, last),
            Read::Older { up_to } => {
                cursor
                    .source
                    .read_stored(cursor.after, up_to, limit)
                    .await?
            }
            Read::Ended(last_frame) => {
                cursor.done = true;
                return last_frame.map(|frame| (frame, cursor));
            }
            Read::Waiting => {
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

/// One task's events: its handle's tail, then the task's stored events.
pub struct TaskEvents {
    /// The task.
    pub handle: Arc<TaskHandle>,
    /// Where its events are stored.
    pub db: Db,
}

impl Source for TaskEvents {
    fn read_after(&self, after: u64, limit: usize) -> Read {
        self.handle
            .read_after(after, limit)
            .unwrap_or_else(|error| {
                tracing::error!(task = %self.handle.id(), %error, "cannot read task");
                Read::Ended(None)
            })
    }

    async fn read_stored(&self, after: u64, up_to: u64, limit: usize) -> Option<(Bytes, u64)> {
        let task_id = self.handle.id().to_owned();
        let page = self
            .db
            .readers
            .read(move |conn| queries::events_between(conn, &task_id, after, up_to, limit))
            .await;
        match page {
            Ok(events) if !events.is_empty() => {
                let mut bytes = Vec::new();
                for event in &events {
                    super::events::encode(event, &mut bytes);
                }
                Some((bytes.into(), events.last().map_or(after, |event| event.seq)))
            }
            Ok(_) => {
                tracing::error!(task = %self.handle.id(), after, up_to, "stored events missing");
                None
            }
            Err(error) => {
                tracing::error!(task = %self.handle.id(), %error, "cannot read events");
                None
            }
        }
    }
}

/// The feed of every task: its tail, then the stored feed rows (rows that
/// retention removed are skipped). `open` lives as long as the stream.
pub struct FeedEvents<G> {
    /// The feed.
    pub feed: Arc<Feed>,
    /// Where its rows are stored.
    pub db: Db,
    /// Kept for the stream's life (e.g. the count of open streams).
    pub _open: G,
}

/// What the feed's tail has after `after`, at most `limit` rows.
pub(crate) fn feed_tail(feed: &Feed, after: u64, limit: usize) -> Read {
    match feed.after(after, limit) {
        Ok(TailRead::Frames(bytes, last)) => Read::Frames(bytes, last),
        Ok(TailRead::Older) => Read::Older {
            up_to: feed.newest(),
        },
        Ok(TailRead::UpToDate) => Read::Waiting,
        Err(error) => {
            tracing::error!(%error, "cannot read the feed");
            Read::Ended(None)
        }
    }
}

impl<G: Send + Sync + 'static> Source for FeedEvents<G> {
    fn read_after(&self, after: u64, limit: usize) -> Read {
        feed_tail(&self.feed, after, limit)
    }

    async fn read_stored(&self, after: u64, up_to: u64, limit: usize) -> Option<(Bytes, u64)> {
        let page = self
            .db
            .readers
            .read(move |conn| queries::feed_between(conn, after, up_to, limit))
            .await;
        match page {
            Ok(rows) => {
                let mut bytes = Vec::new();
                for row in &rows {
                    feed::encode(row, &mut bytes);
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
}
