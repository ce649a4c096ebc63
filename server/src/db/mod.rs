//! The embedded SQLite store: tasks, their events and the feed of every
//! task (an app may keep tables of its own beside them: [`Write::Exec`]).
//!
//! Every task event is written here before any client sees it, so a reconnect
//! (or a restarted server with `--db FILE`) can replay exactly what was sent.
//! One writer thread owns the write connection (`writer.rs`); reads run on
//! blocking threads over their own connections (`reader.rs`), so neither ever
//! holds up the async runtime or each other.

mod connection;
pub mod queries;
mod reader;
mod writer;

use std::path::Path;

use serde_json::value::RawValue;
use sse_task_protocol::{FeedMessage, TaskState, FEED_CREATED};
use thiserror::Error;

pub use connection::Location;
pub use reader::ReadPool;
/// The SQLite crate the store runs on, for [`Write::Exec`] statements.
pub use rusqlite;
pub use writer::{BatchOutcome, BatchStore, ExecFn, Reply, Write, WriteFailure, Writer, Written};

/// Current time as RFC 3339 (milliseconds, UTC), for the task timestamps.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The feed's data for a new task (a `created` [`FeedMessage`]).
pub fn created_feed_data(row: &TaskRow) -> String {
    FeedMessage::<&RawValue> {
        task: Some(row.id.clone()),
        state: Some(row.state),
        steps: Some(row.steps),
        created_at: Some(row.created_at.clone()),
        ..FeedMessage::new(FEED_CREATED)
    }
    .to_json()
}

/// The feed's data for a stored event of a task (its kind, seq, wire id
/// and its own JSON data, as a [`FeedMessage`]).
pub fn event_feed_data(task_id: &str, event: &StoredEvent) -> String {
    // The event's data is JSON the server wrote: embedded as it is, only
    // scanned as JSON, never parsed into a tree (this runs on the writer
    // thread for every event).
    let Ok(data) = serde_json::from_str::<&RawValue>(&event.data) else {
        return FeedMessage::<&RawValue>::new(&event.kind).to_json();
    };
    FeedMessage::task_event(task_id, &event.kind, event.seq, &event.wire_id, data).to_json()
}

/// What can go wrong in the store.
#[derive(Debug, Error)]
pub enum DbError {
    /// SQLite refused a statement.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A task row holds a state name this version does not know.
    #[error("task {0} has an unknown state {1:?} in the database")]
    UnknownState(String, String),
    /// Another thread panicked while holding a lock.
    #[error("database lock poisoned")]
    Poisoned,
    /// The database file was deleted or replaced while the server ran.
    #[error("the database file {0} is gone")]
    FileGone(String),
    /// A database thread could not start or stopped.
    #[error("database thread failed: {0}")]
    Thread(String),
    /// A write failed (after its retries).
    #[error("could not store: {0}")]
    Write(#[from] WriteFailure),
    /// The shared store (Redis) failed.
    #[error("Redis: {0}")]
    Redis(String),
}

impl From<redis::RedisError> for DbError {
    fn from(error: redis::RedisError) -> Self {
        Self::Redis(error.to_string())
    }
}

/// One stored SSE event of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the task's stream, 1-based, increasing.
    pub seq: u64,
    /// What goes on the `id:` line: the seq, or `CLOSE` for the completion event.
    pub wire_id: String,
    /// The event name (`message`, `failed`, `cancelled`).
    pub kind: String,
    /// The data, JSON text.
    pub data: String,
}

/// One entry of the server-wide feed of every task's events
/// (`GET /api/tasks/events`), in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    /// Server-wide sequence number: increasing by one in commit order.
    pub gseq: u64,
    /// The task it is about.
    pub task_id: String,
    /// The frame's data: JSON naming the task and what happened.
    pub data: String,
}

/// Told every committed batch's new feed rows, in order, on the writer
/// thread, after the batch's replies (so tasks' states are never behind it).
pub type FeedSink = std::sync::Arc<dyn Fn(Vec<FeedRow>) + Send + Sync>;

/// A task row.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// The task's UUID.
    pub id: String,
    /// Label given at creation.
    pub label: Option<String>,
    /// The kind of job that runs it.
    pub kind: String,
    /// The job's parameters (JSON text).
    pub params: String,
    /// Total steps.
    pub steps: u32,
    /// Current state.
    pub state: TaskState,
    /// Last step done.
    pub step: u32,
    /// Seq of the last stored event.
    pub last_seq: u64,
    /// Final message.
    pub message: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 start time.
    pub started_at: Option<String>,
    /// RFC 3339 end time.
    pub finished_at: Option<String>,
}

#[cfg(test)]
impl TaskRow {
    /// A one-step task row for tests, created 2026-01-01.
    pub fn sample(id: &str, state: TaskState, finished_at: Option<&str>) -> Self {
        Self {
            id: id.into(),
            label: None,
            kind: "steps".into(),
            params: r#"{"steps":1,"interval_ms":0}"#.into(),
            steps: 1,
            state,
            step: 0,
            last_seq: 0,
            message: None,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            started_at: None,
            finished_at: finished_at.map(str::to_owned),
        }
    }
}

/// The database: its writer and its readers; cheap to clone.
#[derive(Clone)]
pub struct Db {
    /// Every change goes through it.
    pub writer: Writer,
    /// Every query goes through it.
    pub readers: ReadPool,
    in_memory: bool,
}

impl Db {
    /// Opens (and creates) the database at `path`, or a private in-memory one
    /// for `None`, and starts its writer thread, which tells `feed` of each
    /// batch's new feed rows.
    pub fn open(path: Option<&Path>, feed: Option<FeedSink>) -> Result<Self, DbError> {
        let location = Location::new(path);
        let writer = Writer::start(&location, feed)?;
        let readers = ReadPool::open(&location)?;
        Ok(Self {
            writer,
            readers,
            in_memory: path.is_none(),
        })
    }

    /// True for the in-memory database: no other program can write to it.
    pub fn in_memory(&self) -> bool {
        self.in_memory
    }
}
