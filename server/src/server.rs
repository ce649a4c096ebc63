//! The task server: built from a configuration and the kinds of job, it
//! opens the store, starts the job threads and the retention sweep, gives
//! the router of the task API, and serves it with graceful shutdown.

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

use crate::config::TaskServerConfig;
use crate::http::caller::{identify_caller, Identify};
use crate::http::error::ApiError;
use crate::http::{access, serve, Caller, Refusal};
use crate::jobs::{Job, JobKinds, Steps, STEPS_KIND};
use crate::routes::{api, feed_stream, metrics_route};
use crate::state::ServerState;
use crate::store::sqlite::{Database, Db};
use crate::tasks::{StoreError, Write};

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
    Db(#[from] StoreError),
    /// Stored tasks could not be recovered.
    #[error(transparent)]
    Tasks(#[from] crate::store::answers::TaskError),
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
    identify: Option<Identify>,
}

/// Collects the kinds of job and who the requests are before the server
/// starts.
pub struct TaskServerBuilder {
    config: TaskServerConfig,
    kinds: JobKinds,
    identify: Option<Identify>,
}

impl TaskServerBuilder {
    /// Registers `job` as the kind `kind` (`POST {base}/tasks` names it as
    /// `"kind"`). With [`TaskServerConfig::demo_job`] the built-in
    /// [`Steps`] is registered as `steps` unless replaced.
    pub fn job(mut self, kind: impl Into<String>, job: impl Job) -> Self {
        self.kinds.insert(kind, job);
        self
    }

    /// Says who each request of the task API is, so that every task
    /// belongs to the user who created it: `identify` reads the request's
    /// parts (what the app's own middleware put in its extensions, a
    /// header, a cookie) and answers a [`Caller`], or the app's [`Refusal`]
    /// (any response, e.g. `StatusCode::UNAUTHORIZED.into()`). A user then lists, reads, streams and
    /// cancels only their own tasks (any other answers 404, as a task that
    /// does not exist), the feed holds only theirs, and
    /// [`TaskServerConfig::max_active_per_user`] counts; an
    /// [`operator`](Caller::operator) reaches every task. Without it every
    /// request reaches every task.
    pub fn identify(
        mut self,
        identify: impl Fn(&axum::http::request::Parts) -> Result<Caller, Refusal>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.identify = Some(Arc::new(identify));
        self
    }

    /// Opens the store, starts the job threads, queues the tasks a restart
    /// interrupted (SQLite; on Redis the nodes take over each other's), and
    /// starts the retention sweep. Call it inside a Tokio runtime.
    pub async fn build(self) -> Result<TaskServer, ServerError> {
        self.config.check().map_err(ServerError::Config)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ServerError::NoRuntime)?;
        let state = ServerState::new(self.config, self.kinds, CancellationToken::new()).await?;
        runtime.spawn(sweep_retention(state.clone()));
        Ok(TaskServer {
            state,
            identify: self.identify,
        })
    }
}

impl TaskServer {
    /// A builder with `config` (and the built-in `steps` kind when
    /// [`TaskServerConfig::demo_job`] is on).
    pub fn builder(config: TaskServerConfig) -> TaskServerBuilder {
        let mut kinds = JobKinds::default();
        if config.demo_job {
            kinds.insert(STEPS_KIND, Steps);
        }
        TaskServerBuilder {
            config,
            kinds,
            identify: None,
        }
    }

    /// Checks what can make a server with `config` fail to start (the
    /// configuration, the database file, a Redis that does not answer), so
    /// that a program can say so in one line before it listens.
    pub async fn check(config: &TaskServerConfig) -> Result<(), ServerError> {
        config.check().map_err(ServerError::Config)?;
        match &config.redis {
            None => drop(Db::open(config.db_path.as_deref(), None)?),
            Some(redis) => drop(crate::store::redis::connect(redis).await?),
        }
        Ok(())
    }

    /// The SQLite database for an app's own tables: the tasks' store, or
    /// (with Redis) a private in-memory one.
    pub fn database(&self) -> Database {
        Database::new(self.state.db.clone())
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &TaskServerConfig {
        &self.state.config
    }

    /// The task API under the base path: each request identified (when
    /// the builder was told how), behind the token when one is set,
    /// state-changing requests from other origins refused unless allowed,
    /// bodies bounded in size and time. Merge it into the app's router;
    /// add [`cors`](Self::cors) around the whole app when pages of other
    /// origins call it.
    pub fn router(&self) -> Router {
        let config = &self.state.config;
        let path = |route: &str| config.path(route);
        let mut api = Router::new()
            .route(&path("/kinds"), get(api::list_kinds))
            .route(&path("/tasks"), post(api::create_task).get(api::list_tasks))
            .route(&path("/tasks/events"), get(feed_stream::feed_route))
            .route(&path("/tasks/{id}"), get(api::get_task))
            .route(&path("/tasks/{id}/events"), get(api::task_events_route))
            .route(&path("/tasks/{id}/cancel"), post(api::cancel_task));
        if config.demo_job {
            api = api.route(&path("/run"), get(api::run_task));
        }
        if config.metrics {
            api = api.route(&path("/metrics"), get(metrics_route::metrics_route));
        }
        if !config.base_path.is_empty() {
            api = api.route(&path("/{*rest}"), get(not_found).post(not_found));
        }
        if let Some(identify) = &self.identify {
            api = api.route_layer(from_fn_with_state(Arc::clone(identify), identify_caller));
        }
        let policy = Arc::new(config.access_policy());
        api.route_layer(from_fn_with_state(
            Arc::clone(&policy),
            access::require_token,
        ))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(config.body_timeout))
        .layer(from_fn_with_state(
            policy,
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
        let flush = self.state.tasks.writer().write(Write::Barrier);
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
        if let Err(error) = state.db.writer.write(Write::Barrier).await {
            tracing::error!(%error, "the database cannot be written");
        }
    }
}
