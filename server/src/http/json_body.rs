//! `JsonObject<T>`: a JSON request body that must be an object.
//!
//! `axum::Json<T>` lets serde read a JSON array as a struct (`[3, 0]` as
//! `{steps: 3, interval_ms: 0}`); a client that sends an array has made a
//! mistake, so it gets a 422 that says so. Content type, size and syntax are
//! checked by `axum::Json` first, with its own 4xx answers.

use axum::extract::{FromRequest, Request};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::http::error::ApiError;
use crate::json::from_json;

/// A request body that is a JSON object read as `T`.
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T, S> FromRequest<S> for JsonObject<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<serde_json::Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(ApiError::Unprocessable(
                "the body must be a JSON object".into(),
            ));
        }
        let body = from_json(value).map_err(ApiError::Unprocessable)?;
        Ok(JsonObject(body))
    }
}
