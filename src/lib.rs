//! Live task progress over Server-Sent Events for Leptos.
//!
//! Drop [`TaskMonitor`] into a page, or build your own view on the signals
//! of [`use_task_stream`]. Reconnects resume without losing or doubling a
//! line, Stop cancels the job on the server, server text is always rendered
//! as text, and the log stays bounded.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use sse_task_progress::{TaskMonitor, TaskSource};
//!
//! leptos::mount::mount_to_body(|| {
//!     let source = TaskSource::Url { url: "/seeds/corebos/source".into() };
//!     view! { <TaskMonitor source=Signal::stored(source) /> }
//! });
//! ```
//!
//! # Rendering modes
//! The crate does not choose Leptos' rendering mode; turn on the one your
//! app uses: `csr` (client-side rendering), `hydrate` (hydrating markup the
//! server rendered) or `ssr` (rendering on the server). With `ssr` the hook
//! and the components render their initial markup (idle, 0 %, an empty log)
//! and touch no browser API; nothing connects until the page hydrates and
//! the user presses Start.
//!
//! # Layout
//! - `task/`: pure state: parsing messages, the reducer, the bounded log,
//!   reconnect and failure rules (natively tested);
//! - `stream/`: the hook, its options, and its two transports
//!   (`EventSource`, `fetch`);
//! - `components/`: [`TaskMonitor`], [`TaskControls`], [`ProgressBar`],
//!   [`LogView`], [`StatusBadge`];
//! - `dom/`: [`LogRenderer`], the log written straight into the DOM, which
//!   [`LogView`] and the `<task-monitor>` element share.
//!
//! # Without Leptos
//! [`TaskStream`] is the hook's stream on its own, writing to any
//! [`StreamView`]: the `<task-monitor>` element is built on it and on
//! [`LogRenderer`], with no Leptos in its wasm.

#![deny(missing_docs)]
// The crate's docs link to the components, which only the `leptos` feature has.
#![cfg_attr(not(feature = "leptos"), allow(rustdoc::broken_intra_doc_links))]

#[cfg(feature = "leptos")]
mod components;
mod dom;
mod stream;
mod task;

#[cfg(feature = "leptos")]
pub use components::{
    LogView, LogViewProps, ProgressBar, ProgressBarProps, StatusBadge, StatusBadgeProps,
    TaskControls, TaskControlsProps, TaskLogPanel, TaskLogPanelProps, TaskMonitor,
    TaskMonitorProps, TasksDashboard, TasksDashboardProps,
};
pub use dom::LogRenderer;
pub use sse_task_protocol::{CreateTaskRequest, TaskState};
#[cfg(feature = "leptos")]
pub use stream::{
    use_task_stream, use_task_stream_with_options, use_tasks_dashboard,
    use_tasks_dashboard_with_options, DashboardConnection, TasksDashboardOptions,
    UseTaskStreamReturn, UseTasksDashboardReturn,
};
pub use stream::{
    Credentials, FetchOptions, HeadersFn, HttpError, RefreshFn, StreamTarget, StreamView,
    TaskStream, Transport, UseTaskStreamOptions,
};
pub use task::{
    dropped_notice, format_percent, whole_percent, Dashboard, DashboardTask, FeedError, LogLevel,
    LogLine, MessageReader, ParsedEvent, RawMessage, ReadyState, ReconnectPolicy, TaskLog,
    TaskMeta, TaskSource, TaskStatus, CLOSED_COMPLETE, CONNECTION_LOST, DEFAULT_CAPACITY,
    INTERRUPTED, RECONNECTED,
};
