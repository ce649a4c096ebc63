//! The state shared by every route: configuration, database, tasks, the seed
//! endpoints' own state, and the shutdown token.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::ServerConfig;
use crate::db::{Db, DbError};
use crate::routes::delta::DeltaFeed;
use crate::routes::faults::FaultCounters;
use crate::routes::openacs::OpenAcsSessions;
use crate::tasks::TaskRegistry;
use crate::tokens::TokenStore;

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
    /// Wakes `/seeds/delta` streams when a message is inserted.
    pub delta: Arc<DeltaFeed>,
    /// Request counters of the fault endpoints.
    pub faults: Arc<FaultCounters>,
    /// Bearer tokens of `/demo/secure`.
    pub tokens: Arc<TokenStore>,
    /// Fires on shutdown: streams end, jobs stop.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// Opens the database and builds the state (tasks are not recovered yet:
    /// call [`TaskRegistry::recover`] inside a runtime).
    pub fn new(config: ServerConfig, shutdown: CancellationToken) -> Result<Self, DbError> {
        let db = Db::open(config.db_path.as_deref())?;
        let tasks = Arc::new(TaskRegistry::new(
            db.clone(),
            config.workers,
            config.queue_capacity,
            shutdown.clone(),
        ));
        Ok(Self {
            config: Arc::new(config),
            db,
            tasks,
            openacs: Arc::new(OpenAcsSessions::default()),
            delta: Arc::new(DeltaFeed::default()),
            faults: Arc::new(FaultCounters::default()),
            tokens: Arc::new(TokenStore::default()),
            shutdown,
        })
    }
}
