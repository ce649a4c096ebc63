//! The streams: [`TaskStream`] (one task stream writing to any
//! [`StreamView`], no Leptos needed) and, with the `leptos` feature, the hooks
//! [`use_task_stream`] and [`use_tasks_dashboard`] in the leptos-use style,
//! over `EventSource` or `fetch`.
//!
//! - `task_stream.rs`: one stream writing to any [`StreamView`];
//! - `hook.rs` (`leptos`): the hook; `signal_view.rs`: its view, signals;
//! - `dashboard.rs` (`leptos`): the dashboard's hook over the feed;
//! - `controller.rs`: the state one stream shares, start / stop;
//! - `connection.rs`: opening, planned ends, failures, retries;
//! - `pump.rs`: applying messages in slices, one render per frame;
//! - `transport/`: `EventSource` and `fetch` behind one trait;
//! - `http.rs`: the task API calls and the diagnostic request;
//! - `browser.rs`: timers, tasks and the window on `web-sys` alone.

mod browser;
mod clock;
mod connection;
mod controller;
#[cfg(feature = "leptos")]
mod dashboard;
mod fetch_options;
#[cfg(feature = "leptos")]
mod hook;
mod http;
mod options;
#[cfg(feature = "leptos")]
pub(crate) mod page_memory;
mod pump;
#[cfg(feature = "leptos")]
mod signal_view;
mod stream_view;
mod task_stream;
mod transport;

#[cfg(feature = "leptos")]
pub use dashboard::{
    use_tasks_dashboard, use_tasks_dashboard_with_options, DashboardConnection,
    TasksDashboardOptions, UseTasksDashboardReturn,
};
pub use fetch_options::{Credentials, FetchOptions, HeadersFn, RefreshFn, Transport};
#[cfg(feature = "leptos")]
pub use hook::{use_task_stream, use_task_stream_with_options, UseTaskStreamReturn};
pub use http::HttpError;
pub use options::UseTaskStreamOptions;
pub use stream_view::StreamView;
pub use task_stream::TaskStream;

/// What a stream reads, and where to cancel it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamTarget {
    /// The SSE URL.
    pub events_url: String,
    /// URL to `POST` to on stop, so the job stops on the server.
    pub cancel_url: Option<String>,
    /// URL of the task's state (`GET`), when it came from the task API.
    pub status_url: Option<String>,
    /// The task's id, when it came from the task API.
    pub task_id: Option<String>,
}

impl StreamTarget {
    /// A plain SSE URL with nothing to cancel.
    pub fn url(events_url: impl Into<String>) -> Self {
        Self {
            events_url: events_url.into(),
            cancel_url: None,
            status_url: None,
            task_id: None,
        }
    }

    /// Task `id` on the task API of `server` (an origin, or empty for the
    /// page's own): its stream, cancel and state URLs.
    pub fn task(server: &str, id: &str) -> Self {
        let base = format!("{}/api/tasks/{id}", server.trim_end_matches('/'));
        Self {
            events_url: format!("{base}/events"),
            cancel_url: Some(format!("{base}/cancel")),
            status_url: Some(base),
            task_id: Some(id.to_owned()),
        }
    }
}
