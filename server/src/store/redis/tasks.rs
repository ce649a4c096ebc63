//! The task API on Redis: create, read, list, cancel, stream, retention;
//! the same answers as the SQLite store, for tasks any node created.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use redis::aio::ConnectionManager;
use redis::streams::StreamRangeReply;
use redis::Script;
use sse_task_protocol::TaskSnapshot;
use tokio_util::sync::CancellationToken;

use super::batches::RedisBatches;
use super::claims::{self, Running};
use super::keys::{Keys, GROUP};
use super::live::{LiveReader, LiveView};
use super::rows::{
    changing_fields, event_from_entry, feed_row_from_entry, row_fields, row_from_hash,
};
use super::scripts::{self, ALREADY, FENCED, OUT_OF_ORDER, QUEUE_FULL, USER_LIMIT, WRITTEN};
use super::RedisConfig;
use crate::jobs::queue::JobQueue;
use crate::jobs::JobKinds;
use crate::store::answers::{new_row, page_of, NewTask, Scope, TaskError, TaskPage};
use crate::store::{StreamStart, TaskStore};
use crate::tasks::cursor::{stream_of, Source};
use crate::tasks::events::{cancellation, encode};
use crate::tasks::feed::{self, Feed};
use crate::tasks::handle::snapshot_of;
use crate::tasks::removed::REMEMBERED;
use crate::tasks::retention::expired;
use crate::tasks::rows::{created_feed_data, event_feed_data};
use crate::tasks::streams_read::Read;
use crate::tasks::{now_rfc3339, StoreError, TaskRow, Writer};
use crate::tasks::{JobsFirst, Retention, StreamOptions};

/// Rows of the feed kept in Redis (about; older ones are trimmed by the
/// retention sweep: a dashboard resuming before them skips to the rest).
pub const FEED_KEPT: usize = 100_000;

/// The tasks of every node, as this node sees and runs them.
pub struct RedisTasks {
    keys: Keys,
    manager: ConnectionManager,
    live: Arc<LiveReader>,
    feed: Arc<Feed>,
    jobs_first: Arc<JobsFirst>,
    kinds: Arc<JobKinds>,
    queue_capacity: u32,
    /// Most active tasks one owner may have (0: no limit).
    max_active_per_user: u32,
    create: Script,
    append: Script,
    /// The jobs this node runs now, by task id.
    running: Running,
    /// The job threads, given the jobs this node claimed.
    queue: Arc<JobQueue>,
    /// This node's writes.
    writer: Writer,
    closing: CancellationToken,
}

impl RedisTasks {
    /// Connects to `config`'s Redis and starts this node: its writer, its
    /// `workers` job threads (claiming jobs from every node's queue), its
    /// reader of live tasks into `feed`, its renewal of its claims. At most
    /// `queue_capacity` tasks wait, and at most `max_active_per_user` tasks
    /// of one owner are active (0: no limit), counted across every node.
    /// Call inside a Tokio runtime.
    pub async fn start(
        config: &RedisConfig,
        (workers, queue_capacity, max_active_per_user): (u32, u32, u32),
        jobs_first: Arc<JobsFirst>,
        kinds: JobKinds,
        feed: Arc<Feed>,
    ) -> Result<Self, StoreError> {
        let (client, mut manager) = super::connect(config).await?;
        let keys = Keys::new(&config.prefix);
        let node = format!("node-{}", uuid::Uuid::new_v4().simple());
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(keys.jobs())
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut manager)
            .await;
        if let Err(error) = created {
            if error.code() != Some("BUSYGROUP") {
                return Err(error.into());
            }
        }
        let newest: Option<u64> = redis::cmd("GET")
            .arg(keys.feed_seq())
            .query_async(&mut manager)
            .await?;
        feed.start_at(newest.unwrap_or(0))?;
        let writer = Writer::start_on(
            RedisBatches::new(client.clone(), keys.clone(), node.clone()),
            None,
        )?;
        let kinds = Arc::new(kinds);
        let queue = Arc::new(JobQueue::start(
            workers,
            workers,
            &writer,
            Arc::clone(&jobs_first),
            Arc::clone(&kinds),
        )?);
        let live = LiveReader::new(keys.clone(), Arc::clone(&feed), manager.clone());
        let closing = CancellationToken::new();
        tokio::spawn(Arc::clone(&live).run(client.clone(), closing.clone()));
        let running = Running::default();
        claims::start(claims::Claims {
            client,
            manager: manager.clone(),
            keys: keys.clone(),
            node,
            lease: config.lease,
            workers: workers as usize,
            queue: Arc::clone(&queue),
            running: running.clone(),
            live: Arc::clone(&live),
            closing: closing.clone(),
        });
        Ok(Self {
            keys,
            manager,
            live,
            feed,
            jobs_first,
            kinds,
            queue_capacity,
            max_active_per_user,
            create: scripts::create(),
            append: scripts::append(),
            running,
            queue,
            writer,
            closing,
        })
    }

    /// Has the task's job check its parameters, stores the task and queues
    /// its job for any node's workers; its id.
    pub async fn create(&self, task: NewTask) -> Result<String, TaskError> {
        let row = new_row(&self.kinds, task)?;
        let created_ms = chrono::Utc::now().timestamp_millis();
        let cap = if row.owner.is_empty() {
            0
        } else {
            self.max_active_per_user
        };
        let mut call = self.create.key(self.keys.task(&row.id));
        call.key(self.keys.tasks())
            .key(self.keys.jobs())
            .key(self.keys.feed())
            .key(self.keys.feed_seq())
            .key(self.keys.queued())
            .key(self.keys.active(&row.owner))
            .arg(&row.id)
            .arg(created_ms)
            .arg(self.queue_capacity)
            .arg(created_feed_data(&row))
            .arg(cap)
            .arg(&row.owner)
            .arg(row_fields(&row));
        let waiting: i64 = call
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(StoreError::from)?;
        if waiting == QUEUE_FULL {
            return Err(TaskError::QueueFull(self.queue_capacity as usize));
        }
        if waiting == USER_LIMIT {
            return Err(TaskError::UserLimit(self.max_active_per_user));
        }
        Ok(row.id)
    }

    /// The stored row of task `id`.
    pub async fn row(&self, id: &str) -> Result<TaskRow, TaskError> {
        let hash: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.task(id))
            .query_async(&mut self.manager.clone())
            .await
            .map_err(StoreError::from)?;
        if let Some(row) = row_from_hash(&hash)? {
            return Ok(self.live.shown_row(row));
        }
        let removed: Option<f64> = redis::cmd("ZSCORE")
            .arg(self.keys.removed())
            .arg(id)
            .query_async(&mut self.manager.clone())
            .await
            .map_err(StoreError::from)?;
        Err(if removed.is_some() {
            TaskError::Removed(id.to_owned())
        } else {
            TaskError::NotFound(id.chars().take(64).collect())
        })
    }

    /// Every stored task row.
    async fn all_rows(&self) -> Result<Vec<TaskRow>, TaskError> {
        let mut manager = self.manager.clone();
        let ids: Vec<String> = redis::cmd("ZRANGE")
            .arg(self.keys.tasks())
            .arg(0)
            .arg(-1)
            .query_async(&mut manager)
            .await
            .map_err(StoreError::from)?;
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("HGETALL").arg(self.keys.task(id));
        }
        let hashes: Vec<HashMap<String, String>> = pipe
            .query_async(&mut manager)
            .await
            .map_err(StoreError::from)?;
        let mut rows = Vec::with_capacity(hashes.len());
        for hash in &hashes {
            if let Some(row) = row_from_hash(hash)? {
                rows.push(self.live.shown_row(row));
            }
        }
        Ok(rows)
    }

    /// The row of task `id` when it is within `scope`.
    pub async fn row_in(&self, id: &str, scope: &Scope) -> Result<TaskRow, TaskError> {
        let row = self.row(id).await?;
        let owner = row.owner.clone();
        scope.check(id, &owner, row)
    }

    /// Up to `limit` tasks within `scope`, newest first, after the task
    /// `before` when given.
    pub async fn list(
        &self,
        limit: usize,
        before: Option<&str>,
        scope: &Scope,
    ) -> Result<TaskPage, TaskError> {
        let all = self
            .all_rows()
            .await?
            .iter()
            .filter(|row| scope.reaches(&row.owner))
            .map(snapshot_of)
            .collect();
        match page_of(all, limit, before) {
            Some(page) => Ok(page),
            None => Err(self
                .row_in(before.unwrap_or_default(), scope)
                .await
                .err()
                .unwrap_or_else(|| TaskError::NotFound(before.unwrap_or_default().to_owned()))),
        }
    }

    /// Cancels task `id` wherever its job runs: the `cancelled` event is
    /// stored, then every node is told, and the one running it stops it.
    pub async fn cancel(&self, id: &str, scope: &Scope) -> Result<TaskSnapshot, TaskError> {
        let mut manager = self.manager.clone();
        for _ in 0..20 {
            let row = self.row_in(id, scope).await?;
            if row.state.is_terminal() {
                return Err(TaskError::AlreadyFinished {
                    id: id.to_owned(),
                    state: row.state,
                });
            }
            let (event, mut ended) = cancellation(&row);
            ended.finished_at = Some(now_rfc3339());
            let mut call = self.append.key(self.keys.task(id));
            call.key(self.keys.events(id))
                .key(self.keys.feed())
                .key(self.keys.feed_seq())
                .key(self.keys.active(&row.owner))
                .arg("")
                .arg(id)
                .arg(event.seq)
                .arg(&event.wire_id)
                .arg(&event.kind)
                .arg(&event.data)
                .arg(event_feed_data(id, &event))
                .arg("1")
                .arg(changing_fields(&ended));
            let answer: i64 = call
                .invoke_async(&mut manager)
                .await
                .map_err(StoreError::from)?;
            match answer {
                WRITTEN => {
                    let mut pipe = redis::pipe();
                    pipe.cmd("SREM").arg(self.keys.queued()).arg(id).ignore();
                    pipe.cmd("PUBLISH")
                        .arg(self.keys.control())
                        .arg(id)
                        .ignore();
                    let _: redis::RedisResult<()> = pipe.query_async(&mut manager).await;
                    return Ok(snapshot_of(&ended));
                }
                // Another event came first: plan the cancel again after it.
                ALREADY | OUT_OF_ORDER | FENCED => continue,
                _ => return Err(TaskError::NotFound(id.chars().take(64).collect())),
            }
        }
        Err(TaskError::Db(StoreError::Redis(format!(
            "task {id} kept changing: the cancel was not stored; retry"
        ))))
    }

    /// The SSE bytes of the task whose stored row is `row`, after
    /// `options.after`: stored ones first, then live ones.
    pub fn events(&self, row: &TaskRow, options: StreamOptions) -> impl Stream<Item = Bytes> {
        let view = self.live.view(row);
        let changes = view.subscribe();
        let source = TaskEvents {
            view,
            manager: self.manager.clone(),
            key: self.keys.events(&row.id),
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
    /// preceded by `prelude`. Every stream reads the node's one reader's
    /// feed, whoever watches it.
    pub fn feed_events(
        &self,
        options: StreamOptions,
        prelude: Bytes,
        scope: &Scope,
    ) -> impl Stream<Item = Bytes> {
        let source = FeedEvents {
            feed: Arc::clone(&self.feed),
            manager: self.manager.clone(),
            key: self.keys.feed(),
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

    /// Removes the ended tasks `retention` no longer keeps (any node may
    /// run it: removing twice is harmless). Returns how many went.
    pub async fn apply_retention(&self, retention: &Retention) -> Result<usize, TaskError> {
        let rows = self.all_rows().await?;
        let ids = expired(&rows, retention, &now_rfc3339());
        if ids.is_empty() {
            return Ok(0);
        }
        let now = chrono::Utc::now().timestamp_millis();
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("DEL")
                .arg(self.keys.task(id))
                .arg(self.keys.events(id))
                .ignore();
            pipe.cmd("ZREM").arg(self.keys.tasks()).arg(id).ignore();
            pipe.cmd("ZADD")
                .arg(self.keys.removed())
                .arg(now)
                .arg(id)
                .ignore();
        }
        // The newest removed ids are remembered, the feed keeps its newest rows.
        pipe.cmd("ZREMRANGEBYRANK")
            .arg(self.keys.removed())
            .arg(0)
            .arg(-(REMEMBERED as i64) - 1)
            .ignore();
        pipe.cmd("XTRIM")
            .arg(self.keys.feed())
            .arg("MAXLEN")
            .arg("~")
            .arg(FEED_KEPT)
            .ignore();
        let _: () = pipe
            .query_async(&mut self.manager.clone())
            .await
            .map_err(StoreError::from)?;
        Ok(ids.len())
    }

    /// This node's writer (to wait for what its jobs handed it).
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Stops this node's jobs between two steps and takes no more; other
    /// nodes take them over once their lease runs out.
    pub fn shutdown(&self) {
        self.closing.cancel();
        self.queue.close();
        self.running.interrupt_all();
    }
}

/// One task's events on this node: its view, then `XRANGE` of its stream.
struct TaskEvents {
    view: Arc<LiveView>,
    manager: ConnectionManager,
    key: String,
}

impl Source for TaskEvents {
    fn read_after(&self, after: u64, limit: usize) -> Read {
        self.view.read_after(after, limit)
    }

    async fn read_stored(&self, after: u64, up_to: u64, limit: usize) -> Option<(Bytes, u64)> {
        let page = range(&self.manager, &self.key, after, up_to, limit).await?;
        let events: Vec<_> = page.ids.iter().filter_map(event_from_entry).collect();
        let last = events.last()?.seq;
        let mut bytes = Vec::new();
        for event in &events {
            encode(event, &mut bytes);
        }
        Some((bytes.into(), last))
    }
}

/// The feed on this node, or one owner's part of it: its tail, then
/// `XRANGE` of the feed stream (entries trimmed away are skipped).
struct FeedEvents {
    feed: Arc<Feed>,
    manager: ConnectionManager,
    key: String,
    owner: Option<String>,
}

impl Source for FeedEvents {
    fn read_after(&self, after: u64, limit: usize) -> Read {
        crate::tasks::cursor::feed_tail(&self.feed, after, limit, self.owner.as_deref())
    }

    async fn read_stored(&self, after: u64, up_to: u64, limit: usize) -> Option<(Bytes, u64)> {
        let page = range(&self.manager, &self.key, after, up_to, limit).await?;
        let rows: Vec<_> = page.ids.iter().filter_map(feed_row_from_entry).collect();
        let mut bytes = Vec::new();
        for row in &rows {
            if self.owner.as_deref().is_none_or(|owner| owner == row.owner) {
                feed::encode(row, &mut bytes);
            }
        }
        Some((bytes.into(), rows.last().map_or(up_to, |row| row.gseq)))
    }
}

/// Entries `0-(after+1) ..= 0-up_to` of `key`, at most `limit`.
async fn range(
    manager: &ConnectionManager,
    key: &str,
    after: u64,
    up_to: u64,
    limit: usize,
) -> Option<StreamRangeReply> {
    let page: redis::RedisResult<StreamRangeReply> = redis::cmd("XRANGE")
        .arg(key)
        .arg(format!("0-{}", after + 1))
        .arg(format!("0-{up_to}"))
        .arg("COUNT")
        .arg(limit)
        .query_async(&mut manager.clone())
        .await;
    match page {
        Ok(page) => Some(page),
        Err(error) => {
            tracing::error!(%error, key, "cannot read a stream from Redis");
            None
        }
    }
}

impl TaskStore for RedisTasks {
    fn create(&self, task: NewTask) -> BoxFuture<'_, Result<String, TaskError>> {
        Box::pin(RedisTasks::create(self, task))
    }

    fn snapshot<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskSnapshot, TaskError>> {
        Box::pin(async move { Ok(snapshot_of(&self.row_in(id, scope).await?)) })
    }

    fn stream_start<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<StreamStart, TaskError>> {
        Box::pin(async move {
            Ok(StreamStart {
                row: self.row_in(id, scope).await?,
                unstored_end: self.live.has_unstored_end(id),
            })
        })
    }

    fn list<'a>(
        &'a self,
        limit: usize,
        before: Option<&'a str>,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskPage, TaskError>> {
        Box::pin(RedisTasks::list(self, limit, before, scope))
    }

    fn cancel<'a>(
        &'a self,
        id: &'a str,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<TaskSnapshot, TaskError>> {
        Box::pin(RedisTasks::cancel(self, id, scope))
    }

    fn events(
        &self,
        row: &TaskRow,
        options: StreamOptions,
    ) -> Result<BoxStream<'static, Bytes>, TaskError> {
        Ok(RedisTasks::events(self, row, options).boxed())
    }

    fn feed_events(
        &self,
        options: StreamOptions,
        prelude: Bytes,
        scope: &Scope,
    ) -> BoxStream<'static, Bytes> {
        RedisTasks::feed_events(self, options, prelude, scope).boxed()
    }

    fn apply_retention<'a>(
        &'a self,
        retention: &'a Retention,
    ) -> BoxFuture<'a, Result<usize, TaskError>> {
        Box::pin(RedisTasks::apply_retention(self, retention))
    }

    fn writer(&self) -> &Writer {
        RedisTasks::writer(self)
    }

    fn shutdown(&self) {
        RedisTasks::shutdown(self);
    }
}
