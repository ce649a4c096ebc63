//! Background tasks: their registry, their per-task handle and the job runner.
//!
//! A task's events go to SQLite first ([`crate::db`]), then a `watch` channel
//! tells the streams that a new event is there. Streams read the database from
//! their own cursor, so a slow or absent client never holds the job back and
//! costs at most one page of events in memory.

mod handle;
mod registry;
mod runner;

pub use handle::{TaskHandle, TaskStep};
pub use registry::{TaskError, TaskRegistry};

/// Current time as RFC 3339, for the task timestamps.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
