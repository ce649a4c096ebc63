//! Live task progress over Server-Sent Events for Leptos.
//!
//! Drop [`components::TaskMonitor`] into a page, or build your own view on the
//! signals of [`use_task_stream`]. Reconnects resume without losing or
//! doubling a line, Stop cancels the job on the server, server text is always
//! rendered as text, and the log stays bounded.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use sse_task_progress::components::TaskMonitor;
//! use sse_task_progress::task::TaskSource;
//!
//! leptos::mount::mount_to_body(|| {
//!     let source = TaskSource::Url { url: "/seeds/corebos/source".into() };
//!     view! { <TaskMonitor source=Signal::stored(source) /> }
//! });
//! ```
//!
//! # Layout
//! - [`task`]: pure state: parsing messages, the reducer, the bounded log,
//!   reconnect and failure rules (natively tested).
//! - [`stream`]: the hook, its options, and its two transports
//!   (`EventSource`, `fetch`).
//! - [`components`]: `<TaskMonitor>`, `<TaskControls>`, `<ProgressBar>`,
//!   `<LogView>`, `<StatusBadge>`.
//! - [`demo`]: the demo page that `main.rs` mounts.

pub mod components;
pub mod demo;
pub mod stream;
pub mod task;

pub use stream::{
    use_task_stream, use_task_stream_with_options, Credentials, FetchOptions, StreamTarget,
    Transport, UseTaskStreamOptions, UseTaskStreamReturn,
};
