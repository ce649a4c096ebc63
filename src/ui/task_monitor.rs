//! `<TaskMonitor>`: the whole panel (controls, status, bar and log) over one stream.

use leptos::prelude::*;

use super::controls::TaskControls;
use super::hook::{use_task_stream_with_options, UseTaskStreamReturn};
use super::log_view::LogView;
use super::page_memory;
use super::progress_bar::ProgressBar;
use super::status_badge::StatusBadge;
use crate::state::{TaskSource, TaskStatus};
use crate::stream::UseTaskStreamOptions;
use crate::words::{Labels, Word};

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
    /// Remember the task across reloads under this name: each task the
    /// monitor creates on the task API is kept in the page's URL
    /// (`?{name}=<id>`, so the link can be shared) and in `sessionStorage`;
    /// on load, the monitor reattaches to it (whole log replayed, then
    /// live; a task that ended shows its final state). An unknown or removed
    /// task shows why and is forgotten. Default: not remembered.
    #[prop(optional, into)]
    remember_as: Option<String>,
    /// The panel's name for assistive technology (its `aria-label`);
    /// several monitors on one page need names of their own. Default: the
    /// labels' `panel` word ("Task progress").
    #[prop(optional, into)]
    name: Option<String>,
    /// Every word the panel and the stream's own log lines say, e.g.
    /// `Labels::builtin("es")`, or English with a button renamed:
    /// `Labels::english().with(Word::Start, "Export my data")`. Fixed for
    /// the panel's life (a page that switches language mounts a new
    /// panel). Default: English.
    #[prop(optional)]
    labels: Labels,
    /// Hides Start: the page starts the task its own way.
    #[prop(optional)]
    hide_start: bool,
    /// Hides the line with the task's state URL under the log.
    #[prop(optional)]
    hide_task_url: bool,
) -> impl IntoView {
    let name = name.unwrap_or_else(|| labels.template(Word::Panel).to_owned());
    let direction = labels.direction();
    let stream_labels = labels.clone();
    let with_labels = move || options.get_untracked().labels(stream_labels.clone());
    let stream = use_task_stream_with_options(String::new(), with_labels());
    if let Some(key) = remember_as {
        remember_task(stream, source, key);
    }
    let start = Callback::new(move |()| {
        if let Some(on_start) = on_start {
            on_start.run(());
        }
        stream.set_options(with_labels());
        stream.start_source(source.get_untracked());
    });
    let stop = Callback::new(move |()| stream.stop());
    let can_start = Signal::derive(move || !stream.status.with(|s| s.is_active()));
    let can_stop = Signal::derive(move || stream.status.with(|s| s.is_active()));
    view! {
        <section
            class="tm-monitor"
            data-testid="task-monitor"
            aria-label=name
            dir=direction
        >
            <TaskControls
                can_start
                can_stop
                on_start=start
                on_stop=stop
                labels=labels.clone()
                hide_start
            />
            <StatusBadge status=stream.status labels=labels.clone() />
            <ProgressBar progress=stream.progress labels=labels.clone() />
            <LogView lines=stream.lines labels />
            <p
                class="tm-task-id"
                data-testid="task-status-url"
                part="url"
                hidden=hide_task_url
            >
                {move || stream.target.with(|t| t.as_ref().and_then(|t| t.status_url.clone()).unwrap_or_default())}
            </p>
        </section>
    }
}

/// On the client: reattaches once to the task remembered under `key` (when
/// the source is the task API), then keeps the current task's id
/// remembered, and forgets it when the monitor fails without a task (an
/// unknown or removed id, or a failed creation).
fn remember_task(stream: UseTaskStreamReturn, source: Signal<TaskSource>, key: String) {
    let reattach_key = key.clone();
    Effect::new(move |_| {
        if let TaskSource::TaskApi { server, .. } | TaskSource::Job { server, .. } =
            source.get_untracked()
        {
            if let Some(id) = page_memory::remembered(&reattach_key) {
                stream.attach_task(server, id);
            }
        }
    });
    Effect::new(move |_| {
        let id = stream
            .target
            .with(|target| target.as_ref().and_then(|t| t.task_id.clone()));
        let failed = stream
            .status
            .with(|status| matches!(status, TaskStatus::Failed { .. }));
        match id {
            Some(id) => page_memory::remember(&key, Some(&id)),
            None if failed => page_memory::remember(&key, None),
            None => {}
        }
    });
}
