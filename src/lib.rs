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
//! # Where to start
//! - [`TaskMonitor`]: the whole panel (Start / Stop, status, bar, log).
//! - [`use_task_stream`] / [`use_task_stream_with_options`]: the signals, for
//!   a view of your own; [`UseTaskStreamOptions`] lists every option.
//! - [`TasksDashboard`] / [`use_tasks_dashboard`]: every task of a server
//!   over one connection.
//! - [`TaskStream`] with a [`StreamView`] of your own: the same stream
//!   without Leptos (the `<task-monitor>` element is built on it).
//!
//! # Rendering modes
//! The crate does not choose Leptos' rendering mode; turn on the one your
//! app uses: `csr` (client-side rendering), `hydrate` (hydrating markup the
//! server rendered) or `ssr` (rendering on the server). With `ssr` the hook
//! and the components render their initial markup (idle, 0 %, an empty log)
//! and touch no browser API; nothing connects until the page hydrates and
//! the user presses Start. Without the default `leptos` feature the crate is
//! its core alone: [`TaskStream`], [`StreamView`] and [`render`].

#![deny(missing_docs)]
// The crate's docs link to the components, which only the `leptos` feature has.
#![cfg_attr(not(feature = "leptos"), allow(rustdoc::broken_intra_doc_links))]

#[cfg(feature = "leptos")]
mod dashboard;
pub mod render;
mod state;
mod stream;
#[cfg(feature = "leptos")]
mod ui;
mod wire;

#[cfg(feature = "leptos")]
pub use dashboard::{
    use_tasks_dashboard, use_tasks_dashboard_with_options, Dashboard, DashboardConnection,
    DashboardTask, FeedError, TaskLogPanel, TaskLogPanelProps, TasksDashboard,
    TasksDashboardOptions, TasksDashboardProps, UseTasksDashboardReturn,
};
pub use sse_task_protocol::{CreateTaskRequest, TaskState};
pub use state::{LogLevel, LogLine, ReadyState, TaskLog, TaskMeta, TaskSource, TaskStatus};
pub use stream::{
    Credentials, FetchOptions, HeadersFn, HiddenTab, ReaderKind, ReconnectPolicy, RefreshFn,
    StreamTarget, StreamView, TaskStream, Transport, TransportKind, UseTaskStreamOptions,
    DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_EVENT_BYTES,
};
#[cfg(feature = "leptos")]
pub use ui::{
    use_task_stream, use_task_stream_with_options, LogView, LogViewProps, ProgressBar,
    ProgressBarProps, StatusBadge, StatusBadgeProps, TaskControls, TaskControlsProps, TaskMonitor,
    TaskMonitorProps, UseTaskStreamReturn,
};
pub use wire::{MessageReader, ParsedEvent, RawMessage};

/// The lines the stream itself writes to the log (not the server's), for
/// views that style them and for tests that look for them.
pub mod notices {
    pub use crate::state::{
        CLOSED_COMPLETE, CONNECTION_LOST, HISTORY_LOST, INTERRUPTED, NO_DATA, OFFLINE, RECONNECTED,
    };
}
