//! What a stream knows: the reducer (connection events and messages in;
//! log, progress and status out), the bounded log, the status, and what a
//! monitor streams. Pure: native `cargo test` covers every rule.

mod log;
mod reducer;
mod source;
mod status;

pub use log::{
    LogLevel, LogLine, TaskLog, DEFAULT_CAPACITY, DEFAULT_CAPACITY_BYTES, MAX_LINE_BYTES,
};
pub use reducer::{apply, ConnectionEvent, Directive, TaskMeta};
pub use source::{is_task_id, job_body, TaskSource};
pub use status::{ReadyState, TaskStatus};
