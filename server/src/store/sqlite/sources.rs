//! The SQLite store's stream sources: a task's events and the feed, read
//! from the in-memory tail, then from the database on a blocking thread.

use std::sync::Arc;

use axum::body::Bytes;

use super::{queries, Db};
use crate::tasks::cursor::{feed_tail, Source};
use crate::tasks::feed::{self, Feed};
use crate::tasks::{Read, TaskHandle};

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
                    crate::tasks::events::encode(event, &mut bytes);
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

/// The feed of every task, or of one owner's: its tail, then the stored
/// feed rows (rows that retention removed are skipped).
pub struct FeedEvents {
    /// The feed.
    pub feed: Arc<Feed>,
    /// Where its rows are stored.
    pub db: Db,
    /// Only this owner's tasks' rows, when given.
    pub owner: Option<String>,
}

impl Source for FeedEvents {
    fn read_after(&self, after: u64, limit: usize) -> Read {
        feed_tail(&self.feed, after, limit, self.owner.as_deref())
    }

    async fn read_stored(&self, after: u64, up_to: u64, limit: usize) -> Option<(Bytes, u64)> {
        let owner = self.owner.clone();
        let page = self
            .db
            .readers
            .read(move |conn| queries::feed_between(conn, after, up_to, limit, owner.as_deref()))
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
