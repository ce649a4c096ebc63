//! Background tasks: their registry, their in-memory handle and tail, the
//! job queue and its threads, and retention.
//!
//! A step's event is handed to the database writer; once it is committed the
//! task's handle moves forward, appends the encoded frame to its in-memory
//! tail and wakes its streams. Live streams read the tail; older cursors read
//! the database. Jobs run on their own threads, so no viewer delays a step.

mod batch;
pub(crate) mod cursor;
pub(crate) mod events;
pub mod feed;
pub(crate) mod handle;
mod job;
mod jobs_first;
pub(crate) mod queue;
mod registry;
pub(crate) mod removed;
pub(crate) mod retention;
pub(crate) mod streams_read;
mod tail;

pub use cursor::{Source, StreamOptions};
pub use feed::Feed;
pub use handle::TaskHandle;
pub use jobs_first::{FlatOut, JobsFirst, ACTIVE_FOR};
pub use registry::{new_row, page_of, NewTask, TaskError, TaskPage, TaskRegistry};
pub use retention::Retention;
pub use streams_read::Read;
