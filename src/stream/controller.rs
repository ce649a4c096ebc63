//! The engine of one stream: the [`Controller`] owns what it rules (the
//! model, whether the stream runs, the id to resume after), opens
//! connections with the transport, carries out the pure
//! [`ConnectionRules`]' decisions the same way for every transport, and
//! applies messages through the [`Pump`]. Every browser callback checks
//! that it is still current before it touches anything.
//!
//! Besides the rules it keeps: the dedup ([`ReplayFilter`]); an idle timer
//! (a connection that brings nothing for the options' timeout is closed and
//! resumed); the page's life (offline waits for online without spending
//! attempts, the back/forward cache closes and restores, a hidden tab may
//! pause); one diagnosis per outage of a failure the transport cannot see.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use sse_task_protocol::{EVENT_HEARTBEAT, EVENT_HISTORY_LOST};

use super::browser::{warn, Timeout};
use super::diagnosis::{Diagnosis, FailureKind};
use super::host::Host;
use super::http::{self, HttpError};
use super::model::StreamModel;
use super::options::{HiddenTab, UseTaskStreamOptions};
use super::page_life::PageEvent;
use super::pump::{Drained, Pace, Pump, APPLY_SLICE_MS, HIDDEN_SHOW_MS, TAKE_EVERY};
use super::replay::{Arrival, ReplayFilter};
use super::rules::{ConnectionRules, Decision, Notice};
use super::target::{unstreamable, StreamTarget};
use super::transport::{
    is_id_only, Connection, EventSink, OpenRequest, StreamTransport, TransportEvent,
};
use crate::state::{is_task_id, ConnectionEvent, Directive, ReadyState};
use crate::wire::RawMessage;
use crate::words::{During, Failure, FailureCode};

/// Shared handle to a controller.
pub(crate) type Shared = Rc<RefCell<Controller>>;

/// One stream's engine.
pub(crate) struct Controller {
    host: Rc<dyn Host>,
    options: UseTaskStreamOptions,
    model: Box<dyn StreamModel>,
    /// What is being streamed; its `events_url` is what connections open.
    target: Option<StreamTarget>,
    transport: Box<dyn StreamTransport>,
    connection: Option<Box<dyn Connection>>,
    rules: ConnectionRules,
    pump: Pump,
    /// Between a start and the end (completed, failed, stopped).
    running: bool,
    /// The id of the last event applied, to resume after ("" for none).
    resume_from: String,
    /// The id of the message being applied (a buffer reused for every one).
    scratch: String,
    /// Which arriving events replay ones applied.
    replay: ReplayFilter,
    /// The diagnosis of the current outage's first unexplained failure.
    outage_diagnosis: Option<Diagnosis>,
    /// Whether this run asked why an `EventSource` stream without ids ended.
    asked_why_idless_end: bool,
    /// Whether this run applied any message (a source that does not resume
    /// is not reconnected after it).
    had_data: bool,
    /// Incremented by every start, stop and connection: callbacks of an
    /// older one are ignored.
    generation: u64,
    retry_timer: Option<Timeout>,
    idle_timer: Option<Timeout>,
    /// Gives up the current attempt when it has not opened in time.
    open_timer: Option<Timeout>,
    /// The tab's hide that will pause the stream.
    hidden_timer: Option<Timeout>,
    /// Why no connection is wanted now (offline, frozen, paused).
    suspended: Option<PageEvent>,
    /// The page's listeners, while the stream runs.
    page_life: Option<Box<dyn std::any::Any>>,
    this: Weak<RefCell<Controller>>,
}

/// Runs `f` on the controller behind `this` when it still exists, is not
/// busy (a handler never runs inside another: a failed borrow means the
/// browser re-entered us, and the call is stale), and `generation` (when
/// given) is still current.
fn with_current(
    this: &Weak<RefCell<Controller>>,
    generation: Option<u64>,
    f: impl FnOnce(&mut Controller),
) {
    let Some(shared) = this.upgrade() else { return };
    let Ok(mut controller) = shared.try_borrow_mut() else {
        return;
    };
    if generation.is_none_or(|g| g == controller.generation) {
        f(&mut controller);
    }
}

impl Controller {
    /// A controller applying to `model`, shown at `pace`, in `host`.
    pub(crate) fn new(
        options: UseTaskStreamOptions,
        model: Box<dyn StreamModel>,
        pace: Pace,
        host: Rc<dyn Host>,
    ) -> Shared {
        let transport = host.transport(&options);
        let rules = rules_for(&options);
        let pump = Pump::new(pace, host.clock());
        Rc::new_cyclic(|this| {
            RefCell::new(Self {
                host,
                options,
                model,
                target: None,
                transport,
                connection: None,
                rules,
                pump,
                running: false,
                resume_from: String::new(),
                scratch: String::new(),
                replay: ReplayFilter::default(),
                outage_diagnosis: None,
                asked_why_idless_end: false,
                had_data: false,
                generation: 0,
                retry_timer: None,
                idle_timer: None,
                open_timer: None,
                hidden_timer: None,
                suspended: None,
                page_life: None,
                this: this.clone(),
            })
        })
    }

    // ---- Starting and stopping ----

    /// Starts streaming `target`, replacing any current stream.
    pub(crate) fn start_url(&mut self, target: StreamTarget) {
        self.begin();
        self.set_target(Some(target));
        self.connect();
    }

    /// Creates a task on `base`'s task API with `body` (a JSON object: the
    /// kind, the label, the job's parameters), then streams it.
    pub(crate) fn start_task(&mut self, base: String, body: String) {
        self.begin();
        self.set_target(None);
        let this = self.this.clone();
        let generation = self.generation;
        self.host.spawn(Box::pin(async move {
            let created = http::create_task(&base, &body).await;
            with_current(&this, Some(generation), |controller| match created {
                Ok(task) => {
                    controller.set_target(Some(StreamTarget::created(&base, &task)));
                    controller.connect();
                }
                Err(error) => controller.fail(error.failure().during(During::Creating)),
            });
        }));
    }

    /// Fails a start that cannot be made (its request is not valid).
    pub(crate) fn fail_to_start(&mut self, problem: String) {
        self.begin();
        self.fail(Failure::new(FailureCode::BadParams, [problem]).during(During::Creating));
    }

    /// Streams task `id` of `base`'s task API from its first event, once
    /// the server confirms it has the task.
    pub(crate) fn attach_task(&mut self, base: String, id: String) {
        self.begin();
        self.set_target(None);
        if !is_task_id(&id) {
            self.fail(Failure::new(FailureCode::BadTaskId, [id]));
            return;
        }
        let this = self.this.clone();
        let generation = self.generation;
        self.host.spawn(Box::pin(async move {
            let target = StreamTarget::task(&base, &id);
            let status_url = target.status_url.clone().unwrap_or_default();
            let found = http::check_task(&status_url).await;
            with_current(&this, Some(generation), |controller| match found {
                Ok(()) => {
                    controller.set_target(Some(target));
                    controller.connect();
                }
                Err(error) => controller.fail(attach_failure(&id, &error)),
            });
        }));
    }

    /// Stops at once: closes the connection, logs "Interrupted", applies
    /// nothing later, and asks the server to cancel the task when it has a
    /// cancel URL; without one the status says only the watching stopped.
    pub(crate) fn stop(&mut self) {
        let was_running = self.running;
        self.generation += 1;
        self.close();
        if !was_running {
            return;
        }
        let cancel_url = self
            .target
            .as_ref()
            .and_then(|target| target.cancel_url.clone())
            .or_else(|| self.options.cancel_url.clone());
        self.apply_now(ConnectionEvent::Stopped {
            cancelled: cancel_url.is_some(),
        });
        if let Some(url) = cancel_url {
            self.host.spawn(Box::pin(async move {
                if let Err(error) = http::cancel_task(&url).await {
                    warn(&format!("could not cancel the task on the server: {error}"));
                }
            }));
        }
    }

    /// Uses `options` from the next start on.
    pub(crate) fn set_options(&mut self, options: UseTaskStreamOptions) {
        self.options = options;
    }

    /// The cancel URL given in the options.
    pub(crate) fn cancel_url(&self) -> Option<String> {
        self.options.cancel_url.clone()
    }

    /// Closes everything without touching the model (the view went away).
    pub(crate) fn dispose(&mut self) {
        self.generation += 1;
        self.close();
    }

    fn begin(&mut self) {
        self.generation += 1;
        self.close();
        self.transport = self.host.transport(&self.options);
        self.rules = rules_for(&self.options);
        self.model.restart(&self.options);
        self.resume_from.clear();
        self.replay.reset();
        self.asked_why_idless_end = false;
        self.had_data = false;
        self.apply_now(ConnectionEvent::Starting);
        let this = self.this.clone();
        self.page_life = Some(self.host.watch_page(Box::new(move |event| {
            with_current(&this, None, |controller| controller.on_page(event));
        })));
    }

    /// Closes the connection, drops what was not applied, cancels every
    /// timer, stops listening to the page.
    fn close(&mut self) {
        self.drop_connection();
        self.pump.clear();
        self.page_life = None;
        self.suspended = None;
        self.outage_diagnosis = None;
        if let Some(timer) = self.hidden_timer.take() {
            self.host.clear_timeout(timer);
        }
        self.model.set_ready_state(ReadyState::Closed);
    }

    /// Drops the connection and its retry, idle and open timers.
    fn drop_connection(&mut self) {
        self.connection = None;
        for timer in [
            self.retry_timer.take(),
            self.idle_timer.take(),
            self.open_timer.take(),
        ]
        .into_iter()
        .flatten()
        {
            self.host.clear_timeout(timer);
        }
    }

    /// Streams `target` from now on (`None`: not known yet), and tells the model.
    fn set_target(&mut self, target: Option<StreamTarget>) {
        self.model.set_target(target.as_ref());
        self.target = target;
    }

    /// Ends the stream for good with `failure`.
    fn fail(&mut self, failure: Failure) {
        self.close();
        self.apply_now(ConnectionEvent::Failed { failure });
    }

    // ---- The connection lifecycle ----

    /// Opens the target's URL, resuming after the last event applied
    /// (unless the page suspended the stream: it reconnects when it can).
    fn connect(&mut self) {
        let Some(url) = self.target.as_ref().map(|t| t.events_url.clone()) else {
            return;
        };
        if let Some(problem) = unstreamable(&url) {
            return self.fail(problem);
        }
        self.generation += 1;
        self.drop_connection();
        if self.suspended.is_none() && self.host.is_offline() {
            self.suspended = Some(PageEvent::Offline);
        }
        if let Some(why) = self.suspended {
            self.model.set_ready_state(ReadyState::Closed);
            return self.apply_now(suspension_event(why));
        }
        self.rules.on_attempt();
        let resume = (!self.resume_from.is_empty()).then_some(self.resume_from.as_str());
        self.replay.on_connect(resume);
        let this = self.this.clone();
        let generation = self.generation;
        let sink: EventSink = Rc::new(move |event: TransportEvent| {
            with_current(&this, Some(generation), |c| c.on_transport_event(event));
        });
        let request = OpenRequest {
            url: &url,
            last_event_id: resume,
            named_events: &self.options.named_events,
            queue: self.pump.queue(),
            max_event_bytes: self.options.max_event_bytes,
        };
        match self.transport.open(request, sink) {
            Ok(connection) => {
                self.model.set_ready_state(connection.ready_state());
                self.connection = Some(connection);
                self.arm_open_timer();
            }
            Err(detail) => self.fail(Failure::new(FailureCode::CannotOpen, [detail])),
        }
    }

    /// Gives the attempt `open_timeout_ms` to open, if that is set.
    fn arm_open_timer(&mut self) {
        self.clear_open_timer();
        if let Some(ms) = self.options.open_timeout_ms {
            self.open_timer = Some(self.after(ms, Some(self.generation), |controller| {
                controller.open_timer = None;
                controller.give_up_opening();
            }));
        }
    }

    /// The attempt has no open timeout (it opened, or waits in the browser).
    fn clear_open_timer(&mut self) {
        if let Some(timer) = self.open_timer.take() {
            self.host.clear_timeout(timer);
        }
    }

    /// What the current connection reports.
    fn on_transport_event(&mut self, event: TransportEvent) {
        match event {
            // The browser has not sent the request yet: no time counts
            // against the attempt until a connection frees.
            TransportEvent::Queued => {
                // Told a moment after the open: a connection that opened
                // meanwhile (its server speaks HTTP/2) waits for nothing.
                let opened = self.connection.as_ref().map(|c| c.ready_state());
                if opened == Some(ReadyState::Open) {
                    return;
                }
                self.clear_open_timer();
                self.apply_now(ConnectionEvent::Queued);
            }
            TransportEvent::SlotFree => self.arm_open_timer(),
            TransportEvent::Messages { queued } => self.on_messages(queued),
            TransportEvent::Retry(ms) => self.rules.on_retry(ms),
            TransportEvent::Opened => {
                self.clear_open_timer();
                if !self.apply_everything_queued() {
                    return;
                }
                self.outage_diagnosis = None;
                self.arm_idle_timer(self.options.idle_timeout_ms);
                self.model.set_ready_state(ReadyState::Open);
                let after_failed_attempts = match self.rules.on_open() {
                    Some(Notice::Reconnected { attempts }) => attempts,
                    _ => 0,
                };
                self.apply_now(ConnectionEvent::Opened {
                    after_failed_attempts,
                });
            }
            TransportEvent::Ended {
                reconnecting_itself,
            } => {
                if !self.apply_everything_queued() {
                    return;
                }
                if self.options.close_on_first_error {
                    return self.fail(Failure::plain(FailureCode::ConnectionFailed));
                }
                if self.must_not_reconnect() {
                    return self.fail(Failure::plain(FailureCode::NotResumed));
                }
                if self.host.is_offline() {
                    return self.suspend(PageEvent::Offline);
                }
                if reconnecting_itself && self.resume_from.is_empty() && !self.asked_why_idless_end
                {
                    // The browser would start a stream without ids over,
                    // and its answer is hidden: ask once whether it is one
                    // at all (another charset, say) before following it.
                    self.asked_why_idless_end = true;
                    self.drop_connection();
                    return self.diagnose_then(|controller, diagnosis| {
                        if diagnosis.kind == FailureKind::Permanent {
                            return controller.on_failed(diagnosis);
                        }
                        let outcome = controller
                            .rules
                            .on_end(controller.now_ms(), controller.host.random());
                        controller.follow(outcome, false);
                    });
                }
                let outcome = self.rules.on_end(self.now_ms(), self.host.random());
                self.follow(outcome, reconnecting_itself);
            }
            TransportEvent::Failed(diagnosis) => {
                if !self.apply_everything_queued() {
                    return;
                }
                self.drop_connection();
                self.on_failed(diagnosis);
            }
            TransportEvent::Unexplained => {
                if !self.apply_everything_queued() {
                    return;
                }
                self.drop_connection();
                if self.host.is_offline() {
                    return self.suspend(PageEvent::Offline);
                }
                if let Some(diagnosis) = self.outage_diagnosis.clone() {
                    return self.on_failed(diagnosis);
                }
                // Asked once per outage: later failures reuse the answer.
                self.diagnose_then(|controller, diagnosis| {
                    controller.outage_diagnosis = Some(diagnosis.clone());
                    controller.on_failed(diagnosis);
                });
            }
        }
    }

    /// Asks the target's URL with `fetch` why its stream failed or ended
    /// (the one request a transport that hides the answer needs), then
    /// calls `then` with the answer if the stream is still current.
    fn diagnose_then(&self, then: fn(&mut Controller, Diagnosis)) {
        let url = self.target.as_ref().map(|t| t.events_url.clone());
        let this = self.this.clone();
        let generation = self.generation;
        self.host.spawn(Box::pin(async move {
            let diagnosis = match url {
                Some(url) => http::diagnose(&url).await,
                None => Diagnosis::unreachable(),
            };
            with_current(&this, Some(generation), |controller| {
                then(controller, diagnosis)
            });
        }));
    }

    /// An attempt failed for the reason in `diagnosis` (the connection is gone).
    fn on_failed(&mut self, diagnosis: Diagnosis) {
        if self.options.close_on_first_error {
            return self.fail(diagnosis.failure);
        }
        if self.must_not_reconnect() {
            return self.fail(Failure::plain(FailureCode::NotResumed));
        }
        if self.host.is_offline() {
            return self.suspend(PageEvent::Offline);
        }
        let outcome = self
            .rules
            .on_failure(&diagnosis, self.now_ms(), self.host.random());
        self.follow(outcome, false);
    }

    // ---- The page's life and silent connections ----

    /// What the page did.
    fn on_page(&mut self, event: PageEvent) {
        if !self.running {
            return;
        }
        match event {
            PageEvent::Offline | PageEvent::Frozen => self.suspend(event),
            PageEvent::Hidden => {
                if let HiddenTab::PauseAfter(ms) = self.options.hidden_tab {
                    self.hidden_timer = Some(self.after(ms, None, |controller| {
                        controller.hidden_timer = None;
                        if controller.running && controller.host.is_hidden() {
                            controller.suspend(PageEvent::Hidden);
                        }
                    }));
                }
            }
            PageEvent::Online | PageEvent::Restored | PageEvent::Shown => {
                if let Some(timer) = self.hidden_timer.take() {
                    self.host.clear_timeout(timer);
                }
                let resumes = match self.suspended {
                    Some(PageEvent::Offline) => event == PageEvent::Online,
                    Some(PageEvent::Frozen) => event == PageEvent::Restored,
                    Some(PageEvent::Hidden) => event == PageEvent::Shown,
                    _ => false,
                };
                if resumes {
                    self.suspended = None;
                    self.connect();
                }
            }
        }
    }

    /// Closes the connection (after applying what it brought) until the
    /// page lets the stream resume; spends no attempt.
    fn suspend(&mut self, why: PageEvent) {
        self.apply_everything_queued();
        if !self.running {
            return;
        }
        // A task being created or checked (no target yet) goes on: its
        // connect() finds the stream suspended and waits too.
        if self.target.is_some() {
            self.generation += 1;
        }
        self.drop_connection();
        self.suspended = Some(why);
        self.model.set_ready_state(ReadyState::Closed);
        self.apply_now(suspension_event(why));
    }

    /// Checks the connection for silence after `ms`.
    fn arm_idle_timer(&mut self, ms: Option<u32>) {
        let Some(ms) = ms else { return };
        self.idle_timer = Some(self.after(ms, Some(self.generation), |controller| {
            controller.idle_timer = None;
            controller.check_idle();
        }));
    }

    /// Calls `then` on the controller after `delay_ms`, if it is still
    /// current (of `generation`, when given). One closure type for every
    /// timer of the controller.
    fn after(&self, delay_ms: u32, generation: Option<u64>, then: fn(&mut Controller)) -> Timeout {
        let this = self.this.clone();
        let callback = Box::new(move || with_current(&this, generation, then));
        self.host.set_timeout(callback, delay_ms)
    }

    /// The monotonic clock, in ms.
    fn now_ms(&self) -> f64 {
        (self.host.clock())()
    }

    /// A connection silent for the idle timeout is closed and resumed;
    /// otherwise the check comes again when it could be.
    fn check_idle(&mut self) {
        let (Some(timeout), Some(connection)) = (self.options.idle_timeout_ms, &self.connection)
        else {
            return;
        };
        connection.refill();
        let silent_ms = self.now_ms() - connection.last_activity_ms();
        if silent_ms < f64::from(timeout) {
            let left = (f64::from(timeout) - silent_ms).ceil() as u32;
            return self.arm_idle_timer(Some(left.max(1)));
        }
        if !self.apply_everything_queued() {
            return;
        }
        self.drop_connection();
        if self.must_not_reconnect() {
            return self.fail(Failure::plain(FailureCode::NotResumed));
        }
        self.apply_now(ConnectionEvent::Idle { silent_ms: timeout });
        let outcome = self.rules.on_end(self.now_ms(), self.host.random());
        self.follow(outcome, false);
    }

    /// True when the stream brought data and its source does not resume
    /// (`reconnect_after_data` off): another connection would run it again.
    fn must_not_reconnect(&self) -> bool {
        self.had_data && !self.options.reconnect_after_data
    }

    /// An attempt that has not opened within the open timeout is dropped
    /// and counts as a failed one.
    fn give_up_opening(&mut self) {
        let (Some(ms), Some(connection)) = (self.options.open_timeout_ms, &self.connection) else {
            return;
        };
        if connection.ready_state() == ReadyState::Open {
            return;
        }
        self.drop_connection();
        self.on_failed(Diagnosis::no_answer(ms));
    }

    /// Applies every message the connection queued before it changed
    /// state; false when that ended the stream (completion, failure).
    fn apply_everything_queued(&mut self) -> bool {
        if let Some(connection) = &self.connection {
            connection.refill();
        }
        self.drain(f64::INFINITY);
        self.connection.is_some() && self.running
    }

    /// Carries out the rules' decision.
    fn follow(
        &mut self,
        (decision, notice): (Decision, Option<Notice>),
        reconnecting_itself: bool,
    ) {
        match decision {
            Decision::Reconnect {
                delay_ms,
                planned: true,
                empty,
                ..
            } => {
                self.apply_now(ConnectionEvent::Waiting);
                // After an empty end the browser would follow retry: (a
                // storm at retry: 0): the rules' floor is kept instead.
                if reconnecting_itself && !empty {
                    if let Some(timer) = self.idle_timer.take() {
                        self.host.clear_timeout(timer);
                    }
                    self.rules.on_attempt();
                    let resume =
                        (!self.resume_from.is_empty()).then_some(self.resume_from.as_str());
                    self.replay.on_connect(resume);
                    if let Some(connection) = &self.connection {
                        self.model.set_ready_state(connection.ready_state());
                    }
                } else {
                    self.reconnect_after(delay_ms);
                }
            }
            Decision::Reconnect {
                delay_ms, attempt, ..
            } => {
                let outage = match notice {
                    Some(Notice::OutageStarted { failure }) => Some(failure),
                    _ => None,
                };
                self.apply_now(ConnectionEvent::Reconnecting { attempt, outage });
                // Our own backoff, not the browser's fixed delay.
                self.reconnect_after(delay_ms);
            }
            Decision::RefreshCredentials => self.refresh_then_reconnect(),
            Decision::Fail { failure } => self.fail(failure),
        }
    }

    /// Closes the connection and opens a new one after `delay_ms`, resuming
    /// after the last event applied.
    fn reconnect_after(&mut self, delay_ms: u32) {
        self.drop_connection();
        self.model.set_ready_state(ReadyState::Connecting);
        self.retry_timer = Some(self.after(delay_ms, Some(self.generation), |controller| {
            controller.retry_timer = None;
            controller.connect();
        }));
    }

    /// A 401 / 403: the user's hook refreshes the credentials, then the
    /// attempt is made again at once.
    fn refresh_then_reconnect(&mut self) {
        // The rules ask for a refresh only when there is a hook.
        let Some(refresh) = self.options.transport.on_unauthorized() else {
            return self.fail(Failure::new(
                FailureCode::Unauthorized,
                ["401 / 403".into()],
            ));
        };
        self.drop_connection();
        self.model.set_ready_state(ReadyState::Connecting);
        self.apply_now(ConnectionEvent::NewCredentials);
        let this = self.this.clone();
        let generation = self.generation;
        self.host.spawn(Box::pin(async move {
            refresh().await;
            with_current(&this, Some(generation), Controller::connect);
        }));
    }

    // ---- Applying messages ----

    /// The connection holds `queued` messages: move them to the queue now
    /// when that is [`TAKE_EVERY`] or more, and apply them soon, or now when
    /// a connection that cannot be held back left too many waiting.
    fn on_messages(&mut self, queued: u32) {
        let moved = queued >= TAKE_EVERY
            && self
                .connection
                .as_ref()
                .is_some_and(|connection| connection.refill());
        if moved && self.pump.overflowing() {
            self.drain(f64::INFINITY);
        } else {
            self.schedule_drain();
        }
    }

    /// Applies queued messages in a later task, so that the browser's
    /// dispatch of a network chunk stays cheap.
    fn schedule_drain(&mut self) {
        if !self.pump.claim_drain() {
            return;
        }
        let this = self.this.clone();
        self.host.in_next_task(Box::new(move || {
            with_current(&this, None, |controller| {
                controller.pump.drain_started();
                controller.drain(APPLY_SLICE_MS);
            });
        }));
    }

    /// Applies queued messages for up to `budget_ms`, then schedules the rest.
    fn drain(&mut self, budget_ms: f64) {
        let Self {
            host,
            pump,
            connection,
            model,
            running,
            resume_from,
            scratch,
            replay,
            rules,
            options,
            ..
        } = self;
        let mut changed = false;
        let mut too_large = false;
        let mut started_over = false;
        let refill = || {
            if let Some(connection) = connection.as_ref() {
                connection.refill();
            }
        };
        let mut applying = Applying {
            model: model.as_mut(),
            host: host.as_ref(),
            running,
            resume_from,
            scratch,
            replay,
            rules,
            started_over: &mut started_over,
        };
        let max_event_bytes = options.max_event_bytes;
        let drained = pump.drain(budget_ms, refill, |raw| {
            if raw.data.len() > max_event_bytes {
                too_large = true;
                return Directive::Close;
            }
            let directive = applying.message(raw);
            changed |= directive != Directive::Ignored;
            directive
        });
        if started_over {
            return self.fail(Failure::plain(FailureCode::StartedOver));
        }
        if too_large {
            let limit = self.options.max_event_bytes.to_string();
            return self.fail(Failure::new(FailureCode::TooLarge, [limit]));
        }
        if changed {
            self.had_data = true;
            self.schedule_show();
        }
        match drained {
            Drained::Closed => {
                self.close();
                self.show();
            }
            Drained::More => self.schedule_drain(),
            // A slow stream: show it now rather than at the next frame.
            Drained::Empty if self.pump.show_now() => self.show(),
            Drained::Empty => {}
        }
    }

    /// Applies `event` without showing it; the show comes later.
    fn apply_later(&mut self, event: ConnectionEvent) {
        let directive = self.model.apply(event, self.host.wall_clock_ms());
        match directive {
            Directive::Close => self.running = false,
            Directive::Continue => self.running = true,
            Directive::Ignored => return,
        }
        self.schedule_show();
    }

    /// Applies `event` and shows it at once.
    fn apply_now(&mut self, event: ConnectionEvent) {
        self.apply_later(event);
        self.show();
    }

    /// Shows the model at the pump's pace.
    fn schedule_show(&mut self) {
        if !self.pump.want_show() {
            return;
        }
        let this = self.this.clone();
        let show = move || {
            with_current(&this, None, |controller| {
                if controller.pump.show_pending() {
                    controller.show();
                }
            });
        };
        // The timer's handle is not kept: a show that finds nothing
        // pending does nothing.
        let _ = match self.pump.pace() {
            Pace::EveryFrame => {
                self.host.before_repaint(Box::new(show.clone()));
                self.host.set_timeout(Box::new(show), HIDDEN_SHOW_MS)
            }
            Pace::AtMostEvery(ms) => self.host.set_timeout(Box::new(show), ms),
        };
    }

    fn show(&mut self) {
        self.pump.shown();
        self.model.show();
    }
}

/// What applying one message touches.
struct Applying<'a> {
    model: &'a mut dyn StreamModel,
    /// Its wall clock stamps each line.
    host: &'a dyn Host,
    running: &'a mut bool,
    resume_from: &'a mut String,
    scratch: &'a mut String,
    replay: &'a mut ReplayFilter,
    rules: &'a mut ConnectionRules,
    /// Set when a resumed connection started the job over.
    started_over: &'a mut bool,
}

impl Applying<'_> {
    /// Applies one message: a replay is dropped; a heartbeat only shows the
    /// connection is alive; an id without data and every message kept move
    /// the resume point to their id (WHATWG's last event ID: `scratch`
    /// holds it while the model takes the message, whose id moves to its
    /// log line); a message that ends the stream stops it running.
    fn message(&mut self, raw: RawMessage) -> Directive {
        if is_id_only(&raw) {
            *self.resume_from = raw.last_event_id;
            return Directive::Ignored;
        }
        if raw.event_type == EVENT_HEARTBEAT {
            return Directive::Ignored;
        }
        match self.replay.arrival(&raw.last_event_id) {
            Arrival::New => {}
            Arrival::Replay => return Directive::Ignored,
            Arrival::StartedOver => {
                *self.started_over = true;
                return Directive::Close;
            }
        }
        self.rules.on_message();
        let moves = raw.last_event_id != *self.resume_from;
        if moves {
            self.scratch.clear();
            self.scratch.push_str(&raw.last_event_id);
        }
        let event = if raw.event_type == EVENT_HISTORY_LOST {
            // What follows is the server's history now: none of it is a replay.
            self.replay.on_connect(None);
            ConnectionEvent::HistoryLost {
                missing: missing_count(&raw.data),
            }
        } else {
            ConnectionEvent::Message(raw)
        };
        let directive = self.model.apply(event, self.host.wall_clock_ms());
        if directive == Directive::Close {
            *self.running = false;
        }
        if moves {
            std::mem::swap(self.resume_from, self.scratch);
        }
        directive
    }
}

/// The `missing` count of a `history-lost` event's data
/// (`sse_task_protocol::HistoryLost`), read without a JSON deserializer,
/// which weighed more in the element's wasm than the rest of the rule.
fn missing_count(data: &str) -> Option<u64> {
    let (_, after) = data.split_once("\"missing\"")?;
    let digits = after.trim_start().strip_prefix(':')?.trim_start();
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// The event that says why the page suspended the stream.
fn suspension_event(why: PageEvent) -> ConnectionEvent {
    match why {
        PageEvent::Offline => ConnectionEvent::Offline,
        _ => ConnectionEvent::Paused,
    }
}

/// Why reattaching to task `id` failed.
fn attach_failure(id: &str, error: &HttpError) -> Failure {
    match error {
        HttpError::Status { status: 404, .. } => {
            Failure::new(FailureCode::TaskUnknown, [id.to_owned()])
        }
        HttpError::Status { status: 410, .. } => {
            Failure::new(FailureCode::TaskRemoved, [id.to_owned()])
        }
        other => other.failure().during(During::Attaching(id.to_owned())),
    }
}

/// Fresh connection rules for `options`.
fn rules_for(options: &UseTaskStreamOptions) -> ConnectionRules {
    ConnectionRules::new(
        options.reconnect,
        options.transport.on_unauthorized().is_some(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_lost_event_says_how_many_events_are_gone_when_it_knows() {
        let lost = |missing| sse_task_protocol::HistoryLost {
            missing,
            message: "\"missing\": 7 in the words".into(),
        };
        assert_eq!(missing_count(&lost(Some(40)).to_json()), Some(40));
        assert_eq!(missing_count(&lost(None).to_json()), None);
        assert_eq!(missing_count("{\"missing\" : 12}"), Some(12));
        assert_eq!(missing_count("not json"), None);
    }

    #[test]
    fn a_failed_reattach_says_whether_the_task_is_unknown_or_removed() {
        let status = |status: u16| HttpError::Status {
            status,
            message: "x".into(),
        };
        let says = |error: &HttpError| attach_failure("abc", error).english();
        assert_eq!(
            says(&status(404)),
            "task abc is not on the server; start a new one"
        );
        assert_eq!(
            says(&status(410)),
            "task abc was removed from the server (its events expired); start a new one"
        );
        assert!(says(&HttpError::Network("down".into()))
            .starts_with("could not reattach to task abc: cannot reach the server"));
        assert_eq!(
            says(&status(500)),
            "could not reattach to task abc: the server answered 500: x"
        );
    }
}
