//! `GET {base}/metrics`: this node's metrics as Prometheus text, for an
//! operator (or, on a server that names no users, whoever passed its
//! token); 403 for any other user.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::Caller;
use crate::state::ServerState;
use crate::store::answers::Scope;

/// Tasks counted by state at most.
const MOST_TASKS: usize = 1_000_000;

/// `GET {base}/metrics`.
pub async fn metrics_route(
    State(state): State<ServerState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    if caller.name().is_some() && !caller.is_operator() {
        return Err(ApiError::Forbidden("the metrics are for operators".into()));
    }
    let Some(metrics) = &state.metrics else {
        return Err(ApiError::NotFound("no such route".into()));
    };
    let tasks = state.tasks.list(MOST_TASKS, None, &Scope::Every).await?;
    let text = metrics.render(tasks.tasks.iter().map(|task| task.state));
    let kind = "text/plain; version=0.0.4; charset=utf-8";
    Ok(([(header::CONTENT_TYPE, kind)], text).into_response())
}
