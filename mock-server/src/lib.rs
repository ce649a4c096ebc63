//! The companion mock event server: the task server (`sse-task-server`)
//! plus every seed's wire format, the demo's endpoints and the fault
//! endpoints the clients' tests drive.
//!
//! [`app`] builds the router from an [`AppState`]; [`run`] serves it on a
//! listener until a shutdown future resolves, so tests inject both.
//!
//! # Layout
//! - [`config`]: command-line flags ([`Cli`]) and [`ServerConfig`], whose
//!   task-server part is [`ServerConfig::task_server`].
//! - [`seeds`]: the seeds' and the demo's state and helpers (tick streams,
//!   short-lived tokens, the delta seed's table).
//! - [`routes`]: handlers only, one file per route family: the four seeds
//!   (`corebos`, `openacs`, `tizen`, `delta`), the fetch-transport demos
//!   (`demo`) and the fault endpoints.
//! - [`stream_knobs`]: the fault knobs of the task API's streams
//!   (`drop_after`, `end_after_ms`, `key`, ...), a layer around the task
//!   server's router; [`counters`]: what the fault endpoints report.
//! - [`users`]: `--user`'s users and their sessions, and who a request is.
//! - [`site`]: `--static-dir`'s files, precompressed and with cache rules.
//! - [`state`]: what every route shares.

pub mod config;
pub mod counters;
pub mod jobs;
pub mod routes;
pub mod seeds;
pub mod site;
pub mod state;
pub mod stream_knobs;
pub mod users;

use std::future::Future;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::Router;
use sse_task_server::http::{refuse_cross_origin_actions, ApiError};
use sse_task_server::{TaskServer, MAX_BODY_BYTES};
use thiserror::Error;
use tokio::net::TcpListener;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

pub use config::{Cli, ServerConfig};
pub use state::AppState;

use stream_knobs::{stream_knobs, KnobState};

use routes::{corebos, corpus, delta, demo, faults, hostile, openacs, session, tizen};
use users::{UserError, Users};

/// Why the server could not start or stopped with an error.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The task server could not start or stopped with an error.
    #[error(transparent)]
    Server(#[from] sse_task_server::ServerError),
    /// A `--user` flag cannot be read.
    #[error(transparent)]
    User(#[from] UserError),
    /// Flags that cannot go together.
    #[error("{0}")]
    Flags(String),
}

/// The router: the task API (behind the token when one is set), the seed
/// endpoints, the fault endpoints with `--faults`, and the static site when
/// `--static-dir` is set; every state-changing request from another origin's
/// page is refused unless `--allow-origin` names it.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let server = state.server.clone();
    let mut router = Router::new()
        .route("/seeds/corebos/source", get(corebos::source))
        .route("/seeds/openacs", get(openacs::stream_job))
        .route("/seeds/openacs/jobs", post(openacs::start_job))
        .route("/seeds/tizen", get(tizen::push))
        .route("/seeds/delta", get(delta::feed))
        .route("/seeds/delta/messages", post(delta::post_message))
        .route("/demo/token", post(demo::issue_token))
        .route("/demo/secure", get(demo::secure_ticks))
        .route("/demo/ticks", post(demo::post_ticks))
        .route(
            "/session",
            get(session::who)
                .post(session::sign_in)
                .delete(session::sign_out),
        );
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
            .route("/faults/no-answer", get(hostile::no_answer))
            .route("/faults/ids", get(hostile::ids))
            .route("/faults/charset", get(hostile::charset))
            .route("/faults/redirect-loop", get(hostile::redirect_loop))
            .route("/faults/session-expired", get(hostile::session_expired))
            .route("/faults/cut-body", get(hostile::cut_body))
            .route("/faults/flood", get(hostile::flood))
            .route("/faults/retry-after-date", get(hostile::retry_after_date))
            .route("/faults/corpus", get(corpus::list))
            .route("/faults/corpus/{case}", get(corpus::serve));
    }
    let router = router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(config.server.body_timeout))
        .layer(from_fn_with_state(
            Arc::new(server.config().access_policy()),
            refuse_cross_origin_actions,
        ))
        .with_state(state.clone())
        .merge(server.router().layer(from_fn_with_state(
            Arc::new(KnobState {
                base_path: server.config().base_path.clone(),
                counters: state.counters,
                streams: state.streams,
            }),
            stream_knobs,
        )));
    let router = match &config.static_dir {
        Some(dir) => router.merge(site::site(dir)),
        None => router.fallback(not_found),
    };
    let router = match server.cors() {
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

/// Checks what can make the server fail to start (today: the database file
/// opens), so that `main` can say so in one line before it listens.
pub async fn check_config(config: &ServerConfig) -> Result<(), ServerError> {
    let users = Users::from_flags(&config.users)?;
    if users.any() && config.server.token.is_some() {
        return Err(ServerError::Flags(
            "--token and --user do not go together: with users, each signs in with their own token"
                .into(),
        ));
    }
    TaskServer::check(&config.server).await?;
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
    let users = Arc::new(Users::from_flags(&config.users)?);
    let mut builder = TaskServer::builder(config.server.clone()).job("countdown", jobs::Countdown);
    if users.any() {
        let identify = Arc::clone(&users);
        builder = builder.identify(move |parts| identify.identify(parts));
    }
    let server = builder.build().await?;
    let state = AppState::new(config, server.clone(), users).await;
    server.serve(listener, app(state), shutdown).await?;
    Ok(())
}
