//! Streams that only the fetch transport can read, for the demo and the
//! browser tests:
//!
//! - `POST /demo/token?ttl_ms=` -> `{token, expires_in_ms}`: a bearer token
//!   valid for `ttl_ms` (default 5000, 100..=3 600 000);
//! - `GET /demo/secure?count=&interval_ms=` with `Authorization: Bearer`:
//!   ticks (resumable), and the connection ends when the token expires, so a
//!   client must come back with a fresh one; 401 without a valid token;
//! - `POST /demo/ticks` with a JSON body `{count, interval_ms?, label?}`:
//!   ticks with the label in each message (resumable).

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use axum::Json;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::query;
use crate::seeds::ticks::{resume_after, ticks_after, MAX_TICKS};
use crate::state::AppState;
use sse_task_server::http::ApiError;
use sse_task_server::http::JsonObject;
use sse_task_server::http::{retry_event, sse_response};

/// Answer of `POST /demo/token`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub token: String,
    /// How long it is valid, in ms.
    pub expires_in_ms: u64,
}

/// Query of `POST /demo/token`.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    /// Validity in ms.
    ttl_ms: Option<u64>,
}

/// `POST /demo/token`.
pub async fn issue_token(
    State(state): State<AppState>,
    params: Result<Query<TokenQuery>, QueryRejection>,
) -> Result<Json<TokenResponse>, ApiError> {
    let ttl_ms = query(params)?.ttl_ms.unwrap_or(5000);
    if !(100..=3_600_000).contains(&ttl_ms) {
        return Err(ApiError::Unprocessable(format!(
            "ttl_ms must be 100..=3600000, got {ttl_ms}"
        )));
    }
    let token = state.tokens.issue(Duration::from_millis(ttl_ms));
    Ok(Json(TokenResponse {
        token,
        expires_in_ms: ttl_ms,
    }))
}

/// What to tick: query of `GET /demo/secure`, body of `POST /demo/ticks`.
#[derive(Debug, Deserialize)]
pub struct TicksRequest {
    /// Events before `CLOSE`.
    count: u64,
    /// Pause between events, in ms.
    #[serde(default)]
    interval_ms: u64,
    /// Text in front of each message.
    label: Option<String>,
}

impl TicksRequest {
    fn validate(&self) -> Result<Duration, ApiError> {
        if !(1..=MAX_TICKS).contains(&self.count)
            || self.interval_ms > sse_task_protocol::MAX_INTERVAL_MS
            || self.label.as_ref().is_some_and(|label| label.len() > 200)
        {
            return Err(ApiError::Unprocessable(format!(
                "count must be 1..={MAX_TICKS}, interval_ms 0..={} and label at most 200 bytes",
                sse_task_protocol::MAX_INTERVAL_MS
            )));
        }
        Ok(Duration::from_millis(self.interval_ms))
    }
}

/// `GET /demo/secure`.
pub async fn secure_ticks(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<TicksRequest>, QueryRejection>,
) -> Result<Response, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let expires = state
        .tokens
        .check(authorization)
        .map_err(|error| ApiError::Unauthorized(error.to_string()))?;
    let request = query(params)?;
    let interval = request.validate()?;
    let after = resume_after(&headers, request.count)?;
    let until_expiry = tokio::time::sleep_until(expires.into());
    let events = futures_util::stream::iter([retry_event(Duration::from_millis(100))])
        .chain(ticks_after(after, request.count, interval, request.label))
        .take_until(until_expiry);
    Ok(sse_response(
        events,
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}

/// `POST /demo/ticks`.
pub async fn post_ticks(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonObject(request): JsonObject<TicksRequest>,
) -> Result<Response, ApiError> {
    let interval = request.validate()?;
    let after = resume_after(&headers, request.count)?;
    let events = futures_util::stream::iter([retry_event(Duration::from_millis(500))])
        .chain(ticks_after(after, request.count, interval, request.label));
    Ok(sse_response(
        events,
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}
