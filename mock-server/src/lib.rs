//! The companion mock event server: long-running tasks over Server-Sent
//! Events, every seed's wire format, lossless resume.
//!
//! [`app`] builds the router from an [`AppState`]; [`run`] serves it on a
//! listener until a shutdown future resolves, so tests inject both.
//!
//! # Layout
//! - [`config`]: command-line flags ([`Cli`]) and [`ServerConfig`].
//! - [`http`]: plumbing every route shares: the token and cross-origin
//!   guard, JSON errors and bodies, resume points, SSE responses, the accept
//!   loop (connection cap, timeouts, shutdown deadline), stalled clients,
//!   request and stream counts.
//! - [`db`]: the SQLite store: one writer thread, read connections.
//! - [`tasks`]: the domain: the task registry, the per-task handle and tail,
//!   the one stream cursor, the job queue and threads, the feed, retention.
//! - [`seeds`]: the seeds' and the demo's state and helpers (tick streams,
//!   short-lived tokens).
//! - [`routes`]: handlers only, one file per route family: the task API and
//!   the feed, the four seeds (`corebos`, `openacs`, `tizen`, `delta`), the
//!   fetch-transport demos (`demo`) and the fault endpoints.
//! - [`state`]: what every route shares.

pub mod config;
pub mod db;
pub mod http;
pub mod routes;
pub mod seeds;
pub mod state;
pub mod tasks;

use std::future::Future;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderName, Method, Uri};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::Router;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

pub use config::{Cli, ServerConfig};
pub use state::AppState;

use http::error::ApiError;
use http::{access, serve};
use routes::{api, corebos, corpus, delta, demo, faults, feed_stream, hostile, openacs, tizen};

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

/// The router: the task API (behind the token when one is set), the seed
/// endpoints, the fault endpoints with `--faults`, and the static site when
/// `--static-dir` is set; every state-changing request from another origin's
/// page is refused unless `--allow-origin` names it.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let api = Router::new()
        .route("/api/tasks", post(api::create_task).get(api::list_tasks))
        .route("/api/tasks/events", get(feed_stream::feed_route))
        .route("/api/tasks/{id}", get(api::get_task))
        .route("/api/tasks/{id}/events", get(api::task_events_route))
        .route("/api/tasks/{id}/cancel", post(api::cancel_task))
        .route("/api/run", get(api::run_task))
        .route("/api/{*rest}", get(not_found).post(not_found))
        .route_layer(from_fn_with_state(
            Arc::clone(&state.config),
            access::require_token,
        ));
    let mut router = Router::new()
        .merge(api)
        .route("/seeds/corebos/source", get(corebos::source))
        .route("/seeds/openacs", get(openacs::stream_job))
        .route("/seeds/openacs/jobs", post(openacs::start_job))
        .route("/seeds/tizen", get(tizen::push))
        .route("/seeds/delta", get(delta::feed))
        .route("/seeds/delta/messages", post(delta::post_message))
        .route("/demo/token", post(demo::issue_token))
        .route("/demo/secure", get(demo::secure_ticks))
        .route("/demo/ticks", post(demo::post_ticks));
    if config.faults {
        router = router
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
            .route("/faults/streams", get(faults::streams))
            .route("/faults/empty-end", get(hostile::empty_end))
            .route("/faults/endless-line", get(hostile::endless_line))
            .route("/faults/silent", get(hostile::silent))
            .route("/faults/ids", get(hostile::ids))
            .route("/faults/charset", get(hostile::charset))
            .route("/faults/redirect-loop", get(hostile::redirect_loop))
            .route("/faults/cut-body", get(hostile::cut_body))
            .route("/faults/flood", get(hostile::flood))
            .route("/faults/retry-after-date", get(hostile::retry_after_date))
            .route("/faults/corpus", get(corpus::list))
            .route("/faults/corpus/{case}", get(corpus::serve));
    }
    let router = router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(config.body_timeout))
        .layer(from_fn_with_state(
            Arc::clone(&state.config),
            access::refuse_cross_origin_actions,
        ))
        .with_state(state);
    let router = match &config.static_dir {
        Some(dir) => {
            router.fallback_service(ServeDir::new(dir).fallback(no_such_file.into_service()))
        }
        None => router.fallback(not_found),
    };
    let router = match cors(&config.allow_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(from_fn(reject_odd_targets))
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

/// A path that is neither a route nor a file of the site: a 404 that names
/// it (the demo has no client-side routes, so no page stands in for it: a
/// mistyped stream URL must read as "not found", not as a page of HTML).
async fn no_such_file(uri: Uri) -> ApiError {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::NotFound(format!("no such route or file: {path}"))
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
            .expose_headers([api::TASK_ID_HEADER, header::RETRY_AFTER, header::LINK]),
    )
}

/// Checks what can make the server fail to start (today: the database file
/// opens), so that `main` can say so in one line before it listens.
pub fn check_config(config: &ServerConfig) -> Result<(), ServerError> {
    db::Db::open(config.db_path.as_deref(), None)?;
    Ok(())
}

/// Serves on `listener` until `shutdown` resolves: then jobs stop between
/// two steps (a file database keeps them resumable), open streams end,
/// connections get the grace period to close, and what the jobs queued is
/// written before the function returns.
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
    let tasks = state.tasks.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down");
        tasks.shutdown();
        trigger.cancel();
    });
    tokio::spawn(sweep_retention(state.clone()));
    let config = state.config.clone();
    let limits = serve::Limits {
        max_connections: config.max_connections as usize,
        header_timeout: config.header_timeout,
        stall_timeout: config.stall_timeout,
        shutdown_grace: config.shutdown_grace,
    };
    serve::serve(listener, app(state.clone()), limits, token).await;
    let flush = state.db.writer.write(db::Write::Barrier);
    if tokio::time::timeout(
        config.shutdown_grace.max(std::time::Duration::from_secs(1)),
        flush,
    )
    .await
    .is_err()
    {
        tracing::warn!("the database writer did not finish in time");
    }
    Ok(())
}

/// Removes old ended tasks every sweep period until shutdown. Each sweep
/// also writes (an empty transaction), so a database file deleted while the
/// server is idle is noticed and reported.
async fn sweep_retention(state: AppState) {
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
