//! All tasks of the server: creation with a bounded queue, lookup, a paged
//! list, cancel, their streams and the feed's, recovery of unfinished tasks
//! after a restart, and removal of old ended tasks (retention).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::body::Bytes;
use futures_util::Stream;
use sse_task_protocol::{TaskSnapshot, TaskState, ValidationError, MAX_LABEL_CHARS};
use thiserror::Error;

use super::cursor::{stream_of, FeedEvents, StreamOptions, TaskEvents};
use super::feed::Feed;
use super::handle::{Cancel, TaskHandle};
use super::jobs_first::JobsFirst;
use super::queue::{Job, JobQueue};
use super::removed::RemovedIds;
use super::retention::{expired, Retention};
use crate::db::now_rfc3339;
use crate::db::{queries, Db, DbError, TaskRow, Write, WriteFailure};
use crate::jobs::JobKinds;

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
    /// A write failed: the task could not be created, or ended `failed`.
    #[error("the task could not be stored: {0}")]
    NotStored(#[from] WriteFailure),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A task to create: its kind of job, its label and the job's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
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

/// The server's tasks, keyed by id.
pub struct TaskRegistry {
    db: Db,
    tasks: RwLock<HashMap<String, Arc<TaskHandle>>>,
    queue: JobQueue,
    removed: Mutex<RemovedIds>,
    jobs_first: Arc<JobsFirst>,
    kinds: Arc<JobKinds>,
}

impl TaskRegistry {
    /// An empty registry running the jobs of `kinds` on `workers` job
    /// threads, with room for `queue_capacity` waiting tasks; flat-out jobs
    /// tell `jobs_first`.
    pub fn new(
        db: Db,
        workers: u32,
        queue_capacity: u32,
        jobs_first: Arc<JobsFirst>,
        kinds: JobKinds,
    ) -> Result<Self, DbError> {
        let kinds = Arc::new(kinds);
        let queue = JobQueue::start(
            workers,
            queue_capacity,
            &db.writer,
            Arc::clone(&jobs_first),
            Arc::clone(&kinds),
        )?;
        Ok(Self {
            db,
            tasks: RwLock::new(HashMap::new()),
            queue,
            removed: Mutex::new(RemovedIds::default()),
            jobs_first,
            kinds,
        })
    }

    /// The SSE bytes of `handle`'s events with `options`: stored ones first,
    /// then live ones, waiting behind flat-out jobs.
    pub fn events(
        &self,
        handle: Arc<TaskHandle>,
        options: StreamOptions,
    ) -> impl Stream<Item = Bytes> {
        let changes = handle.subscribe();
        let source = TaskEvents {
            handle,
            db: self.db.clone(),
        };
        stream_of(
            source,
            changes,
            Arc::clone(&self.jobs_first),
            options,
            Bytes::new(),
        )
    }

    /// The SSE bytes of `feed` after `options.after`, preceded by `prelude`
    /// (a first connection's snapshot); `open` is kept for the stream's life.
    pub fn feed_events<G: Send + Sync + 'static>(
        &self,
        feed: &Arc<Feed>,
        open: G,
        options: StreamOptions,
        prelude: Bytes,
    ) -> impl Stream<Item = Bytes> {
        let source = FeedEvents {
            feed: Arc::clone(feed),
            db: self.db.clone(),
            _open: open,
        };
        stream_of(
            source,
            feed.subscribe(),
            Arc::clone(&self.jobs_first),
            options,
            prelude,
        )
    }

    /// Has the task's job check its parameters, stores the task, then
    /// queues the job.
    pub async fn create(&self, task: NewTask) -> Result<Arc<TaskHandle>, TaskError> {
        let row = new_row(&self.kinds, task)?;
        let slot = self.queue.reserve().map_err(TaskError::QueueFull)?;
        self.db.writer.write(Write::InsertTask(row.clone())).await?;
        let handle = TaskHandle::new(row);
        self.insert(Arc::clone(&handle))?;
        self.queue.push(Job {
            handle: Arc::clone(&handle),
            done_steps: 0,
            slot,
            on_done: None,
        });
        Ok(handle)
    }

    fn insert(&self, handle: Arc<TaskHandle>) -> Result<(), TaskError> {
        self.tasks
            .write()
            .map_err(|_| DbError::Poisoned)?
            .insert(handle.id().to_owned(), handle);
        Ok(())
    }

    /// The task with this id.
    pub fn get(&self, id: &str) -> Result<Arc<TaskHandle>, TaskError> {
        if let Some(handle) = self
            .tasks
            .read()
            .map_err(|_| DbError::Poisoned)?
            .get(id)
            .cloned()
        {
            return Ok(handle);
        }
        let removed = self
            .removed
            .lock()
            .map(|removed| removed.contains(id))
            .unwrap_or(false);
        Err(if removed {
            TaskError::Removed(id.to_owned())
        } else {
            TaskError::NotFound(id.chars().take(64).collect())
        })
    }

    /// Up to `limit` tasks, newest first, after the task `before` when given.
    pub fn list(&self, limit: usize, before: Option<&str>) -> Result<TaskPage, TaskError> {
        let handles: Vec<Arc<TaskHandle>> = self
            .tasks
            .read()
            .map_err(|_| DbError::Poisoned)?
            .values()
            .cloned()
            .collect();
        let all = handles
            .iter()
            .map(|handle| handle.snapshot())
            .collect::<Result<Vec<_>, _>>()?;
        match page_of(all, limit, before) {
            Some(page) => Ok(page),
            None => Err(self
                .get(before.unwrap_or_default())
                .err()
                .unwrap_or_else(|| TaskError::NotFound(before.unwrap_or_default().to_owned()))),
        }
    }

    /// Cancels the task: no further step runs. Answers once the `cancelled`
    /// event is stored.
    pub async fn cancel(&self, id: &str) -> Result<TaskSnapshot, TaskError> {
        let handle = self.get(id)?;
        match handle.cancel(&self.db.writer)? {
            Cancel::Submitted(seq) => {
                handle.wait_stored(seq).await;
                let snapshot = handle.snapshot()?;
                match snapshot.state {
                    TaskState::Cancelled => Ok(snapshot),
                    _ => Err(TaskError::NotStored(WriteFailure(
                        snapshot.message.unwrap_or_default(),
                    ))),
                }
            }
            Cancel::AlreadyEnded(state) => Err(TaskError::AlreadyFinished {
                id: id.to_owned(),
                state,
            }),
        }
    }

    /// Loads every stored task and queues the ones that had not ended, from
    /// the step after their last stored one. Returns how many were queued.
    pub fn recover(&self) -> Result<usize, TaskError> {
        let rows = self.db.readers.read_now(queries::all_tasks)?;
        let mut resumed = 0;
        for row in rows {
            let unfinished = !row.state.is_terminal();
            let step = row.step;
            let handle = TaskHandle::new(row);
            self.insert(Arc::clone(&handle))?;
            if unfinished {
                tracing::info!(task = %handle.id(), step, "resuming task after restart");
                self.queue.push(Job {
                    handle,
                    done_steps: step,
                    slot: self.queue.force_reserve(),
                    on_done: None,
                });
                resumed += 1;
            }
        }
        Ok(resumed)
    }

    /// Stops every job between two steps and takes no more (shutdown).
    pub fn shutdown(&self) {
        self.queue.close();
        if let Ok(tasks) = self.tasks.read() {
            for handle in tasks.values() {
                handle.interrupt();
            }
        }
    }

    /// Removes the ended tasks that `retention` no longer keeps (their rows
    /// and events first, then from memory). Returns how many went.
    pub async fn apply_retention(&self, retention: &Retention) -> Result<usize, TaskError> {
        let rows: Vec<TaskRow> = {
            let tasks = self.tasks.read().map_err(|_| DbError::Poisoned)?;
            tasks
                .values()
                .map(|handle| handle.row())
                .collect::<Result<_, _>>()?
        };
        let ids = expired(&rows, retention, &now_rfc3339());
        if ids.is_empty() {
            return Ok(0);
        }
        self.db
            .writer
            .write(Write::DeleteTasks(ids.clone()))
            .await?;
        let mut tasks = self.tasks.write().map_err(|_| DbError::Poisoned)?;
        let mut removed = self.removed.lock().map_err(|_| DbError::Poisoned)?;
        for id in &ids {
            tasks.remove(id);
            removed.insert(id.clone());
        }
        Ok(ids.len())
    }
}
