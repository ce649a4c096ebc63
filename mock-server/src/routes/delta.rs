//! `/seeds/delta`: the PHP + SQLite notification feed.
//!
//! Named `delta` events whose JSON data spans four `data:` lines, read from the
//! `messages` table, resuming after `Last-Event-ID` / `?lastEventId=`. Each
//! connection closes after 10 s and the browser reopens it, as in the seed.
//! `POST /seeds/delta/messages` `{"message": "..."}` inserts a message; open
//! streams show it at once (rows inserted by other programs within the poll
//! interval, half a second).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::Event;
use axum::response::Response;
use axum::Json;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sse_task_protocol::EVENT_DELTA;

use super::query;
use crate::seeds::delta_feed::DeltaMessage;
use crate::state::AppState;
use sse_task_server::http::sse_response;
use sse_task_server::http::ApiError;
use sse_task_server::http::JsonObject;
use sse_task_server::http::{resume_from, ResumeFrom};

/// Longest message accepted by `POST /seeds/delta/messages`, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// Query of `GET /seeds/delta`.
#[derive(Debug, Deserialize)]
pub struct DeltaQuery {
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
}

/// Body of `POST /seeds/delta/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// The text to publish.
    pub message: String,
}

/// Answer of `POST /seeds/delta/messages`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedMessage {
    /// The new row's id (its SSE id).
    pub id: u64,
}

/// The seed's `sendMsg($id, $msg)`: `{`, `"msg": ...,`, `"id": n`, `}` on four
/// `data:` lines. Unlike the seed, the message is JSON-escaped, so a quote or
/// a newline in it cannot break the JSON or the framing.
pub fn delta_event(message: &DeltaMessage) -> Event {
    let text = serde_json::to_string(&message.message).unwrap_or_default();
    Event::default()
        .id(message.id.to_string())
        .event(EVENT_DELTA)
        .data(format!("{{\n\"msg\": {text}, \n\"id\": {}\n}}", message.id))
}

/// `GET /seeds/delta`. A resume id beyond the newest message is kept (the
/// stream waits for newer messages, as the seed does); a non-number, or a
/// number no SQLite id can reach, is a 400.
pub async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<DeltaQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let after = match resume_from(&headers, params.last_event_id.as_deref())? {
        ResumeFrom::Start | ResumeFrom::Closed => 0,
        // SQLite's ids are i64: a larger one can never exist.
        ResumeFrom::After(after) if i64::try_from(after).is_err() => {
            return Err(ApiError::BadRequest(format!(
                "Last-Event-ID must be at most {}",
                i64::MAX
            )))
        }
        ResumeFrom::After(after) => after,
    };
    let events = state
        .delta
        .messages_after(
            after,
            state.config.delta_connection_cap,
            state.config.delta_poll,
        )
        .map(|message| delta_event(&message));
    Ok(sse_response(
        events,
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}

/// `POST /seeds/delta/messages`.
pub async fn post_message(
    State(state): State<AppState>,
    JsonObject(body): JsonObject<NewMessage>,
) -> Result<(StatusCode, Json<CreatedMessage>), ApiError> {
    if body.message.len() > MAX_MESSAGE_BYTES {
        return Err(ApiError::Unprocessable(format!(
            "message must be at most {MAX_MESSAGE_BYTES} bytes, got {}",
            body.message.len()
        )));
    }
    let id = state
        .delta
        .insert(body.message)
        .await
        .map_err(ApiError::Unavailable)?;
    Ok((StatusCode::CREATED, Json(CreatedMessage { id })))
}
