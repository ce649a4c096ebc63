//! The server half of live task progress over Server-Sent Events: an axum
//! [`Router`] that runs your long jobs on a pool of threads, stores every
//! event before anyone sees it (SQLite, embedded), and streams each task
//! with lossless resume (`Last-Event-ID`), to the `sse-task-progress`
//! components, the `<task-monitor>` element or any `EventSource`.
//!
//! A job is a [`Job`]: it checks its parameters ([`Job::plan`]) and runs,
//! reporting its steps through a [`JobContext`], which also tells it when
//! the task was cancelled. Register it under a kind, mount the router
//! beside your own routes, serve:
//!
//! ```no_run
//! use sse_task_server::{Job, JobContext, JobError, JobPlan, TaskServer, TaskServerConfig};
//!
//! struct Countdown;
//!
//! impl Job for Countdown {
//!     fn plan(&self, params: &serde_json::Value) -> Result<JobPlan, String> {
//!         match params["from"].as_u64() {
//!             Some(from @ 1..=1000) => Ok(JobPlan { steps: from as u32 }),
//!             _ => Err("from must be a number of 1 to 1000".into()),
//!         }
//!     }
//!
//!     fn run(&self, context: &JobContext) -> Result<(), JobError> {
//!         let steps = context.steps();
//!         for step in context.resume_from() + 1..=steps {
//!             context.sleep(std::time::Duration::from_millis(100))?;
//!             context.step(step, format!("{} left", steps - step))?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let server = TaskServer::builder(TaskServerConfig::default())
//!         .job("countdown", Countdown)
//!         .build()
//!         .await?;
//!     let app = axum::Router::new()
//!         .route("/", axum::routing::get(|| async { "my app" }))
//!         .merge(server.router());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     // POST /api/tasks {"kind": "countdown", "from": 20}, then
//!     // GET /api/tasks/{id}/events streams it.
//!     server.serve(listener, app, std::future::pending()).await?;
//!     Ok(())
//! }
//! ```
//!
//! # What the router serves (under [`TaskServerConfig::base_path`], `/api`)
//! - `POST /api/tasks` `{"kind": K, "label"?: L, ...K's parameters}`: 201
//!   with the task's URLs; 422 with the job's reason when [`Job::plan`]
//!   refuses; 429 when the queue is full. Without `kind`: the built-in
//!   [`Steps`] (`{"steps": N, "interval_ms"?: M, "fail_at"?: K}`).
//! - `GET /api/tasks/{id}/events`: the task's SSE stream, resumable from any
//!   event; `GET /api/tasks/events`: every task's events in one stream.
//! - `GET /api/tasks`, `GET /api/tasks/{id}`, `POST /api/tasks/{id}/cancel`.
//!
//! # Guarantees
//! - Write first, then publish: an event is committed before any stream
//!   sends it, so a reconnect replays exactly what was sent; a write that
//!   fails ends the task `failed` once, with the reason.
//! - With [`TaskServerConfig::db_path`], unfinished tasks resume after a
//!   restart from the step after their last stored one (or start over:
//!   [`OnRestart`]).
//! - Jobs first: while a job writes more than 500 events a second, streams
//!   hold back for at most [`TaskServerConfig::jobs_first`] (every viewer
//!   still sees its progress at least that often) so the job keeps the CPU.
//! - Several nodes: with [`TaskServerConfig::redis`] every process on the
//!   same Redis serves every task; a node that dies has its jobs taken over
//!   from their last stored step, nothing lost or doubled.
//! - Posture: an optional token on every route, cross-origin pages refused
//!   for anything that changes state unless allowed, bodies bounded and
//!   timed, connections capped, graceful shutdown that lets jobs stop
//!   between two steps.
//!
//! # Modules
//! - [`jobs`]: the [`Job`] trait, the [`JobContext`], the built-in kind.
//! - [`http`]: plumbing an app's own SSE routes can share (errors, resume
//!   points, SSE responses, the accept loop).
//! - [`db`]: the SQLite store; an app may keep tables of its own in it.
//! - [`redis_store`]: several nodes on one Redis ([`TaskServerConfig::redis`]).
//! - [`store`]: which of the two a server runs on.
//! - [`tasks`]: the engine: registry, handles, streams, feed, retention.

#![deny(missing_docs)]

/// The README's examples, compiled by `cargo test --doc`.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctest;

pub mod config;
pub mod db;
pub mod http;
pub mod jobs;
pub mod redis_store;
pub mod routes;
pub mod state;
pub mod store;
pub mod tasks;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Method};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;

pub use config::TaskServerConfig;
pub use jobs::{
    parse_params, Job, JobContext, JobError, JobKinds, JobPlan, OnRestart, Steps, Stopped,
    STEPS_KIND,
};
pub use state::ServerState;
pub use tasks::{NewTask, Retention, TaskError};

use http::error::ApiError;
use http::{access, serve};
use routes::{api, feed_stream};

/// Largest JSON body the API reads, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Why the server could not start or stopped with an error.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The configuration cannot work.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// Stored tasks could not be recovered.
    #[error(transparent)]
    Tasks(#[from] tasks::TaskError),
    /// [`TaskServerBuilder::build`] ran outside a Tokio runtime.
    #[error("the task server must be built inside a Tokio runtime")]
    NoRuntime,
    /// The socket failed.
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// The task server: its store, its job threads, its tasks. Cheap to clone.
#[derive(Clone)]
pub struct TaskServer {
    state: ServerState,
}

/// Collects the kinds of job before the server starts.
pub struct TaskServerBuilder {
    config: TaskServerConfig,
    kinds: JobKinds,
}

impl TaskServerBuilder {
    /// Registers `job` as the kind `kind` (`POST {base}/tasks` names it as
    /// `"kind"`). The built-in [`Steps`] is registered as `steps` unless
    /// replaced.
    pub fn job(mut self, kind: impl Into<String>, job: impl Job) -> Self {
        self.kinds.insert(kind, job);
        self
    }

    /// Opens the store, starts the job threads, queues the tasks a restart
    /// interrupted (SQLite; on Redis the nodes take over each other's), and
    /// starts the retention sweep. Call it inside a Tokio runtime.
    pub async fn build(self) -> Result<TaskServer, ServerError> {
        self.config.check().map_err(ServerError::Config)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ServerError::NoRuntime)?;
        let state = ServerState::new(self.config, self.kinds, CancellationToken::new()).await?;
        if let store::TaskStore::Sqlite(tasks) = &*state.tasks {
            let resumed = tasks.recover()?;
            if resumed > 0 {
                tracing::info!(resumed, "resumed unfinished tasks");
            }
        }
        runtime.spawn(sweep_retention(state.clone()));
        Ok(TaskServer { state })
    }
}

impl TaskServer {
    /// A builder with `config` and the built-in `steps` kind.
    pub fn builder(config: TaskServerConfig) -> TaskServerBuilder {
        let mut kinds = JobKinds::default();
        kinds.insert(STEPS_KIND, Steps);
        TaskServerBuilder { config, kinds }
    }

    /// Checks what can make a server with `config` fail to start (the
    /// configuration, the database file, a Redis that does not answer), so
    /// that a program can say so in one line before it listens.
    pub async fn check(config: &TaskServerConfig) -> Result<(), ServerError> {
        config.check().map_err(ServerError::Config)?;
        match &config.redis {
            None => drop(db::Db::open(config.db_path.as_deref(), None)?),
            Some(redis) => drop(redis_store::connect(redis).await?),
        }
        Ok(())
    }

    /// What the routes share: the configuration, the store, the tasks.
    pub fn state(&self) -> &ServerState {
        &self.state
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &TaskServerConfig {
        &self.state.config
    }

    /// The task API under the base path: behind the token when one is set,
    /// state-changing requests from other origins refused unless allowed,
    /// bodies bounded in size and time. Merge it into the app's router;
    /// add [`cors`](Self::cors) around the whole app when pages of other
    /// origins call it.
    pub fn router(&self) -> Router {
        let config = &self.state.config;
        let path = |route: &str| config.path(route);
        let mut api = Router::new()
            .route(&path("/tasks"), post(api::create_task).get(api::list_tasks))
            .route(&path("/tasks/events"), get(feed_stream::feed_route))
            .route(&path("/tasks/{id}"), get(api::get_task))
            .route(&path("/tasks/{id}/events"), get(api::task_events_route))
            .route(&path("/tasks/{id}/cancel"), post(api::cancel_task))
            .route(&path("/run"), get(api::run_task));
        if !config.base_path.is_empty() {
            api = api.route(&path("/{*rest}"), get(not_found).post(not_found));
        }
        api.route_layer(from_fn_with_state(
            Arc::clone(&self.state.config),
            access::require_token,
        ))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(config.body_timeout))
        .layer(from_fn_with_state(
            Arc::clone(&self.state.config),
            access::refuse_cross_origin_actions,
        ))
        .with_state(self.state.clone())
    }

    /// CORS for the origins of [`TaskServerConfig::allow_origins`] (none:
    /// `None`): the methods and headers the monitors send, the headers
    /// they read.
    pub fn cors(&self) -> Option<CorsLayer> {
        let origins = &self.state.config.allow_origins;
        if origins.is_empty() {
            return None;
        }
        let allow = if origins.iter().any(|origin| origin == "*") {
            AllowOrigin::any()
        } else {
            let list = origins
                .iter()
                .filter_map(|origin| origin.parse().ok())
                .collect::<Vec<_>>();
            AllowOrigin::list(list)
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([
                    header::CONTENT_TYPE,
                    header::CACHE_CONTROL,
                    header::AUTHORIZATION,
                    HeaderName::from_static("last-event-id"),
                ])
                .expose_headers([api::TASK_ID_HEADER, header::RETRY_AFTER, header::LINK]),
        )
    }

    /// Fires when the server shuts down: an app's own streams end on it.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.state.shutdown.clone()
    }

    /// Stops every job between two steps (a file database keeps them
    /// resumable), takes no new one, and ends the open streams.
    pub fn shutdown(&self) {
        self.state.tasks.shutdown();
        self.state.shutdown.cancel();
    }

    /// Waits (at most `limit`) until everything the jobs handed to the
    /// database is written.
    pub async fn flush(&self, limit: Duration) {
        let flush = self
            .state
            .tasks
            .writer(&self.state.db)
            .write(db::Write::Barrier);
        if tokio::time::timeout(limit, flush).await.is_err() {
            tracing::warn!("the database writer did not finish in time");
        }
    }

    /// Serves `app` (which holds [`router`](Self::router)) on `listener`
    /// until `shutdown` resolves, with the configured connection cap and
    /// timeouts; then [`shutdown`](Self::shutdown), the grace period for
    /// open connections, and [`flush`](Self::flush) before it returns.
    pub async fn serve<F>(
        &self,
        listener: TcpListener,
        app: Router,
        shutdown: F,
    ) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let me = self.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down");
            me.shutdown();
        });
        let config = &self.state.config;
        let limits = serve::Limits {
            max_connections: config.max_connections as usize,
            header_timeout: config.header_timeout,
            stall_timeout: config.stall_timeout,
            shutdown_grace: config.shutdown_grace,
        };
        serve::serve(listener, app, limits, self.state.shutdown.clone()).await;
        self.flush(config.shutdown_grace.max(Duration::from_secs(1)))
            .await;
        Ok(())
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// Removes old ended tasks every sweep period until shutdown. Each sweep
/// also writes (an empty transaction), so a database file deleted while the
/// server is idle is noticed and reported.
async fn sweep_retention(state: ServerState) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(state.config.retention_sweep) => {}
            () = state.shutdown.cancelled() => return,
        }
        match state.tasks.apply_retention(&state.config.retention).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "retention removed ended tasks"),
            Err(error) => tracing::error!(%error, "retention sweep failed"),
        }
        if let Err(error) = state.db.writer.write(db::Write::Barrier).await {
            tracing::error!(%error, "the database cannot be written");
        }
    }
}
