//! `<TaskMonitor>`: the whole panel (controls, status, bar and log) over one stream.

use leptos::prelude::*;

use super::{LogView, ProgressBar, StatusBadge, TaskControls};
use crate::stream::{use_task_stream_with_options, UseTaskStreamOptions};
use crate::task::TaskSource;

/// Start Long Task / Stop Task, the status, the progress bar and the log.
///
/// ## Usage
/// ```no_run
/// use leptos::prelude::*;
/// use sse_task_progress::{CreateTaskRequest, TaskMonitor, TaskSource, UseTaskStreamOptions};
///
/// #[component]
/// fn Import() -> impl IntoView {
///     // A task created on the task API; Stop cancels it on the server.
///     let source = TaskSource::TaskApi {
///         server: String::new(),
///         request: CreateTaskRequest { steps: 20, interval_ms: 250, fail_at: None, label: None },
///     };
///     let options = UseTaskStreamOptions::default().capacity(1_000);
///     view! {
///         <TaskMonitor
///             source=Signal::stored(source)
///             options=Signal::stored(options)
///             on_start=Callback::new(|()| leptos::logging::log!("starting"))
///         />
///     }
/// }
/// ```
#[component]
pub fn TaskMonitor(
    /// What Start streams; read when Start is pressed.
    #[prop(into)]
    source: Signal<TaskSource>,
    /// Options of the underlying hook (default: [`UseTaskStreamOptions::default`]),
    /// read at each Start: a new transport or reconnect policy applies to
    /// the next stream.
    #[prop(optional, into)]
    options: Signal<UseTaskStreamOptions>,
    /// Called just before each start (e.g. to make a fresh session id).
    #[prop(optional)]
    on_start: Option<Callback<()>>,
) -> impl IntoView {
    let stream = use_task_stream_with_options(String::new(), options.get_untracked());
    let start = Callback::new(move |()| {
        if let Some(on_start) = on_start {
            on_start.run(());
        }
        stream.set_options(options.get_untracked());
        stream.start_source(source.get_untracked());
    });
    let stop = Callback::new(move |()| stream.stop());
    let can_start = Signal::derive(move || !stream.status.with(|s| s.is_active()));
    let can_stop = Signal::derive(move || stream.status.with(|s| s.is_active()));
    view! {
        <section class="task-monitor" data-testid="task-monitor" aria-label="Task progress">
            <TaskControls can_start can_stop on_start=start on_stop=stop />
            <StatusBadge status=stream.status />
            <ProgressBar progress=stream.progress />
            <LogView lines=stream.lines />
            <p class="task-id" data-testid="task-status-url">
                {move || stream.target.with(|t| t.as_ref().and_then(|t| t.status_url.clone()).unwrap_or_default())}
            </p>
        </section>
    }
}
