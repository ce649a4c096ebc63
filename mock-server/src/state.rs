//! The state shared by every route: configuration, database, tasks, the seed
//! endpoints' own state, request counters, and the shutdown token.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::ServerConfig;
use crate::db::{queries, Db, DbError};
use crate::http::counters::{RequestCounters, StreamCounts};
use crate::seeds::delta_feed::DeltaFeed;
use crate::seeds::openacs_jobs::OpenAcsSessions;
use crate::seeds::tokens::TokenStore;
use crate::tasks::{Feed, JobsFirst, TaskRegistry};

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    /// The configuration the server started with.
    pub config: Arc<ServerConfig>,
    /// The SQLite store.
    pub db: Db,
    /// Background tasks.
    pub tasks: Arc<TaskRegistry>,
    /// OpenACS seed sessions.
    pub openacs: Arc<OpenAcsSessions>,
    /// The delta seed's messages.
    pub delta: Arc<DeltaFeed>,
    /// Request counters per `?key=`.
    pub counters: Arc<RequestCounters>,
    /// Streams open now, per kind.
    pub streams: Arc<StreamCounts>,
    /// Every task's events, multiplexed (`GET /api/tasks/events`).
    pub feed: Arc<Feed>,
    /// Bearer tokens of `/demo/secure`.
    pub tokens: Arc<TokenStore>,
    /// Streams hold back while a task at interval 0 runs flat out.
    pub jobs_first: Arc<JobsFirst>,
    /// Fires on shutdown: streams end, jobs stop.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// Opens the database, starts its writer and the job threads (tasks are
    /// not recovered yet: call [`TaskRegistry::recover`]).
    pub fn new(config: ServerConfig, shutdown: CancellationToken) -> Result<Self, DbError> {
        let feed = Feed::new();
        let db = Db::open(config.db_path.as_deref(), Some(feed.sink()))?;
        feed.start_at(db.readers.read_now(queries::newest_feed)?)?;
        let jobs_first = JobsFirst::new(config.jobs_first);
        let tasks = Arc::new(TaskRegistry::new(
            db.clone(),
            config.workers,
            config.queue_capacity,
            Arc::clone(&jobs_first),
        )?);
        Ok(Self {
            config: Arc::new(config),
            db: db.clone(),
            tasks,
            openacs: Arc::new(OpenAcsSessions::default()),
            delta: Arc::new(DeltaFeed::new(db.clone())),
            counters: Arc::new(RequestCounters::default()),
            streams: Arc::new(StreamCounts::default()),
            feed,
            tokens: Arc::new(TokenStore::default()),
            jobs_first,
            shutdown,
        })
    }
}
