//! Pure state of a task stream: parsing a message, applying it to the log,
//! progress and status, bounding the log, and the reconnect rules.
//!
//! Nothing here touches the browser, so native `cargo test` covers every rule
//! in milliseconds; [`crate::stream`] feeds it the `EventSource`'s events.

mod diagnosis;
mod log;
mod message;
mod reconnect;
mod source;
mod state;
mod status;
mod view_model;

pub use diagnosis::{diagnose_response, Diagnosis};
pub use log::{LogLevel, LogLine, TaskLog, DEFAULT_CAPACITY};
pub use message::{parse_message, MessageReader, ParsedEvent, RawMessage};
pub use reconnect::ReconnectPolicy;
pub use source::TaskSource;
pub use state::{
    apply, ConnectionEvent, Directive, TaskMeta, TaskState, CLOSED_COMPLETE, INTERRUPTED,
};
pub use status::{ReadyState, TaskStatus};
pub use view_model::{format_percent, plan_render, RenderPlan, RenderedRange};
