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

/// Reads `value` as `T`; on a mismatch, what is wrong in plain words (see
/// `readable`), naming the field.
pub fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        readable(&path, &error.into_inner().to_string())
    })
}

/// serde's message about the field at `path` (`.` for the body itself) in
/// plain words: "steps is required", "steps: invalid type: integer `-1`,
/// expected u32", "unknown field `bogus`, expected one of ...".
fn readable(path: &str, serde_message: &str) -> String {
    let missing = serde_message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    match (missing, path) {
        (Some(field), ".") => format!("{field} is required"),
        (Some(field), path) => format!("{path}.{field} is required"),
        (None, ".") => serde_message.to_owned(),
        (None, path) => format!("{path}: {serde_message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn a_missing_field_is_said_plainly_and_other_messages_are_kept() {
        assert_eq!(readable(".", "missing field `steps`"), "steps is required");
        assert_eq!(
            readable("steps", "invalid type: string \"a\", expected u32"),
            "steps: invalid type: string \"a\", expected u32"
        );
    }
}
