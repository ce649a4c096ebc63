//! The store-neutral core of a task's life: its rows and the events each
//! moment writes, the single writer every store writes through, the
//! in-memory handle and tail its streams read, the stream cursor, the feed
//! of every task, retention, and jobs first. No store reaches into it and it
//! knows no store: SQLite and Redis (`store/`) implement what it needs
//! ([`writer::BatchStore`], [`cursor::Source`]).
//!
//! A step's event is handed to the writer; once it is committed the task's
//! handle moves forward, appends the encoded frame to its in-memory tail
//! and wakes its streams. Live streams read the tail; older cursors read
//! the store.

mod batch;
pub(crate) mod cursor;
mod error;
pub(crate) mod events;
pub(crate) mod feed;
pub(crate) mod handle;
pub(crate) mod jobs_first;
mod message;
pub(crate) mod removed;
pub(crate) mod retention;
pub(crate) mod rows;
pub(crate) mod streams_read;
mod tail;
pub(crate) mod writer;

pub(crate) use cursor::StreamOptions;
pub use error::StoreError;
pub(crate) use feed::Feed;
pub(crate) use handle::TaskHandle;
pub(crate) use jobs_first::{FlatOut, JobsFirst};
pub use message::JobMessage;
pub use retention::Retention;
pub(crate) use rows::{now_rfc3339, FeedRow, StoredEvent, TaskRow};
pub(crate) use streams_read::Read;
pub use writer::WriteFailure;
pub(crate) use writer::{Write, WriteObserver, Writer, Written};
