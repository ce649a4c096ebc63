//! The task API's handlers: tasks ([`api`]) and the feed of every task
//! ([`feed_stream`]).

pub mod api;
pub mod feed_stream;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;

use crate::http::error::ApiError;

/// Turns a query-string rejection into a JSON 400.
pub(crate) fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    Ok(query?.0)
}
