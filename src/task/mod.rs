//! Pure state of a task stream: parsing a message, applying it to the log,
//! progress and status, bounding the log, and the reconnect rules.
//!
//! Nothing here touches the browser, so native `cargo test` covers every rule
//! in milliseconds; [`crate::stream`] feeds it the `EventSource`'s events.

mod batch;
mod dashboard;
#[cfg(feature = "leptos")]
mod dashboard_rows;
mod diagnosis;
mod log;
mod log_blocks;
mod message;
mod reconnect;
mod source;
mod sse_parser;
mod state;
mod status;
mod task_param;
mod view_model;

pub use batch::decode_batch;
pub use dashboard::{Dashboard, DashboardTask, FeedError};
#[cfg(feature = "leptos")]
pub use dashboard_rows::{RowChange, RowPlan, RowsOnScreen};
pub use diagnosis::{diagnose_response, is_event_stream, Diagnosis, FailedAnswer};
pub use log::{LogLevel, LogLine, TaskLog, DEFAULT_CAPACITY};
pub use log_blocks::{block_text, Block, BlockPlan, LogBlocks};
pub use message::{MessageReader, ParsedEvent, RawMessage};
pub use reconnect::{ConnectionRules, Decision, Notice, ReconnectPolicy};
pub use source::TaskSource;
pub use sse_parser::{SseItem, SseParser};
pub use state::{
    apply, ConnectionEvent, Directive, TaskMeta, CLOSED_COMPLETE, CONNECTION_LOST, INTERRUPTED,
    RECONNECTED,
};
pub use status::{ReadyState, TaskStatus};
pub use task_param::is_task_id;
#[cfg(feature = "leptos")]
pub use task_param::{query_with_task_id, task_id_in_query};
pub use view_model::{dropped_notice, format_percent, whole_percent};
