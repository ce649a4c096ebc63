//! What every route of the mock server shares: the task server, the mock's
//! own settings, the seed endpoints' state, and the counts the fault
//! endpoints report.

use std::sync::Arc;

use sse_task_server::TaskServer;
use tokio_util::sync::CancellationToken;

use crate::config::ServerConfig;
use crate::counters::{RequestCounters, StreamCounts};
use crate::seeds::delta_feed::DeltaFeed;
use crate::seeds::openacs_jobs::OpenAcsSessions;
use crate::seeds::tokens::TokenStore;
use crate::users::Users;

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
    /// Request counters per `?key=` (the fault endpoints' and the task
    /// streams').
    pub counters: Arc<RequestCounters>,
    /// The task API's streams open now, per kind.
    pub streams: Arc<StreamCounts>,
    /// Bearer tokens of `/demo/secure`.
    pub tokens: Arc<TokenStore>,
    /// The users of `--user` and their sessions.
    pub users: Arc<Users>,
    /// Fires on shutdown: streams end.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// The seeds' state around `server`, whose store keeps the delta
    /// seed's table, with `users`.
    pub async fn new(config: ServerConfig, server: TaskServer, users: Arc<Users>) -> Self {
        Self {
            config: Arc::new(config),
            openacs: Arc::new(OpenAcsSessions::default()),
            delta: Arc::new(DeltaFeed::new(server.database()).await),
            counters: Arc::new(RequestCounters::default()),
            streams: Arc::new(StreamCounts::default()),
            tokens: Arc::new(TokenStore::default()),
            users,
            shutdown: server.shutdown_token(),
            server,
        }
    }
}
