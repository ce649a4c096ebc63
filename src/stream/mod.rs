//! The hook: [`use_task_stream`] and [`use_task_stream_with_options`], in
//! the leptos-use style, over `EventSource` or `fetch`.
//!
//! - `controller.rs`: the state one stream shares, start / stop;
//! - `connection.rs`: opening, planned ends, failures, retries;
//! - `pump.rs`: applying messages in slices, one render per frame;
//! - `transport/`: `EventSource` and `fetch` behind one trait;
//! - `http.rs`: the task API calls and the diagnostic request.

mod clock;
mod connection;
mod controller;
mod dashboard;
mod fetch_options;
mod http;
mod options;
pub(crate) mod page_memory;
mod pump;
mod transport;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use sse_task_protocol::CreateTaskRequest;

pub use dashboard::{
    use_tasks_dashboard, use_tasks_dashboard_with_options, DashboardConnection,
    TasksDashboardOptions, UseTasksDashboardReturn,
};
pub use fetch_options::{Credentials, FetchOptions, HeadersFn, RefreshFn, Transport};
pub use http::HttpError;
pub use options::UseTaskStreamOptions;

use crate::task::{ReadyState, TaskLog, TaskMeta, TaskSource, TaskStatus};
use controller::{Controller, Shared, Signals};

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

/// What [`use_task_stream`] returns: read-only signals and the controls.
///
/// It is `Copy`: pass it to as many closures and components as you like.
/// Once the component that created it is gone, its methods do nothing.
#[derive(Clone, Copy)]
pub struct UseTaskStreamReturn {
    /// The log: bounded, with the count of dropped older lines.
    pub lines: ReadSignal<TaskLog>,
    /// Percentage done, 0.0..=100.0.
    pub progress: Signal<f64>,
    /// Idle, connecting, open, reconnecting, completed, failed or stopped.
    pub status: Signal<TaskStatus>,
    /// Id of the last event applied.
    pub last_event_id: Signal<Option<String>>,
    /// The connection's real `readyState` (for `fetch`: connecting, open,
    /// closed, in the same terms).
    pub ready_state: ReadSignal<ReadyState>,
    /// What is being streamed (known once the task was created).
    pub target: ReadSignal<Option<StreamTarget>>,
    url: Signal<String>,
    controller: StoredValue<Shared, LocalStorage>,
}

impl UseTaskStreamReturn {
    /// Opens the hook's URL (replacing any current stream).
    pub fn start(&self) {
        let url = self.url.get_untracked();
        let cancel_url = self
            .controller
            .try_with_value(|c| c.borrow().cancel_url())
            .flatten();
        self.start_url(StreamTarget {
            events_url: url,
            cancel_url,
            status_url: None,
            task_id: None,
        });
    }

    /// Opens `target` (replacing any current stream).
    pub fn start_url(&self, target: StreamTarget) {
        self.controller
            .try_with_value(|c| c.borrow_mut().start_url(target));
    }

    /// Creates a task with `POST {server}/api/tasks`, then streams it; stop
    /// then cancels it on the server. `server` is an origin such as
    /// `http://127.0.0.1:8080`, or empty for the page's own.
    pub fn start_task(&self, server: impl Into<String>, request: CreateTaskRequest) {
        let server = server.into().trim_end_matches('/').to_owned();
        self.controller
            .try_with_value(|c| c.borrow_mut().start_task(server, request));
    }

    /// Reattaches to task `id` of `server`'s task API (after a reload, or
    /// from a shared link): replays its whole log from the server, every
    /// line once and in order, shows the bar where the task is, and goes on
    /// live; a task that ended shows its final state. An unknown id, or a
    /// task the server's retention removed, fails at once with a message
    /// that says so. Stop cancels the task on the server.
    pub fn attach_task(&self, server: impl Into<String>, id: impl Into<String>) {
        let server = server.into().trim_end_matches('/').to_owned();
        let id = id.into();
        self.controller
            .try_with_value(|c| c.borrow_mut().attach_task(server, id));
    }

    /// Starts `source`: creates the task on the task API, or opens the URL
    /// (replacing any current stream).
    pub fn start_source(&self, source: TaskSource) {
        match source {
            TaskSource::TaskApi { server, request } => self.start_task(server, request),
            TaskSource::Url { url } => self.start_url(StreamTarget::url(url)),
        }
    }

    /// Uses `options` from the next start on (the current stream goes on as
    /// it is).
    pub fn set_options(&self, options: UseTaskStreamOptions) {
        self.controller
            .try_with_value(|c| c.borrow_mut().set_options(options));
    }

    /// Closes the stream at once, logs "Interrupted", and cancels the task on
    /// the server when it has a cancel URL.
    pub fn stop(&self) {
        self.controller.try_with_value(|c| c.borrow_mut().stop());
    }
}

/// Streams `url` with the default options. Nothing connects until `start()`.
///
/// ## Usage
/// ```no_run
/// use leptos::prelude::*;
/// use sse_task_progress::use_task_stream;
///
/// #[component]
/// fn Import() -> impl IntoView {
///     let stream = use_task_stream("/seeds/corebos/source");
///     view! {
///         <button on:click=move |_| stream.start()>"Start"</button>
///         <button on:click=move |_| stream.stop()>"Stop"</button>
///         <progress max="100" prop:value=move || stream.progress.get()></progress>
///         <p>{move || stream.status.get().label()}</p>
///     }
/// }
/// ```
pub fn use_task_stream(url: impl Into<Signal<String>>) -> UseTaskStreamReturn {
    use_task_stream_with_options(url, UseTaskStreamOptions::default())
}

/// Streams `url` with `options`. Nothing connects until `start()`; the
/// stream closes when the calling component is dropped.
///
/// ## Usage
/// ```no_run
/// use leptos::prelude::*;
/// use sse_task_progress::{use_task_stream_with_options, UseTaskStreamOptions};
///
/// #[component]
/// fn Import() -> impl IntoView {
///     let options = UseTaskStreamOptions::default()
///         .close_on_first_error(true)
///         .cancel_url("/import/cancel");
///     let stream = use_task_stream_with_options("/import/events", options);
///     view! {
///         <button on:click=move |_| stream.start()>"Start"</button>
///         <button on:click=move |_| stream.stop()>"Stop"</button>
///         <p>{move || sse_task_progress::format_percent(stream.progress.get())}</p>
///     }
/// }
/// ```
pub fn use_task_stream_with_options(
    url: impl Into<Signal<String>>,
    options: UseTaskStreamOptions,
) -> UseTaskStreamReturn {
    let signals = Signals {
        log: RwSignal::new(TaskLog::with_capacity(options.capacity)),
        meta: RwSignal::new(TaskMeta::default()),
        ready_state: RwSignal::new(ReadyState::Closed),
        target: RwSignal::new(None),
    };
    let controller = Controller::new(options, signals);
    let on_drop = SendWrapper::new(controller.clone());
    on_cleanup(move || on_drop.borrow_mut().dispose());
    let meta = signals.meta;
    UseTaskStreamReturn {
        lines: signals.log.read_only(),
        progress: Memo::new(move |_| meta.with(|m| m.progress)).into(),
        status: Memo::new(move |_| meta.with(|m| m.status.clone())).into(),
        last_event_id: Memo::new(move |_| meta.with(|m| m.last_event_id.clone())).into(),
        ready_state: signals.ready_state.read_only(),
        target: signals.target.read_only(),
        url: url.into(),
        controller: StoredValue::new_local(controller),
    }
}
