//! What the element shows inside its shadow root (the library's controls,
//! status, bar and log over one stream, and any attribute it could not
//! use), and the effects that tell the page: its DOM events and autostart.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use sse_task_progress::{
    use_task_stream_with_options, LogView, ProgressBar, StatusBadge, TaskControls, TaskSource,
    TaskStatus, UseTaskStreamReturn,
};
use web_sys::HtmlElement;

use crate::attributes::ElementSettings;
use crate::events::{dispatch, status_events, ElementEvent, LineCursor};

/// What the element's methods act on; `Copy`, and inert once unmounted.
#[derive(Clone, Copy)]
pub struct ElementControls {
    /// The attributes as last read.
    pub settings: RwSignal<ElementSettings>,
    /// The stream.
    pub stream: UseTaskStreamReturn,
}

impl ElementControls {
    /// Starts what the attributes name, with their options. Nothing
    /// happens without a source (the element already shows why).
    pub fn start(&self) {
        let Some(settings) = self.settings.try_get_untracked() else {
            return;
        };
        if let Some(source) = settings.source.clone() {
            self.stream.set_options(settings.options());
            self.stream.start_source(source);
        }
    }

    /// Stops the stream and cancels the task on the server when it has a
    /// cancel URL (a task created on the task API).
    pub fn stop(&self) {
        self.stream.stop();
    }
}

/// The element's view for `host`, and its controls. Call inside a
/// reactive owner (`mount_to` gives one).
pub fn element_view(
    host: HtmlElement,
    settings: ElementSettings,
) -> (impl IntoView, ElementControls) {
    let settings = RwSignal::new(settings);
    let stream = use_task_stream_with_options(
        String::new(),
        settings.with_untracked(ElementSettings::options),
    );
    let controls = ElementControls { settings, stream };
    follow_task_id(SendWrapper::new(host.clone()), controls);
    tell_the_page(SendWrapper::new(host), stream);
    start_automatically(controls);

    let on_start = Callback::new(move |()| controls.start());
    let on_stop = Callback::new(move |()| controls.stop());
    let can_start = Signal::derive(move || {
        !stream.status.with(TaskStatus::is_active) && settings.with(|s| s.source.is_some())
    });
    let can_stop = Signal::derive(move || stream.status.with(TaskStatus::is_active));
    let problems = move || {
        settings.with(|s| {
            s.problems
                .iter()
                .map(|problem| view! { <li>{problem.to_string()}</li> })
                .collect_view()
        })
    };
    let view = view! {
        <section class="task-monitor" part="panel" aria-label="Task progress">
            <ul
                class="problems"
                part="problems"
                role="alert"
                hidden=move || settings.with(|s| s.problems.is_empty())
            >
                {problems}
            </ul>
            <TaskControls can_start can_stop on_start on_stop />
            <StatusBadge status=stream.status />
            <ProgressBar progress=stream.progress />
            <LogView lines=stream.lines />
        </section>
    };
    (view, controls)
}

/// Dispatches the page's events on `host` as the stream moves: `started`
/// first, then each new line, the progress, and the end of a run.
fn tell_the_page(host: SendWrapper<HtmlElement>, stream: UseTaskStreamReturn) {
    let mut cursor = LineCursor::default();
    Effect::new(move |previous: Option<(TaskStatus, f64)>| {
        let status = stream.status.get();
        let progress = stream.progress.get();
        let (previous_status, previous_progress) = previous.unwrap_or_default();
        let last_event_id = stream.last_event_id.get_untracked();
        let (begin, end): (Vec<_>, Vec<_>) =
            status_events(&previous_status, &status, last_event_id)
                .into_iter()
                .partition(|event| *event == ElementEvent::Started);
        for event in &begin {
            dispatch(&host, event);
        }
        stream.lines.with(|log| {
            for line in cursor.new_lines(log) {
                dispatch(&host, &ElementEvent::line(line));
            }
        });
        if progress != previous_progress {
            dispatch(&host, &ElementEvent::Progress { progress });
        }
        for event in &end {
            dispatch(&host, event);
        }
        (status, progress)
    });
}

/// With `autostart`: starts once mounted (unless `task-id` names a task to
/// reattach to), and again (stopping the current run first) whenever the
/// source changes.
fn start_automatically(controls: ElementControls) {
    let settings = controls.settings;
    Effect::new(move |previous: Option<Option<TaskSource>>| {
        let (autostart, source, reattaching) =
            settings.with(|s| (s.autostart, s.source.clone(), s.task_id.is_some()));
        let changed = previous.as_ref() != Some(&source);
        let first = previous.is_none();
        if autostart && changed && source.is_some() && !(first && reattaching) {
            let running = controls.stream.status.with_untracked(TaskStatus::is_active);
            if running {
                controls.stop();
            }
            controls.start();
        }
        source
    });
}

/// `task-id` both ways: a `task-id` that names another task than the
/// current one reattaches to it (on the task API of `server`, or the page's
/// own); each task the element creates is written back to `task-id`, so a
/// page script can keep it (and a reload can reattach).
fn follow_task_id(host: SendWrapper<HtmlElement>, controls: ElementControls) {
    let (settings, stream) = (controls.settings, controls.stream);
    let current = move || {
        stream
            .target
            .with_untracked(|target| target.as_ref().and_then(|t| t.task_id.clone()))
    };
    Effect::new(move |_| {
        let (wanted, server) = settings.with(|s| {
            let server = match &s.source {
                Some(TaskSource::TaskApi { server, .. }) => server.clone(),
                _ => String::new(),
            };
            (s.task_id.clone(), server)
        });
        if let Some(id) = wanted.filter(|id| current().as_ref() != Some(id)) {
            if stream.status.with_untracked(TaskStatus::is_active) {
                stream.stop();
            }
            stream.attach_task(server, id);
        }
    });
    Effect::new(move |_| {
        let created = stream
            .target
            .with(|target| target.as_ref().and_then(|t| t.task_id.clone()));
        if let Some(id) = created {
            if host.get_attribute("task-id").as_deref() != Some(id.as_str()) {
                let _ = host.set_attribute("task-id", &id);
            }
        }
    });
}
