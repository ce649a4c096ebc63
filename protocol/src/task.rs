//! The task API's requests, responses and limits (`/api/tasks`).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Most steps a task may have.
pub const MAX_STEPS: u32 = 100_000;
/// Longest pause between two steps, in milliseconds.
pub const MAX_INTERVAL_MS: u64 = 60_000;
/// Longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 200;
/// Pause between two steps when a request names none, in milliseconds.
pub const DEFAULT_INTERVAL_MS: u64 = 500;

/// Body of `POST /api/tasks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskRequest {
    /// Number of steps, `1..=MAX_STEPS`.
    pub steps: u32,
    /// Pause after each step, `0..=MAX_INTERVAL_MS` milliseconds
    /// ([`DEFAULT_INTERVAL_MS`] when absent).
    #[serde(default = "default_interval_ms")]
    pub interval_ms: u64,
    /// Step at which the task fails on purpose (1-based), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_at: Option<u32>,
    /// Free text shown in front of every step message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

fn default_interval_ms() -> u64 {
    DEFAULT_INTERVAL_MS
}

/// Why a [`CreateTaskRequest`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    /// `steps` is 0 or above [`MAX_STEPS`].
    #[error("steps must be between 1 and {MAX_STEPS}, got {0}")]
    Steps(u32),
    /// `interval_ms` is above [`MAX_INTERVAL_MS`].
    #[error("interval_ms must be between 0 and {MAX_INTERVAL_MS}, got {0}")]
    Interval(u64),
    /// `fail_at` is 0 or beyond the last step.
    #[error("fail_at must be between 1 and steps ({steps}), got {fail_at}")]
    FailAt {
        /// The requested failing step.
        fail_at: u32,
        /// The task's number of steps.
        steps: u32,
    },
    /// `label` is longer than [`MAX_LABEL_CHARS`].
    #[error("label must be at most {MAX_LABEL_CHARS} characters, got {0}")]
    Label(usize),
}

/// Checks a pause between events against [`MAX_INTERVAL_MS`] (the task API
/// and the seed endpoints share this limit).
pub fn validate_interval_ms(interval_ms: u64) -> Result<(), ValidationError> {
    if interval_ms > MAX_INTERVAL_MS {
        return Err(ValidationError::Interval(interval_ms));
    }
    Ok(())
}

impl CreateTaskRequest {
    /// Checks every field against the limits above.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !(1..=MAX_STEPS).contains(&self.steps) {
            return Err(ValidationError::Steps(self.steps));
        }
        validate_interval_ms(self.interval_ms)?;
        if let Some(fail_at) = self.fail_at {
            if fail_at == 0 || fail_at > self.steps {
                return Err(ValidationError::FailAt {
                    fail_at,
                    steps: self.steps,
                });
            }
        }
        if let Some(label) = &self.label {
            let chars = label.chars().count();
            if chars > MAX_LABEL_CHARS {
                return Err(ValidationError::Label(chars));
            }
        }
        Ok(())
    }
}

/// Answer of `GET /api/kinds`: the kinds of job a task may name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindsResponse {
    /// The kinds, in order.
    pub kinds: Vec<String>,
}

/// Answer of `POST /api/tasks` (status 201).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateTaskResponse {
    /// The task's unguessable id (a UUID).
    pub id: String,
    /// Path of the task's SSE stream.
    pub events_url: String,
    /// Path to `POST` to cancel the task on the server.
    pub cancel_url: String,
    /// Path of the task's state ([`TaskSnapshot`]).
    pub status_url: String,
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Waiting for a free worker.
    Queued,
    /// A worker is running its steps.
    Running,
    /// Every step ran; the stream ended with `id: CLOSE`.
    Completed,
    /// A step failed; the stream ended with a `failed` event.
    Failed,
    /// Cancelled on request; the stream ended with a `cancelled` event.
    Cancelled,
}

impl TaskState {
    /// True once the task can no longer change.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// The lowercase name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses [`TaskState::as_str`]'s output.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Completed,
            Self::Failed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|state| state.as_str() == name)
    }
}

/// Answer of `GET /api/tasks/{id}`: where a task is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSnapshot {
    /// The task's id.
    pub id: String,
    /// The label given at creation.
    pub label: Option<String>,
    /// Where the task is in its life.
    pub state: TaskState,
    /// Last step done (0 before the first).
    pub step: u32,
    /// Total number of steps.
    pub steps: u32,
    /// Percentage done, 0 to 100.
    pub progress: f64,
    /// Id of the last event stored for the task.
    pub last_event_id: u64,
    /// Message of the final event, once the task ended.
    pub message: Option<String>,
    /// When the task was created (RFC 3339).
    pub created_at: String,
    /// When a worker started it (RFC 3339).
    pub started_at: Option<String>,
    /// When it ended (RFC 3339).
    pub finished_at: Option<String>,
}

/// Body of every 4xx/5xx answer of the server's JSON API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, in words a developer can act on.
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(steps: u32, interval_ms: u64) -> CreateTaskRequest {
        CreateTaskRequest {
            steps,
            interval_ms,
            fail_at: None,
            label: None,
        }
    }

    #[test]
    fn limits_are_enforced() {
        assert_eq!(request(0, 0).validate(), Err(ValidationError::Steps(0)));
        assert_eq!(
            request(MAX_STEPS + 1, 0).validate(),
            Err(ValidationError::Steps(MAX_STEPS + 1))
        );
        assert_eq!(
            request(1, MAX_INTERVAL_MS + 1).validate(),
            Err(ValidationError::Interval(MAX_INTERVAL_MS + 1))
        );
        let mut failing = request(3, 0);
        failing.fail_at = Some(4);
        assert!(matches!(
            failing.validate(),
            Err(ValidationError::FailAt { .. })
        ));
        assert_eq!(request(MAX_STEPS, MAX_INTERVAL_MS).validate(), Ok(()));
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in [
            TaskState::Queued,
            TaskState::Running,
            TaskState::Completed,
            TaskState::Failed,
            TaskState::Cancelled,
        ] {
            assert_eq!(TaskState::parse(state.as_str()), Some(state));
        }
    }
}
