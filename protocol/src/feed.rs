//! The feed of every task (`GET /api/tasks/events`): one typed message per
//! frame, whose JSON data names its task and what happened. The server
//! writes [`FeedMessage`]s and the dashboard reads them back.
//!
//! - `created`: a task was created (`state`, `steps`, `created_at`);
//! - `snapshot`: on a first connection, one per task (`state`, `step`,
//!   `steps`, `progress`, `seq`: the task's last event, `message`, `label`
//!   for the token holder), sent without an id;
//! - `synced`: the snapshot is over (`tasks`: how many); its frame's id is
//!   the feed position taken before the snapshot;
//! - `message`, `failed`, `cancelled`: a task's stored event (`seq`, its
//!   wire `id`, its own JSON `data`).
//!
//! Each frame's SSE id (but the snapshot's) is the feed's server-wide
//! sequence number, so `Last-Event-ID` resumes the whole feed.

use serde::{Deserialize, Serialize};

use crate::task::TaskState;

/// `event` of a new task.
pub const FEED_CREATED: &str = "created";
/// `event` of a task in a first connection's snapshot.
pub const FEED_SNAPSHOT: &str = "snapshot";
/// `event` of the end of the snapshot.
pub const FEED_SYNCED: &str = "synced";

/// One feed message. `D` is the type of a task event's `data`: the server
/// embeds the stored JSON as it is (`&RawValue`), a client reads the fields
/// it needs ([`FeedEventData`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedMessage<D> {
    /// The task it is about (every message but `synced`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// What happened (see the module's header).
    pub event: String,
    /// The task's state (`created`, `snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<TaskState>,
    /// Steps done (`snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    /// Steps in all (`created`, `snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// Percentage done (`snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<f64>,
    /// The task's event sequence: its event's (task events), its last one's
    /// (`snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The event's wire id: the seq, or `CLOSE` (task events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The task's newest message (`snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The task's label (`snapshot`, for the token holder only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When the task was created, RFC 3339 (`created`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Tasks in the snapshot (`synced`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<usize>,
    /// The task event's own data (task events).
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<D>,
}

fn none<D>() -> Option<D> {
    None
}

/// A task event's data as the dashboard reads it (the coreBOS JSON).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FeedEventData {
    /// The event's message.
    #[serde(default)]
    pub message: Option<String>,
    /// The percentage it reached.
    #[serde(default)]
    pub progress: Option<f64>,
}

impl<D> FeedMessage<D> {
    /// A message of kind `event` with nothing else set.
    pub fn new(event: &str) -> Self {
        Self {
            task: None,
            event: event.to_owned(),
            state: None,
            step: None,
            steps: None,
            progress: None,
            seq: None,
            id: None,
            message: None,
            label: None,
            created_at: None,
            tasks: None,
            data: None,
        }
    }

    /// The end of a snapshot of `tasks` tasks.
    pub fn synced(tasks: usize) -> Self {
        Self {
            tasks: Some(tasks),
            ..Self::new(FEED_SYNCED)
        }
    }

    /// Stored event `seq` (wire id `id`, kind `kind`) of task `task`.
    pub fn task_event(task: &str, kind: &str, seq: u64, id: &str, data: D) -> Self {
        Self {
            task: Some(task.to_owned()),
            seq: Some(seq),
            id: Some(id.to_owned()),
            data: Some(data),
            ..Self::new(kind)
        }
    }
}

impl<D: Serialize> FeedMessage<D> {
    /// The message as the JSON a frame's data carries.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    #[test]
    fn a_task_event_embeds_its_stored_data_and_reads_back_typed() {
        let stored = RawValue::from_string(r#"{"message":"step 1","progress":50}"#.into()).unwrap();
        let json = FeedMessage::task_event("a", "message", 1, "1", &*stored).to_json();
        assert_eq!(
            json,
            r#"{"task":"a","event":"message","seq":1,"id":"1","data":{"message":"step 1","progress":50}}"#
        );
        let read: FeedMessage<FeedEventData> = serde_json::from_str(&json).unwrap();
        assert_eq!(read.data.unwrap().progress, Some(50.0));
        let synced: FeedMessage<FeedEventData> =
            serde_json::from_str(&FeedMessage::<()>::synced(3).to_json()).unwrap();
        assert_eq!(
            (synced.event.as_str(), synced.tasks),
            (FEED_SYNCED, Some(3))
        );
    }
}
