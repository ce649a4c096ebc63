//! The state machine around one `EventSource`: connects, queues messages and
//! applies them to the pure state in time-budgeted slices (so a flood never
//! blocks the main thread for long), coalesces signal updates to one per
//! animation frame in a flood (a slow stream's are shown at once), reconnects
//! within the policy, diagnoses failures, and stops.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use sse_task_protocol::CreateTaskRequest;
use wasm_bindgen::JsCast;
use web_sys::Event;

use super::http;
use super::options::UseTaskStreamOptions;
use super::source::Source;
use super::StreamTarget;
use crate::task::{
    apply, decode_batch, ConnectionEvent, Directive, RawMessage, ReadyState, TaskLog, TaskMeta,
};

/// The hook's signals, written only by the controller.
#[derive(Clone, Copy)]
pub struct Signals {
    /// The bounded log.
    pub log: RwSignal<TaskLog>,
    /// Progress, status, ids.
    pub meta: RwSignal<TaskMeta>,
    /// The source's `readyState`.
    pub ready_state: RwSignal<ReadyState>,
    /// What is being streamed.
    pub target: RwSignal<Option<StreamTarget>>,
}

/// Shared handle to a controller.
pub type Shared = Rc<RefCell<Controller>>;

/// A queue emptied this long after the last notification is shown at once;
/// sooner, at the next animation frame (a flood renders once per frame).
const EAGER_FLUSH_GAP_MS: f64 = 8.0;
/// Time one slice may spend applying queued messages, in ms.
const SLICE_BUDGET_MS: f64 = 8.0;
/// Messages the JS inbox may hold before wasm takes them: taking them soon
/// keeps the browser's garbage collector from promoting thousands of event
/// strings to its old generation (measured: 100 ms pauses at 32 768).
const TAKE_EVERY: u32 = 1024;
/// Queued messages beyond which they are applied at once: a bound on memory
/// when slices cannot run (e.g. in a background tab whose timers are
/// throttled). Applying 8 192 messages takes about 8 ms; the rest of a flood
/// waits in the browser's network buffers, not in ours.
const MAX_PENDING: usize = 8_192;

/// One stream's connection logic.
pub struct Controller {
    options: UseTaskStreamOptions,
    signals: Signals,
    source: Option<Source>,
    /// Incremented by every start and stop: callbacks of an older run are ignored.
    run: u64,
    retry_timer: Option<TimeoutHandle>,
    flush_pending: bool,
    /// When signals were last notified (`performance.now()`, ms).
    last_flush_ms: f64,
    /// Messages received but not applied yet.
    pending: VecDeque<RawMessage>,
    drain_scheduled: bool,
    this: Weak<RefCell<Controller>>,
}

impl Controller {
    /// A controller writing to `signals`.
    pub fn new(options: UseTaskStreamOptions, signals: Signals) -> Shared {
        Rc::new_cyclic(|this| {
            RefCell::new(Self {
                options,
                signals,
                source: None,
                run: 0,
                retry_timer: None,
                flush_pending: false,
                last_flush_ms: 0.0,
                pending: VecDeque::new(),
                drain_scheduled: false,
                this: this.clone(),
            })
        })
    }

    /// Starts streaming `target`, replacing any current stream.
    pub fn start_url(&mut self, target: StreamTarget) {
        self.begin();
        let url = target.events_url.clone();
        self.signals.target.set(Some(target));
        self.connect(&url);
    }

    /// Creates a task on `base`'s task API, then streams it.
    pub fn start_task(&mut self, base: String, request: CreateTaskRequest) {
        self.begin();
        self.signals.target.set(None);
        let run = self.run;
        let this = self.this.clone();
        spawn_local(async move {
            let created = http::create_task(&base, &request).await;
            let Some(shared) = this.upgrade() else { return };
            let mut controller = shared.borrow_mut();
            if controller.run != run {
                return;
            }
            match created {
                Ok(task) => {
                    let target = StreamTarget {
                        events_url: format!("{base}{}", task.events_url),
                        cancel_url: Some(format!("{base}{}", task.cancel_url)),
                        status_url: Some(format!("{base}{}", task.status_url)),
                    };
                    let url = target.events_url.clone();
                    controller.signals.target.set(Some(target));
                    controller.connect(&url);
                }
                Err(error) => controller.fail(format!("could not create the task: {error}")),
            }
        });
    }

    /// Stops at once: closes the source, logs "Interrupted", applies nothing
    /// later, and asks the server to cancel the task when it has a cancel URL.
    pub fn stop(&mut self) {
        let was_active = self
            .signals
            .meta
            .try_with_untracked(|meta| meta.status.is_active())
            .unwrap_or(false);
        self.run += 1;
        self.close();
        if !was_active {
            return;
        }
        self.apply_now(ConnectionEvent::Stopped);
        let cancel_url = self
            .signals
            .target
            .try_with_untracked(|target| target.as_ref().and_then(|t| t.cancel_url.clone()))
            .flatten()
            .or_else(|| self.options.cancel_url.clone());
        if let Some(url) = cancel_url {
            spawn_local(async move {
                if let Err(error) = http::cancel_task(&url).await {
                    leptos::logging::warn!("could not cancel the task on the server: {error}");
                }
            });
        }
    }

    /// The cancel URL given in the options.
    pub fn cancel_url(&self) -> Option<String> {
        self.options.cancel_url.clone()
    }

    /// Closes everything without touching the log (the component went away).
    pub fn dispose(&mut self) {
        self.run += 1;
        self.close();
    }

    fn begin(&mut self) {
        self.run += 1;
        self.close();
        self.apply_now(ConnectionEvent::Starting);
    }

    fn close(&mut self) {
        self.source = None;
        self.pending.clear();
        if let Some(timer) = self.retry_timer.take() {
            timer.clear();
        }
        self.signals.ready_state.set(ReadyState::Closed);
    }

    fn connect(&mut self, url: &str) {
        let run = self.run;
        let on_state = self.callback(run, Controller::on_state);
        let wake = self.callback(run, |controller, count: u32| controller.on_wake(count));
        match Source::open(url, &self.options.named_events, TAKE_EVERY, on_state, wake) {
            Ok(source) => {
                self.signals.ready_state.set(source.ready_state());
                self.source = Some(source);
            }
            Err(error) => {
                let detail = error
                    .dyn_ref::<js_sys::Error>()
                    .map(|error| String::from(error.message()))
                    .or_else(|| error.as_string())
                    .unwrap_or_else(|| "the browser refused the URL".into());
                self.fail(format!("cannot open {url}: {detail}"));
            }
        }
    }

    /// A closure that calls `handler` on this controller while `run` is current.
    fn callback<T: 'static>(
        &self,
        run: u64,
        handler: impl Fn(&mut Controller, T) + Clone + 'static,
    ) -> impl Fn(T) + Clone + 'static {
        let this = self.this.clone();
        move |value: T| {
            if let Some(shared) = this.upgrade() {
                // A handler never runs inside another: `try_borrow_mut` only
                // fails if the browser re-entered us, and then the event is stale.
                if let Ok(mut controller) = shared.try_borrow_mut() {
                    if controller.run == run {
                        handler(&mut controller, value);
                    }
                }
            }
        }
    }

    /// `open` and `error`: messages queued before them are applied first.
    fn on_state(&mut self, event: Event) {
        self.take_messages();
        self.drain(f64::INFINITY);
        if event.type_() == "open" {
            self.signals.ready_state.set(ReadyState::Open);
            self.apply_later(ConnectionEvent::Opened);
        } else if self.source.is_some() {
            self.on_error();
        }
    }

    /// The inbox holds `count` messages: take them now when that is
    /// [`TAKE_EVERY`] or more, and apply them soon, or now when too many
    /// are queued.
    fn on_wake(&mut self, count: u32) {
        if count >= TAKE_EVERY {
            self.take_messages();
        }
        if self.pending.len() >= MAX_PENDING {
            self.drain(f64::INFINITY);
        } else {
            self.schedule_drain();
        }
    }

    /// Moves the inbox's messages to the queue.
    fn take_messages(&mut self) {
        if let Some(source) = self.source.as_ref() {
            let batch = source.take();
            self.pending.extend(decode_batch(&batch));
        }
    }

    /// Applies queued messages in a later task, so that the browser's dispatch
    /// of a whole network chunk stays cheap.
    fn schedule_drain(&mut self) {
        if self.drain_scheduled {
            return;
        }
        self.drain_scheduled = true;
        let this = self.this.clone();
        set_timeout(
            move || {
                let Some(shared) = this.upgrade() else { return };
                if let Ok(mut controller) = shared.try_borrow_mut() {
                    controller.drain_scheduled = false;
                    controller.take_messages();
                    controller.drain(SLICE_BUDGET_MS);
                };
            },
            Duration::ZERO,
        );
    }

    /// Applies queued messages for up to `budget_ms`, then schedules the rest.
    fn drain(&mut self, budget_ms: f64) {
        let clock = window().performance();
        let now = || clock.as_ref().map_or(0.0, |p| p.now());
        let deadline = now() + budget_ms;
        let mut applied: u32 = 0;
        while let Some(raw) = self.pending.pop_front() {
            if self.apply_later(ConnectionEvent::Message(raw)) == Directive::Close {
                self.close();
                self.flush();
                return;
            }
            applied += 1;
            if applied % 64 == 0 && now() > deadline {
                break;
            }
        }
        if !self.pending.is_empty() {
            self.schedule_drain();
        } else if self.flush_pending && now() - self.last_flush_ms >= EAGER_FLUSH_GAP_MS {
            // A slow stream: show it now rather than at the next frame.
            self.flush();
        }
    }

    fn on_error(&mut self) {
        if self
            .signals
            .meta
            .try_with_untracked(|meta| meta.status.is_terminal())
            .unwrap_or(true)
        {
            self.close();
            return;
        }
        let Some(source) = self.source.as_ref() else {
            return;
        };
        let ready_state = source.ready_state();
        let url = source.url();
        self.signals.ready_state.set(ready_state);
        if self.options.close_on_first_error {
            self.fail("the connection failed".into());
            return;
        }
        let attempt = self
            .signals
            .meta
            .try_with_untracked(|meta| meta.reconnect_attempts)
            .unwrap_or(0)
            + 1;
        match ready_state {
            // The browser reconnects by itself, sending Last-Event-ID.
            ReadyState::Connecting | ReadyState::Open => {
                if self.options.reconnect.allows(attempt) {
                    self.apply_now(ConnectionEvent::Reconnecting { attempt });
                } else {
                    self.source = None;
                    self.give_up(url);
                }
            }
            // The browser gave up: find out why, and maybe retry ourselves.
            ReadyState::Closed => {
                self.source = None;
                self.diagnose_then_retry(url, attempt);
            }
        }
    }

    fn diagnose_then_retry(&mut self, url: String, attempt: u32) {
        let run = self.run;
        let this = self.this.clone();
        spawn_local(async move {
            let diagnosis = http::diagnose(&resume_url(&this, &url)).await;
            let Some(shared) = this.upgrade() else { return };
            let mut controller = shared.borrow_mut();
            if controller.run != run {
                return;
            }
            if !diagnosis.retryable {
                controller.fail(diagnosis.reason);
            } else if controller.options.reconnect.allows(attempt) {
                controller.apply_now(ConnectionEvent::Reconnecting { attempt });
                controller.retry_after(url, attempt);
            } else {
                let max = controller.options.reconnect.max_attempts;
                controller.fail(format!(
                    "{} (gave up after {max} attempts)",
                    diagnosis.reason
                ));
            }
        });
    }

    fn retry_after(&mut self, url: String, attempt: u32) {
        let run = self.run;
        let this = self.this.clone();
        let delay = Duration::from_millis(u64::from(self.options.reconnect.delay_ms(attempt)));
        let timer = set_timeout_with_handle(
            move || {
                let Some(shared) = this.upgrade() else { return };
                let mut controller = shared.borrow_mut();
                if controller.run != run {
                    return;
                }
                controller.retry_timer = None;
                let url = controller.resume_url(&url);
                controller.connect(&url);
            },
            delay,
        );
        self.retry_timer = timer.ok();
    }

    /// `url` resuming after the last event applied, if any.
    fn resume_url(&self, url: &str) -> String {
        match self
            .signals
            .meta
            .try_with_untracked(|meta| meta.last_event_id.clone())
            .flatten()
        {
            Some(id) => with_last_event_id(url, &id),
            None => url.to_owned(),
        }
    }

    /// The browser's own reconnects ran out: learn why, then fail.
    fn give_up(&mut self, url: String) {
        let run = self.run;
        let this = self.this.clone();
        let max = self.options.reconnect.max_attempts;
        spawn_local(async move {
            let diagnosis = http::diagnose(&resume_url(&this, &url)).await;
            let Some(shared) = this.upgrade() else { return };
            let mut controller = shared.borrow_mut();
            if controller.run == run {
                controller.fail(format!(
                    "{} (gave up after {max} attempts)",
                    diagnosis.reason
                ));
            }
        });
    }

    fn fail(&mut self, reason: String) {
        self.close();
        self.apply_now(ConnectionEvent::Failed { reason });
    }

    /// Applies `event` to the state without notifying; the notification comes
    /// with the next animation frame.
    fn apply_later(&mut self, event: ConnectionEvent) -> Directive {
        let reader = &self.options.reader;
        let now = js_sys::Date::now();
        let Signals { log, meta, .. } = self.signals;
        let directive = log
            .try_update_untracked(|log| {
                meta.try_update_untracked(|meta| apply(log, meta, event, reader, now))
            })
            .flatten()
            .unwrap_or(Directive::Ignored);
        if directive != Directive::Ignored {
            self.schedule_flush();
        }
        directive
    }

    fn apply_now(&mut self, event: ConnectionEvent) {
        self.apply_later(event);
        self.flush();
    }

    fn schedule_flush(&mut self) {
        if self.flush_pending {
            return;
        }
        self.flush_pending = true;
        let this = self.this.clone();
        let flush = move || {
            if let Some(shared) = this.upgrade() {
                if let Ok(mut controller) = shared.try_borrow_mut() {
                    if controller.flush_pending {
                        controller.flush();
                    }
                }
            }
        };
        request_animation_frame(flush.clone());
        // Hidden tabs get no animation frames; a slow timer keeps them current.
        let _ = set_timeout_with_handle(flush, Duration::from_millis(250));
    }

    fn flush(&mut self) {
        self.flush_pending = false;
        self.last_flush_ms = window().performance().map_or(0.0, |p| p.now());
        self.signals.log.notify();
        self.signals.meta.notify();
    }
}

/// [`Controller::resume_url`] through a weak handle (the URL as is when gone).
fn resume_url(this: &Weak<RefCell<Controller>>, url: &str) -> String {
    this.upgrade()
        .and_then(|shared| shared.try_borrow().ok().map(|c| c.resume_url(url)))
        .unwrap_or_else(|| url.to_owned())
}

/// `url` with `lastEventId=id` in its query, for a new `EventSource` that
/// cannot send the `Last-Event-ID` header.
pub fn with_last_event_id(url: &str, id: &str) -> String {
    let base = window().location().href().unwrap_or_default();
    match web_sys::Url::new_with_base(url, &base) {
        Ok(parsed) => {
            parsed.search_params().set("lastEventId", id);
            parsed.href()
        }
        Err(_) => url.to_owned(),
    }
}
