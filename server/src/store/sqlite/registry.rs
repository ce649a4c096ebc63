//! All tasks of the server: creation with a bounded queue, lookup, a paged
//! list, cancel, their streams and the feed's, recovery of unfinished tasks
//! after a restart, and removal of old ended tasks (retention).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::body::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use sse_task_protocol::{TaskSnapshot, TaskState};

use super::sources::{FeedEvents, TaskEvents};
use super::{queries, Db};
use crate::jobs::queue::{Job, JobQueue};
use crate::jobs::JobKinds;
use crate::store::answers::{new_row, page_of, NewTask, Scope, TaskError, TaskPage};
use crate::store::{StreamStart, TaskStore};
use crate::tasks::cursor::stream_of;
use crate::tasks::handle::Cancel;
use crate::tasks::removed::RemovedIds;
use crate::tasks::retention::expired;
use crate::tasks::{
    now_rfc3339, Feed, JobsFirst, Retention, StoreError, StreamOptions, TaskHandle, TaskRow, Write,
    WriteFailure, Writer,
};

/// The server's tasks, keyed by id.
pub struct TaskRegistry {
    db: Db,
    tasks: RwLock<HashMap<String, Arc<TaskHandle>>>,
    queue: JobQueue,
    removed: Mutex<RemovedIds>,
    jobs_first: Arc<JobsFirst>,
    kinds: Arc<JobKinds>,
    feed: Arc<Feed>,
    /// Most active tasks one owner may have (0: no limit).
    max_active_per_user: u32,
    /// Tasks being created, by owner (counted with the active ones).
    creating: Mutex<HashMap<String, u32>>,
}

/// One task being created for `owner`, counted until it is dropped.
struct Creating<'a> {
    registry: &'a TaskRegistry,
    owner: String,
}

impl Drop for Creating<'_> {
    fn drop(&mut self) {
        if let Ok(mut creating) = self.registry.creating.lock() {
            if let Some(count) = creating.get_mut(&self.owner) {
                *count -= 1;
                if *count == 0 {
                    creating.remove(&self.owner);
                }
            }
        }
    }
}

impl TaskRegistry {
    /// An empty registry running the jobs of `kinds` on `workers` job
    /// threads, with room for `queue_capacity` waiting tasks and at most
    /// `max_active_per_user` active ones per owner (0: no limit); flat-out
    /// jobs tell `jobs_first`; `feed` is what `db`'s writer tells of each
    /// batch.
    pub fn new(
        db: Db,
        (workers, queue_capacity, max_active_per_user): (u32, u32, u32),
        jobs_first: Arc<JobsFirst>,
        kinds: JobKinds,
        feed: Arc<Feed>,
    ) -> Result<Self, StoreError> {
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
            feed,
            max_active_per_user,
            creating: Mutex::new(HashMap::new()),
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

    /// The SSE bytes of the feed within `scope` after `options.after`,
    /// preceded by `prelude` (a first connection's snapshot).
    pub fn feed_events(
        &self,
        options: StreamOptions,
        prelude: Bytes,
        scope: &Scope,
    ) -> impl Stream<Item = Bytes> {
        let source = FeedEvents {
            feed: Arc::clone(&self.feed),
            db: self.db.clone(),
            owner: scope.owner().map(str::to_owned),
        };
        stream_of(
            source,
            self.feed.subscribe(),
            Arc::clone(&self.jobs_first),
            options,
            prelude,
        )
    }

    /// Has the task's job check its parameters, stores the task, then
    /// queues the job.
    pub async fn create(&self, task: NewTask) -> Result<Arc<TaskHandle>, TaskError> {
        let _counted = self.count_in(&task.owner)?;
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

    /// Counts a task being created for `owner`, unless they already have
    /// the most active tasks one user may have.
    fn count_in(&self, owner: &str) -> Result<Option<Creating<'_>>, TaskError> {
        if owner.is_empty() || self.max_active_per_user == 0 {
            return Ok(None);
        }
        let mut creating = self.creating.lock().map_err(|_| StoreError::Poisoned)?;
        let active = self
            .tasks
            .read()
            .map_err(|_| StoreError::Poisoned)?
            .values()
            .filter(|handle| handle.owner() == owner && handle.is_active())
            .count();
        let pending = creating.get(owner).copied().unwrap_or(0);
        if active + pending as usize >= self.max_active_per_user as usize {
            return Err(TaskError::UserLimit(self.max_active_per_user));
        }
        *creating.entry(owner.to_owned()).or_default() += 1;
        Ok(Some(Creating {
            registry: self,
            owner: owner.to_owned(),
        }))
    }

    fn insert(&self, handle: Arc<TaskHandle>) -> Result<(), TaskError> {
        self.tasks
            .write()
            .map_err(|_| StoreError::Poisoned)?
            .insert(handle.id().to_owned(), handle);
        Ok(())
    }

    /// The task with this id.
    pub fn get(&self, id: &str) -> Result<Arc<TaskHandle>, TaskError> {
        if let Some(handle) = self
            .tasks
            .read()
            .map_err(|_| StoreError::Poisoned)?
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

    /// The task with this id, when it is within `scope`.
    pub fn get_in(&self, id: &str, scope: &Scope) -> Result<Arc<TaskHandle>, TaskError> {
        let handle = self.get(id)?;
        let owner = handle.owner().to_owned();
        scope.check(id, &owner, handle)
    }

    /// Up to `limit` tasks within `scope`, newest first, after the task
    /// `before` when given.
    pub fn list(
        &self,
        limit: usize,
        before: Option<&str>,
        scope: &Scope,
    ) -> Result<TaskPage, TaskError> {
        let handles: Vec<Arc<TaskHandle>> = self
            .tasks
            .read()
            .map_err(|_| StoreError::Poisoned)?
            .values()
            .filter(|handle| scope.reaches(handle.owner()))
            .cloned()
            .collect();
        let all = handles
            .iter()
            .map(|handle| handle.snapshot())
            .collect::<Result<Vec<_>, _>>()?;
        match page_of(all, limit, before) {
            Some(page) => Ok(page),
            None => Err(self
                .get_in(before.unwrap_or_default(), scope)
                .err()
                .unwrap_or_else(|| TaskError::NotFound(before.unwrap_or_default().to_owned()))),
        }
    }

    /// Cancels the task: no further step runs. Answers once the `cancelled`
    /// event is stored.
    pub async fn cancel(&self, id: &str, scope: &Scope) -> Result<TaskSnapshot, TaskError> {
        let handle = self.get_in(id, scope)?;
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
            let tasks = self.tasks.read().map_err(|_| StoreError::Poisoned)?;
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
        let mut tasks = self.tasks.write().map_err(|_| StoreError::Poisoned)?;
        let mut removed = self.removed.lock().map_err(|_| StoreError::Poisoned)?;
        for id in &ids {
            tasks.remove(id);
            removed.insert(id.clone());
        }
        Ok(ids.len())
    }
}

impl TaskStore for TaskRegistry {
    fn create(&self, task: NewTask) -> BoxFuture<'_, Result<String, TaskError>> {
        Box::pin(async move { Ok(TaskRegistry::create(self, task).await?.id().to_owned()) })
    }

    fn snapshot<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskSnapshot, TaskError>> {
        Box::pin(async move { Ok(self.get_in(id, scope)?.snapshot()?) })
    }

    fn stream_start<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<StreamStart, TaskError>> {
        Box::pin(async move {
            let handle = self.get_in(id, scope)?;
            Ok(StreamStart {
                row: handle.row()?,
                unstored_end: handle.unstored_end().is_some(),
            })
        })
    }

    fn list<'a>(
        &'a self,
        limit: usize,
        before: Option<&'a str>,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskPage, TaskError>> {
        Box::pin(async move { TaskRegistry::list(self, limit, before, scope) })
    }

    fn cancel<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskSnapshot, TaskError>> {
        Box::pin(TaskRegistry::cancel(self, id, scope))
    }

    fn events(
        &self,
        row: &TaskRow,
        options: StreamOptions,
    ) -> Result<BoxStream<'static, Bytes>, TaskError> {
        Ok(TaskRegistry::events(self, self.get(&row.id)?, options).boxed())
    }

    fn feed_events(
        &self,
        options: StreamOptions,
        prelude: Bytes,
        scope: &Scope,
    ) -> BoxStream<'static, Bytes> {
        TaskRegistry::feed_events(self, options, prelude, scope).boxed()
    }

    fn apply_retention<'a>(
        &'a self,
        retention: &'a Retention,
    ) -> BoxFuture<'a, Result<usize, TaskError>> {
        Box::pin(TaskRegistry::apply_retention(self, retention))
    }

    fn writer(&self) -> &Writer {
        &self.db.writer
    }

    fn shutdown(&self) {
        TaskRegistry::shutdown(self);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::jobs::{Steps, STEPS_KIND};

    fn registry(workers: u32, queue: u32) -> TaskRegistry {
        let feed = Feed::new();
        let db = Db::open(None, Some(feed.sink())).unwrap();
        let mut kinds = JobKinds::default();
        kinds.insert(STEPS_KIND, Steps);
        let jobs_first = JobsFirst::new(Duration::ZERO);
        TaskRegistry::new(db, (workers, queue, 2), jobs_first, kinds, feed).unwrap()
    }

    fn steps(steps: u32, interval_ms: u64) -> NewTask {
        NewTask {
            owner: String::new(),
            kind: STEPS_KIND.into(),
            label: None,
            params: json!({ "steps": steps, "interval_ms": interval_ms }),
        }
    }

    async fn until(handle: &TaskHandle, state: TaskState) {
        for _ in 0..500 {
            if handle.row().unwrap().state == state {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("task never {}", state.as_str());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_while_the_running_task_does_not_count() {
        let tasks = registry(1, 1);
        let running = tasks.create(steps(100, 1000)).await.unwrap();
        until(&running, TaskState::Running).await;
        let waiting = tasks.create(steps(100, 1000)).await.unwrap();
        assert!(matches!(
            tasks.create(steps(1, 0)).await,
            Err(TaskError::QueueFull(1))
        ));
        for handle in [&running, &waiting] {
            tasks.cancel(handle.id(), &Scope::Every).await.unwrap();
        }
        assert!(matches!(
            tasks.cancel(running.id(), &Scope::Every).await,
            Err(TaskError::AlreadyFinished { .. })
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn retention_removes_ended_tasks_and_a_removed_one_says_so() {
        let tasks = registry(2, 8);
        let ended = tasks.create(steps(1, 0)).await.unwrap();
        until(&ended, TaskState::Completed).await;
        let running = tasks.create(steps(100, 1000)).await.unwrap();
        until(&running, TaskState::Running).await;
        let keep_none = Retention {
            max_age: Duration::from_secs(3600),
            max_count: 0,
        };
        assert_eq!(tasks.apply_retention(&keep_none).await.unwrap(), 1);
        assert!(matches!(tasks.get(ended.id()), Err(TaskError::Removed(_))));
        assert!(matches!(tasks.get("nope"), Err(TaskError::NotFound(_))));
        assert!(tasks.get(running.id()).is_ok(), "a running task stays");
        tasks.cancel(running.id(), &Scope::Every).await.unwrap();
    }
}
