//! The hook: [`use_task_stream`] and [`use_task_stream_with_options`], a
//! [`TaskStream`] writing to Leptos signals ([`SignalView`]), returned as
//! read-only signals and `Copy` controls.

use leptos::prelude::*;
use sse_task_protocol::CreateTaskRequest;

use super::signal_view::SignalView;
use crate::state::{ReadyState, TaskLog, TaskSource, TaskStatus};
use crate::stream::{StreamTarget, TaskStream, UseTaskStreamOptions};

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
    stream: StoredValue<TaskStream, LocalStorage>,
}

impl UseTaskStreamReturn {
    /// Opens the hook's URL (replacing any current stream).
    pub fn start(&self) {
        let url = self.url.get_untracked();
        let cancel_url = self.stream.try_with_value(TaskStream::cancel_url).flatten();
        self.start_url(StreamTarget {
            events_url: url,
            cancel_url,
            status_url: None,
            task_id: None,
        });
    }

    /// Opens `target` (replacing any current stream).
    pub fn start_url(&self, target: StreamTarget) {
        self.stream.try_with_value(|s| s.start_url(target));
    }

    /// Creates a task with `POST {server}/api/tasks`, then streams it; stop
    /// then cancels it on the server. `server` is an origin such as
    /// `http://127.0.0.1:8080`, or empty for the page's own.
    pub fn start_task(&self, server: impl Into<String>, request: CreateTaskRequest) {
        let server = server.into();
        self.stream
            .try_with_value(|s| s.start_task(&server, request));
    }

    /// Reattaches to task `id` of `server`'s task API (after a reload, or
    /// from a shared link): replays its whole log from the server, every
    /// line once and in order, shows the bar where the task is, and goes on
    /// live; a task that ended shows its final state. An unknown id, or a
    /// task the server's retention removed, fails at once with a message
    /// that says so. Stop cancels the task on the server.
    pub fn attach_task(&self, server: impl Into<String>, id: impl Into<String>) {
        let (server, id) = (server.into(), id.into());
        self.stream.try_with_value(|s| s.attach_task(&server, &id));
    }

    /// Starts `source`: creates the task on the task API, or opens the URL
    /// (replacing any current stream).
    pub fn start_source(&self, source: TaskSource) {
        self.stream.try_with_value(|s| s.start_source(source));
    }

    /// Uses `options` from the next start on (the current stream goes on as
    /// it is).
    pub fn set_options(&self, options: UseTaskStreamOptions) {
        self.stream.try_with_value(|s| s.set_options(options));
    }

    /// Closes the stream at once, logs "Interrupted", and cancels the task on
    /// the server when it has a cancel URL.
    pub fn stop(&self) {
        self.stream.try_with_value(TaskStream::stop);
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
///         <p>{move || sse_task_progress::Labels::english().percent(stream.progress.get())}</p>
///     }
/// }
/// ```
pub fn use_task_stream_with_options(
    url: impl Into<Signal<String>>,
    options: UseTaskStreamOptions,
) -> UseTaskStreamReturn {
    let signals = SignalView::new(options.capacity);
    let stream = StoredValue::new_local(TaskStream::new(options, signals));
    on_cleanup(move || {
        stream.try_with_value(TaskStream::dispose);
    });
    let meta = signals.meta;
    UseTaskStreamReturn {
        lines: signals.log.read_only(),
        progress: Memo::new(move |_| meta.with(|m| m.progress)).into(),
        status: Memo::new(move |_| meta.with(|m| m.status.clone())).into(),
        last_event_id: Memo::new(move |_| meta.with(|m| m.last_event_id.clone())).into(),
        ready_state: signals.ready_state.read_only(),
        target: signals.target.read_only(),
        url: url.into(),
        stream,
    }
}
