//! What every store takes and answers, whatever it is: a task to create,
//! a page of the list, why an operation was refused, and the checks and
//! paging both stores apply the same way.

use sse_task_protocol::{TaskSnapshot, TaskState, ValidationError, MAX_LABEL_CHARS};
use thiserror::Error;

use crate::jobs::JobKinds;
use crate::tasks::{now_rfc3339, StoreError, TaskRow, WriteFailure};

/// Why a task operation was refused.
#[derive(Debug, Error)]
pub enum TaskError {
    /// The request's values are out of range.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// No job of this kind is registered.
    #[error("no job of kind {kind:?}; this server runs: {}", known.join(", "))]
    UnknownKind {
        /// The kind asked for.
        kind: String,
        /// The kinds registered.
        known: Vec<String>,
    },
    /// The job refused its parameters, for this reason.
    #[error("{0}")]
    Rejected(String),
    /// No task has this id.
    #[error("no task with id {0}")]
    NotFound(String),
    /// The task existed and was removed by the retention policy.
    #[error("task {0} ended and was removed (retention); its events are gone")]
    Removed(String),
    /// The task already ended.
    #[error("task {id} is already {}", state.as_str())]
    AlreadyFinished {
        /// The task's id.
        id: String,
        /// The state it ended in.
        state: TaskState,
    },
    /// Too many tasks are waiting for a worker.
    #[error("the task queue is full ({0} tasks waiting); retry later")]
    QueueFull(usize),
    /// The caller already has the most active tasks one user may have.
    #[error(
        "you have {0} active tasks (running or waiting), the most one user may have; \
         start this one when one of them ends"
    )]
    UserLimit(u32),
    /// A write failed: the task could not be created, or ended `failed`.
    #[error("the task could not be stored: {0}")]
    NotStored(#[from] WriteFailure),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] StoreError),
}

/// Whose tasks a call reaches: a task outside it answers as one that
/// does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every task: a server that names no users, or an operator.
    Every,
    /// Only the tasks of this owner.
    OwnedBy(String),
}

impl Scope {
    /// True when a task of `owner` is within reach.
    pub fn reaches(&self, owner: &str) -> bool {
        match self {
            Self::Every => true,
            Self::OwnedBy(me) => me == owner,
        }
    }

    /// The one owner whose tasks it reaches, if it is one.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Self::Every => None,
            Self::OwnedBy(me) => Some(me),
        }
    }

    /// `Ok(row)` when `row` is within reach, else as if task `id` did not
    /// exist.
    pub fn check<T>(&self, id: &str, owner: &str, found: T) -> Result<T, TaskError> {
        if self.reaches(owner) {
            Ok(found)
        } else {
            Err(TaskError::NotFound(id.chars().take(64).collect()))
        }
    }
}

/// A task to create: its kind of job, its label and the job's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// Who creates it (`""` on a server that names no users).
    pub owner: String,
    /// The registered kind of job that runs it.
    pub kind: String,
    /// Free text shown in front of every message (at most
    /// [`MAX_LABEL_CHARS`] characters).
    pub label: Option<String>,
    /// The job's parameters, checked by its [`Job::plan`](crate::Job::plan).
    pub params: serde_json::Value,
}

/// One page of the task list.
#[derive(Debug)]
pub struct TaskPage {
    /// Tasks, newest first.
    pub tasks: Vec<TaskSnapshot>,
    /// Id of the last task when more follow (the next page's `before`).
    pub next: Option<String>,
}

/// The row of a new task: its kind's job checks its parameters and says
/// how many steps it has.
pub fn new_row(kinds: &JobKinds, task: NewTask) -> Result<TaskRow, TaskError> {
    let job = kinds
        .get(&task.kind)
        .ok_or_else(|| TaskError::UnknownKind {
            kind: task.kind.chars().take(64).collect(),
            known: kinds.names().into_iter().map(str::to_owned).collect(),
        })?;
    if let Some(label) = &task.label {
        let chars = label.chars().count();
        if chars > MAX_LABEL_CHARS {
            return Err(ValidationError::Label(chars).into());
        }
    }
    let plan = job.plan(&task.params).map_err(TaskError::Rejected)?;
    Ok(TaskRow {
        id: uuid::Uuid::new_v4().to_string(),
        owner: task.owner,
        label: task.label.map(|label| label.trim().to_owned()),
        kind: task.kind,
        params: task.params.to_string(),
        steps: plan.steps.max(1),
        state: TaskState::Queued,
        step: 0,
        last_seq: 0,
        message: None,
        created_at: now_rfc3339(),
        started_at: None,
        finished_at: None,
    })
}

/// Up to `limit` of `all` tasks, newest first, after the task `before`
/// when given; `None` when `all` has no task `before`.
pub fn page_of(mut all: Vec<TaskSnapshot>, limit: usize, before: Option<&str>) -> Option<TaskPage> {
    all.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.id.cmp(&a.id))
    });
    let start = match before {
        Some(before) => all.iter().position(|task| task.id == before)? + 1,
        None => 0,
    };
    let tasks: Vec<TaskSnapshot> = all.into_iter().skip(start).take(limit + 1).collect();
    let more = tasks.len() > limit;
    let tasks: Vec<TaskSnapshot> = tasks.into_iter().take(limit).collect();
    let next = more
        .then(|| tasks.last().map(|task| task.id.clone()))
        .flatten();
    Some(TaskPage { tasks, next })
}
