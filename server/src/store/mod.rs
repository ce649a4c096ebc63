//! Where the tasks live: SQLite inside this process (the default,
//! [`sqlite`]), or Redis shared by several processes ([`redis`]), side by
//! side on the store-neutral core (`tasks/`) and the job runtime (`jobs/`).
//! The routes see one set of answers ([`answers`]).

pub(crate) mod answers;
pub(crate) mod redis;
pub(crate) mod sqlite;

use axum::body::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use sse_task_protocol::TaskSnapshot;

use crate::tasks::{Feed, Retention, StreamOptions, TaskRow};
use answers::{NewTask, TaskError, TaskPage};
use redis::RedisTasks;
use sqlite::TaskRegistry;

/// The task store of a server.
pub enum TaskStore {
    /// One process, SQLite (tasks in memory, every event stored first).
    Sqlite(TaskRegistry),
    /// Several processes sharing one Redis.
    Redis(RedisTasks),
}

/// What a stream of a task needs to know before it starts.
pub struct StreamStart {
    /// The stored row.
    pub row: TaskRow,
    /// True when the task ended without its end stored (a last frame
    /// without id follows its stored events).
    pub unstored_end: bool,
}

impl TaskStore {
    /// Checks the task's parameters, stores it, queues its job; its id.
    pub async fn create(&self, task: NewTask) -> Result<String, TaskError> {
        match self {
            Self::Sqlite(tasks) => Ok(tasks.create(task).await?.id().to_owned()),
            Self::Redis(tasks) => tasks.create(task).await,
        }
    }

    /// Task `id` as stored.
    pub async fn snapshot(&self, id: &str) -> Result<TaskSnapshot, TaskError> {
        match self {
            Self::Sqlite(tasks) => Ok(tasks.get(id)?.snapshot()?),
            Self::Redis(tasks) => Ok(crate::tasks::handle::snapshot_of(&tasks.row(id).await?)),
        }
    }

    /// What a stream of task `id` starts from.
    pub async fn stream_start(&self, id: &str) -> Result<StreamStart, TaskError> {
        match self {
            Self::Sqlite(tasks) => {
                let handle = tasks.get(id)?;
                Ok(StreamStart {
                    row: handle.row()?,
                    unstored_end: handle.unstored_end().is_some(),
                })
            }
            Self::Redis(tasks) => Ok(StreamStart {
                row: tasks.row(id).await?,
                unstored_end: false,
            }),
        }
    }

    /// Up to `limit` tasks, newest first, after the task `before` when given.
    pub async fn list(&self, limit: usize, before: Option<&str>) -> Result<TaskPage, TaskError> {
        match self {
            Self::Sqlite(tasks) => tasks.list(limit, before),
            Self::Redis(tasks) => tasks.list(limit, before).await,
        }
    }

    /// Cancels task `id`; answers once its `cancelled` event is stored.
    pub async fn cancel(&self, id: &str) -> Result<TaskSnapshot, TaskError> {
        match self {
            Self::Sqlite(tasks) => tasks.cancel(id).await,
            Self::Redis(tasks) => tasks.cancel(id).await,
        }
    }

    /// The SSE bytes of task `id` (stored row `row`) with `options`.
    pub fn events(
        &self,
        row: &TaskRow,
        options: StreamOptions,
    ) -> Result<BoxStream<'static, Bytes>, TaskError> {
        Ok(match self {
            Self::Sqlite(tasks) => tasks.events(tasks.get(&row.id)?, options).boxed(),
            Self::Redis(tasks) => tasks.events(row, options).boxed(),
        })
    }

    /// The SSE bytes of the feed of every task after `options.after`,
    /// preceded by `prelude`; `open` is kept for the stream's life.
    pub fn feed_events(
        &self,
        feed: &std::sync::Arc<Feed>,
        options: StreamOptions,
        prelude: Bytes,
    ) -> BoxStream<'static, Bytes> {
        match self {
            Self::Sqlite(tasks) => tasks.feed_events(feed, options, prelude).boxed(),
            Self::Redis(tasks) => tasks.feed_events(options, prelude).boxed(),
        }
    }

    /// Removes the ended tasks `retention` no longer keeps; how many went.
    pub async fn apply_retention(&self, retention: &Retention) -> Result<usize, TaskError> {
        match self {
            Self::Sqlite(tasks) => tasks.apply_retention(retention).await,
            Self::Redis(tasks) => tasks.apply_retention(retention).await,
        }
    }

    /// The writer the jobs hand their events to.
    pub fn writer<'a>(&'a self, sqlite: &'a sqlite::Db) -> &'a crate::tasks::Writer {
        match self {
            Self::Sqlite(_) => &sqlite.writer,
            Self::Redis(tasks) => tasks.writer(),
        }
    }

    /// Stops every job between two steps and takes no more (shutdown).
    pub fn shutdown(&self) {
        match self {
            Self::Sqlite(tasks) => tasks.shutdown(),
            Self::Redis(tasks) => tasks.shutdown(),
        }
    }
}
