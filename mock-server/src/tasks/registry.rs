//! All tasks of the server: creation with a bounded queue, lookup, cancel, and
//! recovery of unfinished tasks from a file database after a restart.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use sse_task_protocol::{CreateTaskRequest, TaskSnapshot, TaskState, ValidationError};
use thiserror::Error;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::handle::TaskHandle;
use super::{now_rfc3339, runner};
use crate::db::{Db, DbError, TaskRow};

/// Why a task operation was refused.
#[derive(Debug, Error)]
pub enum TaskError {
    /// The request's values are out of range.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// No task has this id.
    #[error("no task with id {0}")]
    NotFound(String),
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
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The server's tasks, keyed by id.
pub struct TaskRegistry {
    db: Db,
    tasks: RwLock<HashMap<String, Arc<TaskHandle>>>,
    queued: AtomicUsize,
    queue_capacity: usize,
    workers: Arc<Semaphore>,
    shutdown: CancellationToken,
}

impl TaskRegistry {
    /// An empty registry whose jobs share `workers` permits.
    pub fn new(db: Db, workers: u32, queue_capacity: u32, shutdown: CancellationToken) -> Self {
        Self {
            db,
            tasks: RwLock::new(HashMap::new()),
            queued: AtomicUsize::new(0),
            queue_capacity: queue_capacity as usize,
            workers: Arc::new(Semaphore::new(workers as usize)),
            shutdown,
        }
    }

    /// The database the tasks live in.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Fires when the server shuts down.
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Worker permits; a job holds one while it runs.
    pub(crate) fn workers(&self) -> Arc<Semaphore> {
        Arc::clone(&self.workers)
    }

    /// Called by a job when it leaves the queue.
    pub(crate) fn leave_queue(&self) {
        self.queued.fetch_sub(1, Ordering::SeqCst);
    }

    /// Validates `request`, stores the task and queues its job.
    pub fn create(
        self: &Arc<Self>,
        request: CreateTaskRequest,
    ) -> Result<Arc<TaskHandle>, TaskError> {
        request.validate()?;
        let waiting = self.queued.fetch_add(1, Ordering::SeqCst);
        if waiting >= self.queue_capacity {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(TaskError::QueueFull(waiting));
        }
        let row = TaskRow {
            id: uuid::Uuid::new_v4().to_string(),
            label: request.label.map(|label| label.trim().to_owned()),
            steps: request.steps,
            interval_ms: request.interval_ms,
            fail_at: request.fail_at,
            state: TaskState::Queued,
            step: 0,
            last_seq: 0,
            message: None,
            created_at: now_rfc3339(),
            started_at: None,
            finished_at: None,
        };
        if let Err(error) = self.db.insert_task(&row) {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(error.into());
        }
        let handle = Arc::new(TaskHandle::new(row.clone()));
        self.insert(row.id.clone(), Arc::clone(&handle))?;
        tokio::spawn(runner::run(Arc::clone(self), Arc::clone(&handle), 0));
        Ok(handle)
    }

    fn insert(&self, id: String, handle: Arc<TaskHandle>) -> Result<(), TaskError> {
        self.tasks
            .write()
            .map_err(|_| DbError::Poisoned)?
            .insert(id, handle);
        Ok(())
    }

    /// The task with this id.
    pub fn get(&self, id: &str) -> Result<Arc<TaskHandle>, TaskError> {
        self.tasks
            .read()
            .map_err(|_| DbError::Poisoned)?
            .get(id)
            .cloned()
            .ok_or_else(|| TaskError::NotFound(id.to_owned()))
    }

    /// Every task, newest first.
    pub fn list(&self) -> Result<Vec<TaskSnapshot>, TaskError> {
        let handles: Vec<Arc<TaskHandle>> = self
            .tasks
            .read()
            .map_err(|_| DbError::Poisoned)?
            .values()
            .cloned()
            .collect();
        let mut snapshots = handles
            .iter()
            .map(|handle| handle.snapshot())
            .collect::<Result<Vec<_>, _>>()?;
        snapshots.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(snapshots)
    }

    /// Cancels the task on the server: no further step runs.
    pub fn cancel(&self, id: &str) -> Result<TaskSnapshot, TaskError> {
        let handle = self.get(id)?;
        match handle.cancel(&self.db)? {
            Ok(snapshot) => Ok(snapshot),
            Err(state) => Err(TaskError::AlreadyFinished {
                id: id.to_owned(),
                state,
            }),
        }
    }

    /// Loads every stored task and resumes the ones that had not ended, from
    /// the step after their last stored one. Returns how many were resumed.
    pub fn recover(self: &Arc<Self>) -> Result<usize, TaskError> {
        let mut resumed = 0;
        for mut row in self.db.all_tasks()? {
            let unfinished = !row.state.is_terminal();
            if unfinished {
                row.state = TaskState::Queued;
                self.db.update_task(&row)?;
            }
            let handle = Arc::new(TaskHandle::new(row.clone()));
            self.insert(row.id.clone(), Arc::clone(&handle))?;
            if unfinished {
                self.queued.fetch_add(1, Ordering::SeqCst);
                tracing::info!(task = %row.id, step = row.step, "resuming task after restart");
                tokio::spawn(runner::run(Arc::clone(self), handle, row.step));
                resumed += 1;
            }
        }
        Ok(resumed)
    }
}
