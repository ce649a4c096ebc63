//! The mock server's own routes, one file per family: the four seeds
//! (`corebos`, `openacs`, `tizen`, `delta`), the fetch-transport demos
//! (`demo`), signing in (`session`) and the fault endpoints (`faults`,
//! `hostile`, `corpus`). The task API is the task server's.

pub mod corebos;
pub mod corpus;
pub mod delta;
pub mod demo;
pub mod faults;
pub mod hostile;
pub mod openacs;
pub mod session;
pub mod tizen;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;

use sse_task_server::http::ApiError;

/// Turns a query-string rejection into a JSON 400.
pub(crate) fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    Ok(query?.0)
}
