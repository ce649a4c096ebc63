//! What every route of the mock server shares: the task server (its
//! configuration, store, tasks and counters), the mock's own settings, the
//! seed endpoints' state.

use std::sync::Arc;

use sse_task_server::http::counters::{RequestCounters, StreamCounts};
use sse_task_server::TaskServer;
use tokio_util::sync::CancellationToken;

use crate::config::ServerConfig;
use crate::seeds::delta_feed::DeltaFeed;
use crate::seeds::openacs_jobs::OpenAcsSessions;
use crate::seeds::tokens::TokenStore;

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    /// The configuration the server started with.
    pub config: Arc<ServerConfig>,
    /// The task server: the task API, its store and its jobs.
    pub server: TaskServer,
    /// OpenACS seed sessions.
    pub openacs: Arc<OpenAcsSessions>,
    /// The delta seed's messages.
    pub delta: Arc<DeltaFeed>,
    /// Request counters per `?key=` (the task server's, shared).
    pub counters: Arc<RequestCounters>,
    /// Streams open now, per kind (the task server's, shared).
    pub streams: Arc<StreamCounts>,
    /// Bearer tokens of `/demo/secure`.
    pub tokens: Arc<TokenStore>,
    /// Fires on shutdown: streams end.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// The seeds' state around `server`, whose store keeps the delta
    /// seed's table.
    pub async fn new(config: ServerConfig, server: TaskServer) -> Self {
        let shared = server.state().clone();
        Self {
            config: Arc::new(config),
            openacs: Arc::new(OpenAcsSessions::default()),
            delta: Arc::new(DeltaFeed::new(shared.db.clone()).await),
            counters: shared.counters,
            streams: shared.streams,
            tokens: Arc::new(TokenStore::default()),
            shutdown: shared.shutdown,
            server,
        }
    }
}
