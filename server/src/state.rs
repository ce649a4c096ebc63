//! What every route of the task API shares: configuration, database,
//! tasks, the feed, and the shutdown token.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::TaskServerConfig;
use crate::jobs::JobKinds;
use crate::metrics::{node_name, Metrics};
use crate::store::answers::TaskError;
use crate::store::redis::RedisTasks;
use crate::store::sqlite::{queries, Db, TaskRegistry};
use crate::store::TaskStore;
use crate::tasks::{Feed, JobsFirst};

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub(crate) struct ServerState {
    /// The configuration the server started with.
    pub config: Arc<TaskServerConfig>,
    /// The SQLite database: the tasks' store, or (in the Redis mode) an
    /// in-memory one for an app's own tables.
    pub db: Db,
    /// The tasks, wherever they are stored.
    pub tasks: Arc<dyn TaskStore>,
    /// Every task's events, multiplexed (`GET /api/tasks/events`).
    pub feed: Arc<Feed>,
    /// Fires on shutdown: streams end, jobs stop.
    pub shutdown: CancellationToken,
    /// This node's metrics, when they are on.
    pub metrics: Option<Arc<Metrics>>,
    /// The kinds of job the server runs, in order (`GET /api/kinds`).
    pub kinds: Arc<Vec<String>>,
}

impl ServerState {
    /// Opens the store (SQLite, or Redis when configured), starts its
    /// writer and the job threads running `kinds`, and queues the tasks a
    /// restart interrupted (SQLite; on Redis the nodes take over each
    /// other's).
    pub async fn new(
        config: TaskServerConfig,
        kinds: JobKinds,
        shutdown: CancellationToken,
    ) -> Result<Self, TaskError> {
        let kind_names = kinds.names().into_iter().map(str::to_owned).collect();
        let feed = Feed::new();
        let jobs_first = JobsFirst::new(config.jobs_first);
        let (db, tasks) = match &config.redis {
            None => {
                let db = Db::open(config.db_path.as_deref(), Some(feed.sink()))?;
                feed.start_at(db.readers.read_now(queries::newest_feed)?)?;
                let limits = (
                    config.workers,
                    config.queue_capacity,
                    config.max_active_per_user,
                );
                let tasks =
                    TaskRegistry::new(db.clone(), limits, jobs_first, kinds, Arc::clone(&feed))?;
                let resumed = tasks.recover()?;
                if resumed > 0 {
                    tracing::info!(resumed, "resumed unfinished tasks");
                }
                let tasks: Arc<dyn TaskStore> = Arc::new(tasks);
                (db, tasks)
            }
            Some(redis) => {
                let tasks = RedisTasks::start(
                    redis,
                    (
                        config.workers,
                        config.queue_capacity,
                        config.max_active_per_user,
                    ),
                    jobs_first,
                    kinds,
                    Arc::clone(&feed),
                )
                .await?;
                let tasks: Arc<dyn TaskStore> = Arc::new(tasks);
                (Db::open(None, None)?, tasks)
            }
        };
        let metrics = config.metrics.then(|| {
            let metrics = Metrics::new(&node_name());
            tasks.writer().observe(metrics.write_observer());
            Arc::new(metrics)
        });
        Ok(Self {
            config: Arc::new(config),
            db,
            tasks,
            feed,
            shutdown,
            metrics,
            kinds: Arc::new(kind_names),
        })
    }
}
