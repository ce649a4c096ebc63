//! Background tasks: their registry, their in-memory handle and tail, the
//! job queue and its threads, and retention.
//!
//! A step's event is handed to the database writer; once it is committed the
//! task's handle moves forward, appends the encoded frame to its in-memory
//! tail and wakes its streams. Live streams read the tail; older cursors read
//! the database. Jobs run on their own threads, so no viewer delays a step.

mod events;
pub mod feed;
mod handle;
mod job;
mod queue;
mod registry;
mod removed;
mod retention;
mod tail;

pub use events::encode;
pub use feed::Feed;
pub use handle::{StreamRead, TaskHandle};
pub use registry::{TaskError, TaskPage, TaskRegistry};
pub use retention::Retention;
pub use tail::TailRead;

/// Current time as RFC 3339, for the task timestamps.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
