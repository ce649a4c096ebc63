//! The companion mock event server: long-running tasks over Server-Sent
//! Events, every seed's wire format, lossless resume.
//!
//! [`app`] builds the router from an [`AppState`]; [`run`] serves it on a
//! listener until a shutdown future resolves, so tests inject both.
//!
//! # Layout
//! - [`config`]: command-line flags ([`Cli`]) and [`ServerConfig`].
//! - [`db`]: the SQLite store of tasks, events and the delta seed's messages.
//! - [`tasks`]: the task registry, the per-task handle and the job runner.
//! - [`routes`]: one file per route family: the task API and its streams, the
//!   four seeds (`corebos`, `openacs`, `tizen`, `delta`), the fetch-transport
//!   demos (`demo`) and the fault endpoints.
//! - [`ticks`]: tick streams computed from the id (benchmarks, fetch demos).
//! - [`tokens`]: the demo's short-lived bearer tokens.
//! - [`sse`]: SSE responses with the contract's headers, keep-alive and shutdown.
//! - [`resume`]: reading `Last-Event-ID` / `?lastEventId=`.
//! - [`error`]: the JSON error answer; [`json_body`]: JSON bodies that must be objects.
//! - [`state`]: what every route shares.

pub mod config;
pub mod db;
pub mod error;
pub mod json_body;
pub mod resume;
pub mod routes;
pub mod sse;
pub mod state;
pub mod tasks;
pub mod ticks;
pub mod tokens;

use std::future::Future;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Method};
use axum::routing::{get, post};
use axum::Router;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use config::{Cli, ServerConfig};
pub use state::AppState;

use error::ApiError;
use routes::{api, corebos, delta, demo, faults, openacs, tizen};

/// Largest JSON body the API reads, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Why the server could not start or stopped with an error.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// Stored tasks could not be recovered.
    #[error(transparent)]
    Tasks(#[from] tasks::TaskError),
    /// The socket failed.
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// The router: the task API, the seed endpoints, the fault endpoints, and the
/// static site when `--static-dir` is set.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let router = Router::new()
        .route("/api/tasks", post(api::create_task).get(api::list_tasks))
        .route("/api/tasks/{id}", get(api::get_task))
        .route("/api/tasks/{id}/events", get(api::task_events_route))
        .route("/api/tasks/{id}/cancel", post(api::cancel_task))
        .route("/api/run", get(api::run_task))
        .route("/api/{*rest}", get(not_found).post(not_found))
        .route("/seeds/corebos/source", get(corebos::source))
        .route("/seeds/openacs", get(openacs::stream_job))
        .route("/seeds/openacs/jobs", post(openacs::start_job))
        .route("/seeds/tizen", get(tizen::push))
        .route("/seeds/delta", get(delta::feed))
        .route("/seeds/delta/messages", post(delta::post_message))
        .route("/demo/token", post(demo::issue_token))
        .route("/demo/secure", get(demo::secure_ticks))
        .route("/demo/ticks", post(demo::post_ticks))
        .route("/faults/status/{code}", get(faults::status))
        .route(
            "/faults/wrong-content-type",
            get(faults::wrong_content_type),
        )
        .route("/faults/malformed", get(faults::malformed))
        .route("/faults/big", get(faults::big))
        .route("/faults/invalid-utf8", get(faults::invalid_utf8))
        .route("/faults/ticks", get(faults::ticks))
        .route("/faults/flaky", get(faults::flaky))
        .route("/faults/hits/{key}", get(faults::hits))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    let router = match &config.static_dir {
        Some(dir) => router
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => router.fallback(not_found),
    };
    let router = match cors(&config.allow_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn(reject_odd_targets))
        .layer(TraceLayer::new_for_http())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// A request target that is not a path (`GET a.txt HTTP/1.1`, authority
/// form) gets a JSON 400 instead of reaching the routes and the static files.
async fn reject_odd_targets(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !request.uri().path().starts_with('/') {
        return ApiError::BadRequest("the request target must be a path that starts with /".into())
            .into_response();
    }
    next.run(request).await
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
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
            .expose_headers([api::TASK_ID_HEADER, header::RETRY_AFTER]),
    )
}

/// Checks what can make the server fail to start (today: the database file
/// opens), so that `main` can say so in one line before it listens.
pub fn check_config(config: &ServerConfig) -> Result<(), ServerError> {
    db::Db::open(config.db_path.as_deref())?;
    Ok(())
}

/// Serves on `listener` until `shutdown` resolves: then open streams end,
/// jobs stop between two steps (a file database keeps them resumable), and
/// the function returns once every connection closed.
pub async fn run<F>(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: F,
) -> Result<(), ServerError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let token = CancellationToken::new();
    let state = AppState::new(config, token.clone())?;
    let resumed = state.tasks.recover()?;
    if resumed > 0 {
        tracing::info!(resumed, "resumed unfinished tasks");
    }
    let trigger = token.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down");
        trigger.cancel();
    });
    axum::serve(listener, app(state))
        .with_graceful_shutdown(token.cancelled_owned())
        .await?;
    Ok(())
}
