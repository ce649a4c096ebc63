//! One `<task-monitor>`: its settings, its stream (the library's
//! [`TaskStream`], the same core as the Leptos hook), and rendering. The
//! stream writes into [`StreamState`]; each change schedules one render in a
//! microtask, which updates the panel and the log, writes a created task's
//! id back to `task-id`, and then tells the page (its DOM events) with no
//! borrow held, so a page script may call `start()` / `stop()` from a
//! handler.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use sse_task_progress::{
    model::ReadyState, model::StreamTarget, model::TaskLog, model::TaskMeta, render::LogRenderer,
    Labels, StreamView, TaskSource, TaskStatus, TaskStream,
};
use wasm_bindgen::JsValue;
use web_sys::{Element, HtmlElement};

use crate::attributes::ElementSettings;
use crate::events::{dispatch, status_events, ElementEvent, LineCursor};
use crate::line_batch::LineBatch;
use crate::panel::{Listener, Panel};
use crate::words::element_labels;

/// What the stream wrote, read by each render.
#[derive(Default)]
struct StreamState {
    log: TaskLog,
    meta: TaskMeta,
    target: Option<StreamTarget>,
    render_scheduled: bool,
}

/// What the page was last told: the status and progress, and the lines.
#[derive(Default)]
struct Told {
    status: TaskStatus,
    progress: f64,
    lines: LineCursor,
}

/// One mounted element.
pub struct Monitor {
    host: HtmlElement,
    panel: Panel,
    log: RefCell<LogRenderer>,
    settings: RefCell<ElementSettings>,
    /// The built-in translation the script fetched (`undefined`: English).
    translation: JsValue,
    /// The words in use, from the translation and the attributes.
    labels: RefCell<Labels>,
    /// The source autostart last saw (`None`: it has not looked yet).
    autostart_seen: RefCell<Option<Option<TaskSource>>>,
    state: Rc<RefCell<StreamState>>,
    told: RefCell<Told>,
    stream: TaskStream,
    this: Weak<Monitor>,
    _listeners: Vec<Listener>,
}

impl Monitor {
    /// Mounts the panel for `host` at the end of `root`, with the host's
    /// attributes and `translation` (a JS object of label keys, or
    /// `undefined`); reattaches to `task-id`, or starts with `autostart`.
    pub fn mount(
        host: HtmlElement,
        root: &Element,
        translation: JsValue,
    ) -> Result<Rc<Self>, JsValue> {
        let document = host
            .owner_document()
            .ok_or_else(|| JsValue::from_str("the element has no document"))?;
        let panel = Panel::build(&document, root)?;
        let settings = read_settings(&host);
        let state = Rc::new(RefCell::new(StreamState::default()));
        let monitor = Rc::new_cyclic(|this: &Weak<Monitor>| {
            let view = ElementView {
                state: state.clone(),
                monitor: this.clone(),
            };
            let on = |target: &Element, name, act: fn(&Monitor)| {
                let this = this.clone();
                Listener::new(target, name, move |_| {
                    if let Some(monitor) = this.upgrade() {
                        act(&monitor);
                    }
                })
            };
            let listeners = vec![
                on(&panel.start, "click", Monitor::start),
                on(&panel.stop, "click", Monitor::stop),
                on(&panel.log, "scroll", |m| m.log.borrow_mut().on_scroll()),
            ];
            Monitor {
                // Its options, words included, are set by `settings_changed` below.
                stream: TaskStream::new(settings.options(), view),
                log: RefCell::new(LogRenderer::new(panel.log.clone())),
                panel,
                host,
                settings: RefCell::new(settings),
                translation,
                labels: RefCell::new(Labels::english()),
                autostart_seen: RefCell::new(None),
                state,
                told: RefCell::new(Told::default()),
                this: this.clone(),
                _listeners: listeners,
            }
        });
        monitor.settings_changed();
        Ok(monitor)
    }

    /// Starts what the attributes name, with their options. Nothing
    /// happens without a source (the panel already shows why).
    pub fn start(&self) {
        let settings = self.settings.borrow().clone();
        let Some(source) = settings.source.clone() else {
            return;
        };
        match (&settings.task_id, settings.creates_tasks, &source) {
            // Given only a task to follow: Start follows it again from its
            // first event, and never creates a task of another kind.
            (Some(id), false, TaskSource::TaskApi { server, .. }) => {
                self.stream.attach_task(server, id)
            }
            _ => self.stream.start_source(source),
        }
    }

    /// Stops the stream and cancels the task on the server when it has a
    /// cancel URL (a task created on the task API).
    pub fn stop(&self) {
        self.stream.stop();
    }

    /// Reads the attributes again; acts only when something changed.
    pub fn attributes_changed(&self) {
        let settings = read_settings(&self.host);
        if *self.settings.borrow() == settings {
            return;
        }
        *self.settings.borrow_mut() = settings;
        self.settings_changed();
    }

    /// The status's short name (`idle`, `open`, `completed`, ...).
    pub fn status(&self) -> String {
        self.read(|state| state.meta.status.name().to_owned())
    }

    /// The percentage done, 0 to 100.
    pub fn progress(&self) -> f64 {
        self.read(|state| state.meta.progress)
    }

    /// The task's state URL on the task API, once the element created or
    /// attached to one; empty otherwise.
    pub fn status_url(&self) -> String {
        self.read(|state| state.target.as_ref().and_then(|t| t.status_url.clone()))
            .unwrap_or_default()
    }

    fn read<T: Default>(&self, read: impl FnOnce(&StreamState) -> T) -> T {
        self.state
            .try_borrow()
            .map(|state| read(&state))
            .unwrap_or_default()
    }

    fn is_active(&self) -> bool {
        self.read(|state| state.meta.status.is_active())
    }

    /// Says the words, shows the problems, gives the stream the options
    /// (words included) its next start or reattach uses, follows `task-id`,
    /// autostarts, and renders (Start needs a source).
    fn settings_changed(&self) {
        {
            let settings = self.settings.borrow();
            let (labels, word_problems) = element_labels(&self.translation, &settings.words);
            // The panel's name: the host's own `aria-label` when the page
            // gives one (several monitors on a page need distinct names).
            let name = self
                .host
                .get_attribute("aria-label")
                .filter(|name| !name.trim().is_empty());
            self.panel
                .set_words(&labels, name.as_deref(), settings.words.hide_start);
            self.panel
                .show_problems(settings.problems.iter().chain(&word_problems));
            self.stream
                .set_options(settings.options().labels(labels.clone()));
            *self.labels.borrow_mut() = labels;
        }
        self.follow_task_id();
        self.start_automatically();
        schedule_render(&self.state, &self.this);
    }

    /// A `task-id` that names another task than the current one reattaches
    /// to it, on the task API of `server` (or the page's own).
    fn follow_task_id(&self) {
        let (wanted, server) = {
            let settings = self.settings.borrow();
            let server = match &settings.source {
                Some(TaskSource::TaskApi { server, .. } | TaskSource::Job { server, .. }) => {
                    server.clone()
                }
                _ => String::new(),
            };
            (settings.task_id.clone(), server)
        };
        let current = self.read(|state| state.target.as_ref().and_then(|t| t.task_id.clone()));
        if let Some(id) = wanted.filter(|id| current.as_ref() != Some(id)) {
            if self.is_active() {
                self.stream.stop();
            }
            self.stream.attach_task(&server, &id);
        }
    }

    /// With `autostart`: starts once mounted (unless `task-id` names a task
    /// to reattach to), and again (stopping the current run first) whenever
    /// the source changes.
    fn start_automatically(&self) {
        let (autostart, source, reattaching) = {
            let s = self.settings.borrow();
            (s.autostart, s.source.clone(), s.task_id.is_some())
        };
        let previous = self.autostart_seen.replace(Some(source.clone()));
        let changed = previous.as_ref() != Some(&source);
        let first = previous.is_none();
        if autostart && changed && source.is_some() && !(first && reattaching) {
            if self.is_active() {
                self.stop();
            }
            self.start();
        }
    }

    /// Brings the panel and the log up to date, writes a created task's id
    /// to `task-id`, then dispatches the page's events: `started` first,
    /// then each new line, the progress, and the end of a run.
    fn render(&self) {
        let (events, created) = {
            let Ok(mut state) = self.state.try_borrow_mut() else {
                return;
            };
            state.render_scheduled = false;
            let can_start =
                !state.meta.status.is_active() && self.settings.borrow().source.is_some();
            let labels = self.labels.borrow();
            self.panel.show(
                (&state.meta.status, state.meta.progress),
                can_start,
                &state.log,
                &labels,
            );
            self.log.borrow_mut().render(&state.log);
            let events = self
                .told
                .borrow_mut()
                .news(&state.log, &state.meta, &labels);
            let created = state.target.as_ref().and_then(|t| t.task_id.clone());
            (events, created)
        };
        if let Some(id) = created {
            if self.host.get_attribute("task-id").as_deref() != Some(id.as_str()) {
                let _ = self.host.set_attribute("task-id", &id);
            }
        }
        // Lines go in batches (one call from wasm for a run of them);
        // every other event as it comes, so the order stays.
        let mut lines = LineBatch::default();
        for event in &events {
            match event {
                ElementEvent::Line {
                    text,
                    level,
                    event_id,
                } => lines.push(text, level, event_id.as_deref()),
                other => {
                    lines.dispatch(&self.host);
                    dispatch(&self.host, other);
                }
            }
        }
        lines.dispatch(&self.host);
    }
}

impl Told {
    /// The events since the last call, in the order the page hears them.
    fn news(&mut self, log: &TaskLog, meta: &TaskMeta, labels: &Labels) -> Vec<ElementEvent> {
        let id = meta.last_event_id.clone();
        let (mut events, end): (Vec<_>, Vec<_>) =
            status_events(&self.status, &meta.status, id, labels)
                .into_iter()
                .partition(|event| *event == ElementEvent::Started);
        events.extend(self.lines.new_lines(log).map(ElementEvent::line));
        if meta.progress != self.progress {
            events.push(ElementEvent::Progress {
                progress: meta.progress,
            });
        }
        events.extend(end);
        self.status = meta.status.clone();
        self.progress = meta.progress;
        events
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.panel.remove();
    }
}

/// The stream's view: it writes into the shared state and schedules a render.
struct ElementView {
    state: Rc<RefCell<StreamState>>,
    monitor: Weak<Monitor>,
}

impl StreamView for ElementView {
    fn update(&mut self, change: &mut dyn FnMut(&mut TaskLog, &mut TaskMeta)) {
        if let Ok(mut state) = self.state.try_borrow_mut() {
            let state = &mut *state;
            change(&mut state.log, &mut state.meta);
        }
    }

    fn show(&mut self) {
        schedule_render(&self.state, &self.monitor);
    }

    fn set_ready_state(&mut self, _state: ReadyState) {}

    fn set_target(&mut self, target: Option<&StreamTarget>) {
        if let Ok(mut state) = self.state.try_borrow_mut() {
            state.target = target.cloned();
        }
        schedule_render(&self.state, &self.monitor);
    }
}

/// Renders `monitor` in a microtask, once however many changes come first.
fn schedule_render(state: &RefCell<StreamState>, monitor: &Weak<Monitor>) {
    let Ok(mut state) = state.try_borrow_mut() else {
        return;
    };
    if state.render_scheduled {
        return;
    }
    state.render_scheduled = true;
    let monitor = monitor.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(monitor) = monitor.upgrade() {
            monitor.render();
        }
    });
}

/// The host's observed attributes, read into settings.
fn read_settings(host: &HtmlElement) -> ElementSettings {
    ElementSettings::read(|name| host.get_attribute(name))
}
