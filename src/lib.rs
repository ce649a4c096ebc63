//! Live task progress over Server-Sent Events for Leptos: a server task's
//! log lines, percentage and status, with Start and Stop, in one component.
//! Reconnects resume with `Last-Event-ID` without losing or doubling a line,
//! Stop cancels the job on the server, server text is always rendered as
//! text, and the log stays bounded.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use sse_task_progress::{TaskMonitor, TaskSource, TaskStyles};
//!
//! leptos::mount::mount_to_body(|| {
//!     let source = TaskSource::Url { url: "/long-task.php".into() };
//!     view! {
//!         <TaskStyles />
//!         <TaskMonitor source=Signal::stored(source) />
//!     }
//! });
//! ```
//!
//! # Where to start
//! - [`TaskMonitor`]: the whole panel (Start / Stop, status, bar, log) for a
//!   [`TaskSource`].
//! - [`use_task_stream`]: the same stream as signals, for a view of your
//!   own; [`UseTaskStreamOptions`] (with [`use_task_stream_with_options`])
//!   holds every option, [`Transport`] picks `EventSource` or `fetch`.
//! - [`TasksDashboard`] / [`use_tasks_dashboard`]: every task of a server
//!   over one connection, with each task's log on demand ([`TaskLogPanel`]).
//! - [`TaskStream`] with a [`StreamView`] of your own: the same stream
//!   without Leptos (the `<task-monitor>` element is built on it).
//!
//! The building blocks of the panel are in [`parts`], every option type in
//! [`options`], what the stream holds (the log, its lines, the task's
//! state) in [`model`], every word the monitor says (its [`Labels`], built-in
//! translations, failures as codes) in [`words`], and the log's DOM
//! renderer in [`render`].
//!
//! # Styles
//! The components carry classes, not styles. Their stylesheet ships with
//! the crate: add [`TaskStyles`] once (a `<style>` with [`STYLESHEET`]), or
//! link `style/task-monitor.css` from the crate's folder. Every class is
//! prefixed `tm-` and every rule is scoped under the components' roots
//! (`.tm-monitor`, `.tm-dashboard`, `.tm-log-panel`): nothing applies to
//! `:root`, `body`, bare elements or your page's classes, and your page's
//! `.button` or `.progress` rules do not reach the components. Theme it with
//! CSS custom properties on the component or any ancestor:
//! `--task-monitor-accent`, `--task-monitor-text`, `--task-monitor-panel`,
//! `--task-monitor-log-height` and the others listed at the top of the
//! sheet. Light or dark follows the page's `color-scheme`.
//!
//! # The server
//! [`TaskSource::Url`] streams any `text/event-stream` URL: data
//! `{"message": "...", "progress": 0..100}` (or plain text with
//! [`options::ReaderKind::Text`]), `id:` on every event for resuming, and
//! the end as an event with `id: CLOSE`; the named events `failed` and
//! `cancelled` end it too. [`TaskSource::TaskApi`] expects this task API on
//! `server` (the companion server `sse-mock-server` speaks it):
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /api/tasks` with a [`CreateTaskRequest`] as JSON | `201 {"id", "events_url", "cancel_url", "status_url"}`; a 4xx `{"error": "..."}` is shown as the reason |
//! | `GET {events_url}` | the task's stream as above, resumable with `Last-Event-ID` |
//! | `POST {cancel_url}` | Stop: the server cancels the job and ends the stream with `cancelled` |
//! | `GET {status_url}` | `{"id", "state", "step", "steps", ...}`, for reattaching after a reload |
//!
//! The dashboard reads `GET /api/tasks/events`, one stream of every task's
//! events (see [`TasksDashboard`]).
//!
//! # Rendering modes
//! The crate does not choose Leptos' rendering mode; turn on the one your
//! app uses: `csr` (client-side rendering), `hydrate` (hydrating markup the
//! server rendered) or `ssr` (rendering on the server). With `ssr` the hook
//! and the components render their initial markup (idle, 0 %, an empty log)
//! and touch no browser API; nothing connects until the page hydrates and
//! the user presses Start. Without the default `leptos` feature the crate is
//! its core alone: [`TaskStream`], [`StreamView`], [`render`] and the
//! [`model`] and [`options`] types.

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
pub mod words;

#[cfg(feature = "leptos")]
pub use dashboard::{
    use_tasks_dashboard, use_tasks_dashboard_with_options, TaskLogPanel, TaskLogPanelProps,
    TasksDashboard, TasksDashboardProps, UseTasksDashboardReturn,
};
pub use sse_task_protocol::CreateTaskRequest;
pub use state::{job_body, TaskSource, TaskStatus};
pub use stream::{
    runs_in_stream_worker, use_stream_worker_from, StreamView, TaskStream, Transport,
    UseTaskStreamOptions,
};
#[cfg(feature = "leptos")]
pub use ui::{
    use_task_stream, use_task_stream_with_options, TaskMonitor, TaskMonitorProps, TaskStyles,
    TaskStylesProps, UseTaskStreamReturn,
};
pub use words::{Failure, FailureCode, Labels, Word};

/// The README's Rust examples, compiled by `cargo test --doc`.
#[cfg(all(doctest, feature = "leptos"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The examples of `docs/streams.md`, compiled by `cargo test --doc`.
#[cfg(all(doctest, feature = "leptos"))]
#[doc = include_str!("../docs/streams.md")]
pub struct StreamsDocDoctests;

/// The components' stylesheet (`style/task-monitor.css`, shipped in the
/// crate), for apps that inline it; [`TaskStyles`] puts it in a `<style>`.
/// Every rule is scoped to the components' `tm-` classes: nothing applies
/// to `:root`, `body`, bare elements or the page's own classes. Theme it
/// with the `--task-monitor-*` custom properties.
pub const STYLESHEET: &str = include_str!("../style/task-monitor.css");

/// The pieces [`TaskMonitor`] is made of, for a panel laid out your way on
/// the signals of [`use_task_stream`].
#[cfg(feature = "leptos")]
pub mod parts {
    pub use crate::ui::{
        LogView, LogViewProps, ProgressBar, ProgressBarProps, StatusBadge, StatusBadgeProps,
        TaskControls, TaskControlsProps,
    };
}

/// Every option of the stream and the dashboard, beyond
/// [`UseTaskStreamOptions`] and [`Transport`] themselves.
pub mod options {
    #[cfg(feature = "leptos")]
    pub use crate::dashboard::TasksDashboardOptions;
    pub use crate::stream::{
        Credentials, FetchOptions, HeadersFn, HiddenTab, ReaderKind, ReconnectPolicy, RefreshFn,
        TransportKind, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_EVENT_BYTES, DEFAULT_OPEN_TIMEOUT_MS,
    };
    pub use crate::wire::{MessageReader, ParsedEvent, RawMessage};
}

/// What a stream holds and shows: the bounded log and its lines, the
/// task's progress and ids, the connection's state, the stream's target;
/// and the dashboard's table of every task.
pub mod model {
    #[cfg(feature = "leptos")]
    pub use crate::dashboard::{Dashboard, DashboardConnection, DashboardTask, FeedError};
    pub use crate::state::{
        LogLevel, LogLine, ReadyState, TaskLog, TaskMeta, DEFAULT_CAPACITY, DEFAULT_CAPACITY_BYTES,
        MAX_LINE_BYTES,
    };
    pub use crate::stream::StreamTarget;
    pub use sse_task_protocol::TaskState;
}
