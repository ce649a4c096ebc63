//! The task API (paths under the configured base, `/api` by default):
//! create, list, inspect, cancel, and stream tasks.
//!
//! - `POST /api/tasks` `{kind?, label?, ...the kind's parameters}` -> 201
//!   [`CreateTaskResponse`]; no `kind` is the built-in `steps`
//!   (`{steps, interval_ms?, fail_at?}`)
//! - `GET /api/kinds` -> `{"kinds": [...]}`, the kinds a task may name
//! - `GET /api/tasks?limit=&before=` -> a page of [`TaskSnapshot`]s, `GET /api/tasks/{id}` -> one
//! - `GET /api/tasks/{id}/events` -> the SSE stream (resumable)
//! - `POST /api/tasks/{id}/cancel` -> the cancelled task, 409 once it ended
//! - `GET /api/run?steps=&interval_ms=` -> creates a `steps` task and streams it at once

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sse_task_protocol::{
    encode_frame, CreateTaskResponse, HistoryLost, KindsResponse, TaskSnapshot, EVENT_HISTORY_LOST,
};

use crate::http::access::Access;
use crate::http::Caller;

use super::{query, scope_of, shows_labels};
use crate::config::TaskServerConfig;
use crate::http::error::ApiError;
use crate::http::json_body::JsonObject;
use crate::http::resume::{resume_from, ResumeFrom};
use crate::http::sse::sse_bytes_response;
use crate::jobs::STEPS_KIND;
use crate::metrics::{Metrics, StreamKind};
use crate::state::ServerState;
use crate::store::answers::{NewTask, TaskError};
use crate::tasks::StreamOptions;

/// Header naming the task that `GET /api/run` created.
pub const TASK_ID_HEADER: HeaderName = HeaderName::from_static("x-task-id");

impl From<TaskError> for ApiError {
    fn from(error: TaskError) -> Self {
        match error {
            TaskError::Invalid(invalid) => invalid.into(),
            TaskError::UnknownKind { .. } | TaskError::Rejected(_) => {
                Self::Unprocessable(error.to_string())
            }
            TaskError::NotFound(_) => Self::NotFound(error.to_string()),
            TaskError::Removed(_) => Self::Gone(error.to_string()),
            TaskError::NotStored(_) => Self::Unavailable(error.to_string()),
            TaskError::AlreadyFinished { .. } => Self::Conflict(error.to_string()),
            TaskError::QueueFull(_) => Self::TooManyRequests {
                message: error.to_string(),
                retry_after_secs: 1,
            },
            TaskError::UserLimit(_) => Self::TooManyRequests {
                message: error.to_string(),
                retry_after_secs: 5,
            },
            TaskError::Db(db) => Self::Internal(db.to_string()),
        }
    }
}

fn urls(config: &TaskServerConfig, id: &str) -> CreateTaskResponse {
    CreateTaskResponse {
        id: id.to_owned(),
        events_url: config.path(&format!("/tasks/{id}/events")),
        cancel_url: config.path(&format!("/tasks/{id}/cancel")),
        status_url: config.path(&format!("/tasks/{id}")),
    }
}

/// `POST /api/tasks`: `kind` picks the job (`steps` when absent), `label`
/// is the task's, every other field is the job's parameter.
pub async fn create_task(
    State(state): State<ServerState>,
    caller: Caller,
    JsonObject(mut body): JsonObject<Map<String, Value>>,
) -> Result<(StatusCode, Json<CreateTaskResponse>), ApiError> {
    let (kind, named) = match body.remove("kind") {
        None | Some(Value::Null) => (STEPS_KIND.to_owned(), false),
        Some(Value::String(kind)) => (kind, true),
        Some(_) => return Err(ApiError::Unprocessable("kind must be a string".into())),
    };
    let label = match body.remove("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(label)) => Some(label),
        Some(_) => return Err(ApiError::Unprocessable("label must be a string".into())),
    };
    let task = NewTask {
        owner: caller.name().unwrap_or_default().to_owned(),
        kind,
        label,
        params: Value::Object(body),
    };
    let id = match state.tasks.create(task).await {
        Err(TaskError::UnknownKind { known, .. }) if !named => {
            return Err(ApiError::Unprocessable(format!(
                "say which kind of job the task runs (\"kind\"); this server runs: {}",
                known.join(", ")
            )))
        }
        created => created?,
    };
    Ok((StatusCode::CREATED, Json(urls(&state.config, &id))))
}

/// `GET /api/kinds`: the kinds of job a task may name, so that a form can
/// offer them.
pub async fn list_kinds(State(state): State<ServerState>, _caller: Caller) -> Json<KindsResponse> {
    Json(KindsResponse {
        kinds: state.kinds.as_ref().clone(),
    })
}

/// Query of `GET /api/tasks`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Tasks per page (default [`DEFAULT_PAGE`], at most [`MAX_PAGE`]).
    limit: Option<usize>,
    /// The id of the last task of the previous page.
    before: Option<String>,
}

/// Tasks per page of `GET /api/tasks` by default.
pub const DEFAULT_PAGE: usize = 100;
/// Most tasks per page of `GET /api/tasks`.
pub const MAX_PAGE: usize = 1000;

/// `GET /api/tasks?limit=&before=`: a page of the caller's tasks (every
/// task for an operator, or on a server that names no users), newest
/// first. When more follow, a `Link: <...>; rel="next"` header gives the
/// next page. On a server that names no users, labels are shown only to a
/// client that presented the server's `--token`: without one, a client
/// does not learn what other clients named their tasks.
pub async fn list_tasks(
    State(state): State<ServerState>,
    caller: Caller,
    access: Access,
    params: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::Unprocessable(format!(
            "limit must be 1..={MAX_PAGE}"
        )));
    }
    let scope = scope_of(&caller);
    let page = state
        .tasks
        .list(limit, params.before.as_deref(), &scope)
        .await?;
    let mut tasks = page.tasks;
    if !shows_labels(&caller, access) {
        for task in &mut tasks {
            task.label = None;
        }
    }
    let mut response = Json(tasks).into_response();
    if let Some(next) = page.next {
        let link = format!(
            "<{}?limit={limit}&before={next}>; rel=\"next\"",
            state.config.path("/tasks")
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// `GET /api/tasks/{id}`: 404 for a task the caller does not reach, as
/// for one that does not exist.
pub async fn get_task(
    State(state): State<ServerState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TaskSnapshot>, ApiError> {
    Ok(Json(state.tasks.snapshot(&id, &scope_of(&caller)).await?))
}

/// `POST /api/tasks/{id}/cancel`: 404 for a task the caller does not
/// reach, as for one that does not exist.
pub async fn cancel_task(
    State(state): State<ServerState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TaskSnapshot>, ApiError> {
    Ok(Json(state.tasks.cancel(&id, &scope_of(&caller)).await?))
}

/// Query of `GET /api/tasks/{id}/events`.
#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    /// Resume point for clients that cannot send `Last-Event-ID`.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
}

/// `GET /api/tasks/{id}/events`.
///
/// A `Last-Event-ID` (or `?lastEventId=`) that is not an integer is a 400;
/// one beyond the task's last stored event (the store was replaced) gets a
/// `history-lost` event first, then the task's events from the start. Once the client has every
/// event of an ended task (including `CLOSE`), the answer is 204 No Content,
/// which tells a browser to stop reconnecting.
pub async fn task_events_route(
    State(state): State<ServerState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let start = state.tasks.stream_start(&id, &scope_of(&caller)).await?;
    let row = start.row;
    let resume = resume_from(&headers, params.last_event_id.as_deref())?;
    let mut history_lost = None;
    let after = match resume {
        ResumeFrom::Start => 0,
        ResumeFrom::After(after) if after > row.last_seq => {
            // The store no longer has what the client saw (it was
            // replaced): say so, then send what it has, from the start.
            history_lost = Some(HistoryLost {
                missing: None,
                message: format!(
                    "Last-Event-ID {after} is beyond the last event ({}) of task {id}: \
                     the server no longer has the events the client saw",
                    row.last_seq
                ),
            });
            0
        }
        ResumeFrom::After(after) => after,
        // CLOSE: the client saw the end; for an ended task (completed,
        // failed or cancelled) nothing is left to send.
        ResumeFrom::Closed if row.state.is_terminal() => row.last_seq,
        ResumeFrom::Closed => {
            return Err(ApiError::BadRequest(format!(
                "Last-Event-ID CLOSE says the task ended, but task {id} is still {}: \
                 resume from the number of the last event seen",
                row.state.as_str()
            )))
        }
    };
    if row.state.is_terminal() && after >= row.last_seq && !start.unstored_end {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let options = StreamOptions {
        after,
        retry: Some(state.config.retry),
    };
    let prelude = history_lost.map(|lost| {
        let mut frame = Vec::new();
        encode_frame(&mut frame, None, Some(EVENT_HISTORY_LOST), &lost.to_json());
        Bytes::from(frame)
    });
    let events = futures_util::stream::iter(prelude)
        .chain(state.tasks.events(&row, options)?)
        .boxed();
    let events = Metrics::count(state.metrics.as_deref(), StreamKind::Task, events);
    Ok(sse_bytes_response(
        events,
        state.config.keep_alive,
        &state.shutdown,
    ))
}

/// Query of `GET /api/run`.
#[derive(Debug, Deserialize)]
pub struct RunQuery {
    /// Number of steps (default 10, as in the coreBOS seed).
    steps: Option<u32>,
    /// Pause after each step (default 1000 ms).
    interval_ms: Option<u64>,
    /// Step that fails on purpose.
    fail_at: Option<u32>,
    /// Label shown in front of each message.
    label: Option<String>,
}

/// `GET /api/run`: creates a task and streams it in the same request, for pages
/// that can only open an `EventSource`. The task id is in `X-Task-Id`.
pub async fn run_task(
    State(state): State<ServerState>,
    caller: Caller,
    params: Result<Query<RunQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let task = NewTask {
        owner: caller.name().unwrap_or_default().to_owned(),
        kind: STEPS_KIND.to_owned(),
        label: params.label,
        params: json!({
            "steps": params.steps.unwrap_or(10),
            "interval_ms": params.interval_ms.unwrap_or(1000),
            "fail_at": params.fail_at,
        }),
    };
    let id = state.tasks.create(task).await?;
    let row = state.tasks.stream_start(&id, &scope_of(&caller)).await?.row;
    let options = StreamOptions {
        retry: Some(state.config.retry),
        ..StreamOptions::default()
    };
    let events = state.tasks.events(&row, options)?;
    let events = Metrics::count(state.metrics.as_deref(), StreamKind::Task, events);
    let mut response = sse_bytes_response(events, state.config.keep_alive, &state.shutdown);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(TASK_ID_HEADER, value);
    }
    Ok(response)
}
