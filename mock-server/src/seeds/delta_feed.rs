//! The delta seed's messages: stored in the `messages` table, announced to
//! open `/seeds/delta` streams, and read back after a resume id.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::stream::{self, Stream};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::db::{queries, Db, DeltaMessage, Write, Written};

/// Messages read in one page at most.
const PAGE: usize = 256;

/// The seed's messages and the newest id inserted through this server.
pub struct DeltaFeed {
    db: Db,
    newest: watch::Sender<u64>,
}

impl DeltaFeed {
    /// The messages of `db`.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            newest: watch::Sender::new(0),
        }
    }

    /// Stores `message` and tells the streams; its id, or why it failed.
    pub async fn insert(&self, message: String) -> Result<u64, String> {
        match self.db.writer.write(Write::InsertMessage(message)).await {
            Ok(Written::MessageId(id)) => {
                self.newest.send_replace(id);
                Ok(id)
            }
            Ok(Written::Done | Written::Ended { .. }) => Err("the message got no id".into()),
            Err(failure) => Err(format!("the message could not be stored: {failure}")),
        }
    }

    /// The messages after `after`, then new ones as they come (announced, or
    /// found every `poll`: rows other programs insert), until `cap` has passed.
    pub fn messages_after(
        &self,
        after: u64,
        cap: Duration,
        poll: Duration,
    ) -> impl Stream<Item = DeltaMessage> {
        let cursor = Cursor {
            db: self.db.clone(),
            bounded: self.db.in_memory(),
            after,
            page: VecDeque::new(),
            changes: self.newest.subscribe(),
            deadline: Instant::now() + cap,
            poll,
        };
        stream::unfold(cursor, next_message)
    }
}

struct Cursor {
    db: Db,
    /// Messages inserted through this server only (the in-memory database):
    /// read no further than the newest announced one, which is committed.
    bounded: bool,
    after: u64,
    page: VecDeque<DeltaMessage>,
    changes: watch::Receiver<u64>,
    deadline: Instant,
    poll: Duration,
}

async fn next_message(mut cursor: Cursor) -> Option<(DeltaMessage, Cursor)> {
    loop {
        if let Some(message) = cursor.page.pop_front() {
            cursor.after = message.id;
            return Some((message, cursor));
        }
        if Instant::now() >= cursor.deadline {
            return None;
        }
        let newest = *cursor.changes.borrow_and_update();
        let after = cursor.after;
        let up_to = if cursor.bounded { newest } else { u64::MAX };
        let page = cursor
            .db
            .readers
            .read(move |conn| queries::messages_between(conn, after, up_to, PAGE))
            .await;
        match page {
            Ok(messages) if !messages.is_empty() => {
                cursor.page = messages.into();
                continue;
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%error, "cannot read delta messages");
                return None;
            }
        }
        let poll = tokio::time::sleep(cursor.poll);
        tokio::select! {
            changed = cursor.changes.changed() => {
                if changed.is_err() {
                    return None;
                }
            }
            () = poll => {}
            () = tokio::time::sleep_until(cursor.deadline) => return None,
        }
    }
}
