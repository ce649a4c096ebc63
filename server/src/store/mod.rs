//! Where the tasks live: SQLite inside this process (the default,
//! [`sqlite`]), or Redis shared by several processes ([`redis`]), side by
//! side on the store-neutral core (`tasks/`) and the job runtime (`jobs/`).
//! The routes see one set of answers ([`answers`]) through one trait,
//! [`TaskStore`], which both implement; the server holds a `dyn TaskStore`.

pub(crate) mod answers;
pub(crate) mod redis;
pub(crate) mod sqlite;

use axum::body::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sse_task_protocol::TaskSnapshot;

use crate::tasks::{Retention, StreamOptions, TaskRow, Writer};
use answers::{NewTask, Scope, TaskError, TaskPage};

/// What the engine and the routes need of a store. Both stores give the
/// same answers for the same calls (the contract tests in `server/tests`
/// run the same cases on each). Every call on a task takes the caller's
/// [`Scope`]: a task outside it answers [`TaskError::NotFound`], exactly
/// as one that does not exist.
pub(crate) trait TaskStore: Send + Sync + 'static {
    /// Checks the task's parameters and its owner's count of active tasks,
    /// stores it, queues its job; its id.
    fn create(&self, task: NewTask) -> BoxFuture<'_, Result<String, TaskError>>;

    /// Task `id` as stored.
    fn snapshot<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskSnapshot, TaskError>>;

    /// What a stream of task `id` starts from.
    fn stream_start<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<StreamStart, TaskError>>;

    /// Up to `limit` tasks within `scope`, newest first, after the task
    /// `before` when given.
    fn list<'a>(
        &'a self,
        limit: usize,
        before: Option<&'a str>,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskPage, TaskError>>;

    /// Cancels task `id`; answers once its `cancelled` event is stored.
    fn cancel<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskSnapshot, TaskError>>;

    /// The SSE bytes of task `row.id` (stored row `row`) with `options`.
    fn events(
        &self,
        row: &TaskRow,
        options: StreamOptions,
    ) -> Result<BoxStream<'static, Bytes>, TaskError>;

    /// The SSE bytes of the feed of every task within `scope` after
    /// `options.after`, preceded by `prelude`.
    fn feed_events(
        &self,
        options: StreamOptions,
        prelude: Bytes,
        scope: &Scope,
    ) -> BoxStream<'static, Bytes>;

    /// Removes the ended tasks `retention` no longer keeps; how many went.
    fn apply_retention<'a>(
        &'a self,
        retention: &'a Retention,
    ) -> BoxFuture<'a, Result<usize, TaskError>>;

    /// The writer the jobs hand their events to.
    fn writer(&self) -> &Writer;

    /// Stops every job between two steps and takes no more (shutdown).
    fn shutdown(&self);
}

/// What a stream of a task needs to know before it starts.
pub(crate) struct StreamStart {
    /// The stored row.
    pub row: TaskRow,
    /// True when the task ended without its end stored (a last frame
    /// without id follows its stored events).
    pub unstored_end: bool,
}
