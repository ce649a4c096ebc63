//! The task API's handlers: tasks ([`api`]), the feed of every task
//! ([`feed_stream`]) and the node's metrics ([`metrics_route`]).

pub mod api;
pub mod feed_stream;
pub mod metrics_route;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;

use crate::http::access::Access;
use crate::http::error::ApiError;
use crate::http::Caller;
use crate::store::answers::Scope;

/// The tasks `caller` reaches: an anonymous caller (a server that names
/// no users) and an operator reach every task, a user their own.
pub(crate) fn scope_of(caller: &Caller) -> Scope {
    match caller.name() {
        Some(name) if !caller.is_operator() => Scope::OwnedBy(name.to_owned()),
        _ => Scope::Every,
    }
}

/// True when `caller` sees the labels of the tasks they reach: a named
/// user's are their own (or, for an operator, anyone's they may see); on
/// a server that names no users only the token holder sees them.
pub(crate) fn shows_labels(caller: &Caller, access: Access) -> bool {
    caller.name().is_some() || access == Access::Token
}

/// Turns a query-string rejection into a JSON 400.
pub(crate) fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    Ok(query?.0)
}
