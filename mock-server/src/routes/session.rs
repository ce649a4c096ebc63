//! Signing in and out of the mock server when it has users (`--user`):
//!
//! - `POST /session` `{"token": "..."}` -> `{user, operator}` and the
//!   session cookie (`HttpOnly`, `SameSite=Lax`): from then on the page's
//!   requests, its `EventSource` included, are that user's; 401 for a
//!   token no user has;
//! - `GET /session` -> `{users, user, operator}`: whether the server has
//!   users, and who this request is (`user: null` when nobody);
//! - `DELETE /session` ends the session and clears the cookie.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use sse_task_server::http::{ApiError, JsonObject};

use crate::state::AppState;
use crate::users::{session_id, SESSION_COOKIE};

/// Body of `POST /session`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The user's token.
    token: String,
}

/// `POST /session`.
pub async fn sign_in(
    State(state): State<AppState>,
    JsonObject(body): JsonObject<SignIn>,
) -> Result<Response, ApiError> {
    let Some((id, user)) = state.users.sign_in(&body.token) else {
        return Err(ApiError::Unauthorized("no user has this token".into()));
    };
    let cookie = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
    let mut response = Json(json!({"user": user.name, "operator": user.operator})).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /session`.
pub async fn who(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = state.users.of(&headers);
    Json(json!({
        "users": state.users.any(),
        "user": user.map(|user| user.name.clone()),
        "operator": user.is_some_and(|user| user.operator),
    }))
    .into_response()
}

/// `DELETE /session`.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        state.users.sign_out(&id);
    }
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
