//! What every route of the task API shares: configuration, database,
//! tasks, the feed, stream and request counts, and the shutdown token.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::TaskServerConfig;
use crate::db::{queries, Db, DbError};
use crate::http::counters::{RequestCounters, StreamCounts};
use crate::jobs::JobKinds;
use crate::tasks::{Feed, JobsFirst, TaskRegistry};

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct ServerState {
    /// The configuration the server started with.
    pub config: Arc<TaskServerConfig>,
    /// The SQLite store.
    pub db: Db,
    /// Background tasks.
    pub tasks: Arc<TaskRegistry>,
    /// Request counters per `?key=` (a test knob).
    pub counters: Arc<RequestCounters>,
    /// Streams open now, per kind.
    pub streams: Arc<StreamCounts>,
    /// Every task's events, multiplexed (`GET /api/tasks/events`).
    pub feed: Arc<Feed>,
    /// Fires on shutdown: streams end, jobs stop.
    pub shutdown: CancellationToken,
}

impl ServerState {
    /// Opens the database, starts its writer and the job threads running
    /// `kinds` (tasks are not recovered yet: call [`TaskRegistry::recover`]).
    pub fn new(
        config: TaskServerConfig,
        kinds: JobKinds,
        shutdown: CancellationToken,
    ) -> Result<Self, DbError> {
        let feed = Feed::new();
        let db = Db::open(config.db_path.as_deref(), Some(feed.sink()))?;
        feed.start_at(db.readers.read_now(queries::newest_feed)?)?;
        let jobs_first = JobsFirst::new(config.jobs_first);
        let tasks = Arc::new(TaskRegistry::new(
            db.clone(),
            config.workers,
            config.queue_capacity,
            jobs_first,
            kinds,
        )?);
        Ok(Self {
            config: Arc::new(config),
            db,
            tasks,
            counters: Arc::new(RequestCounters::default()),
            streams: Arc::new(StreamCounts::default()),
            feed,
            shutdown,
        })
    }
}
