//! The rows every store keeps, whatever it is: a task, its stored events,
//! the feed's entries, and the feed data of each (one format for SQLite and
//! Redis, so both answer the same).

use serde_json::value::RawValue;
use sse_task_protocol::{FeedMessage, TaskState, FEED_CREATED};

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
    /// Who the task belongs to (`""`: nobody in particular): a user's
    /// feed holds only their tasks' rows.
    pub owner: String,
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
    /// Who the task belongs to, as the app named the user who created it
    /// (`""` when the app names no users).
    pub owner: String,
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
            owner: String::new(),
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
