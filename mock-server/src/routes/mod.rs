//! The HTTP routes, one file per family.

pub mod api;
pub mod corebos;
pub mod corpus;
pub mod delta;
pub mod demo;
pub mod faults;
pub mod feed_stream;
pub mod hostile;
pub mod openacs;
pub mod tizen;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;

use crate::http::error::ApiError;

/// Turns a query-string rejection into a JSON 400.
pub(crate) fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    Ok(query?.0)
}
