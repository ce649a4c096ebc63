//! The delta seed's messages: stored in a `messages` table of the task
//! server's database (the seed's PHP scripts share one SQLite file),
//! announced to open `/seeds/delta` streams, and read back after a resume id.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::stream::{self, Stream};
use rusqlite::{params, Connection};
use sse_task_server::{Database, StoreError};
use tokio::sync::watch;
use tokio::time::Instant;

/// The seed's table, created beside the task server's own.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message TEXT
)";

/// A message of the `messages` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaMessage {
    /// Autoincrement id, also the SSE id.
    pub id: u64,
    /// The text.
    pub message: String,
}

/// Messages read in one page at most.
const PAGE: usize = 256;

/// The seed's messages and the newest id inserted through this server.
pub struct DeltaFeed {
    db: Database,
    newest: watch::Sender<u64>,
}

impl DeltaFeed {
    /// The messages of `db` (its table created when missing). A table that
    /// cannot be created now (a full disk) is a warning: every insert
    /// creates it too, and the task server runs on.
    pub async fn new(db: Database) -> Self {
        let create = |conn: &Connection| {
            conn.execute_batch(SCHEMA)?;
            Ok(0)
        };
        if let Err(failure) = db.exec(create).await {
            tracing::warn!(%failure, "cannot create the delta seed's table yet");
        }
        Self {
            db,
            newest: watch::Sender::new(0),
        }
    }

    /// Stores `message` and tells the streams; its id, or why it failed.
    pub async fn insert(&self, message: String) -> Result<u64, String> {
        let insert = move |conn: &Connection| {
            conn.execute_batch(SCHEMA)?;
            conn.prepare_cached("INSERT INTO messages (message) VALUES (?1)")?
                .execute([&message])?;
            Ok(conn.last_insert_rowid() as u64)
        };
        match self.db.exec(insert).await {
            Ok(0) => Err("the message got no id".into()),
            Ok(id) => {
                self.newest.send_replace(id);
                Ok(id)
            }
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
    db: Database,
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
            .read(move |conn| messages_between(conn, after, up_to, PAGE))
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

/// Messages with an id in `after+1 ..= up_to`, in order, at most `limit`.
fn messages_between(
    conn: &Connection,
    after: u64,
    up_to: u64,
    limit: usize,
) -> Result<Vec<DeltaMessage>, StoreError> {
    let up_to = i64::try_from(up_to).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT id, COALESCE(message, '') FROM messages WHERE id > ?1 AND id <= ?2 \
         ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![after, up_to, limit as i64], |row| {
        Ok(DeltaMessage {
            id: row.get(0)?,
            message: row.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
