//! The controller natively: a fake host (a clock the test moves, timers,
//! later tasks, frames, the page's life) over a fake server whose one
//! connection the test drives, and a view that keeps what it was last
//! shown: the status, the bar's value and the log's lines.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use super::browser::Timeout;
use super::controller::{Controller, Shared};
use super::diagnosis::Diagnosis;
use super::host::{Host, Later, Spawned};
use super::model::TaskModel;
use super::options::UseTaskStreamOptions;
use super::page_life::PageEvent;
use super::pump::{MessageQueue, Pace};
use super::rules::ReconnectPolicy;
use super::stream_view::StreamView;
use super::target::StreamTarget;
use super::transport::{Connection, EventSink, OpenRequest, StreamTransport, TransportEvent};
use crate::state::{ReadyState, TaskLog, TaskMeta, TaskStatus};
use crate::wire::RawMessage;
use crate::words::{Failure, FailureCode};

thread_local! {
    /// The fake monotonic clock, in ms (each test runs on its own thread).
    static NOW: Cell<f64> = const { Cell::new(0.0) };
}

fn now() -> f64 {
    NOW.with(Cell::get)
}

/// Where the page's life is told, while the stream listens.
type PageWatcher = Rc<RefCell<Option<Box<dyn Fn(PageEvent)>>>>;

/// One connection the controller opened: what it asked for, and where the
/// server's side of it reports.
struct Opened {
    last_event_id: Option<String>,
    queue: MessageQueue,
    sink: EventSink,
    last_activity_ms: Rc<Cell<f64>>,
    /// False once the controller dropped it.
    alive: Rc<Cell<bool>>,
}

/// The page, the clock and the server, as the controller sees them.
#[derive(Default)]
struct FakeHost {
    timers: RefCell<Vec<(f64, i32, Later)>>,
    next_timer: Cell<i32>,
    tasks: RefCell<VecDeque<Later>>,
    frames: RefCell<Vec<Later>>,
    offline: Cell<bool>,
    page: PageWatcher,
    connections: Rc<RefCell<Vec<Opened>>>,
}

impl Host for FakeHost {
    fn clock(&self) -> fn() -> f64 {
        now
    }

    fn wall_clock_ms(&self) -> f64 {
        now()
    }

    fn random(&self) -> f64 {
        0.5
    }

    fn set_timeout(&self, callback: Later, delay_ms: u32) -> Timeout {
        let id = self.next_timer.get() + 1;
        self.next_timer.set(id);
        let due = now() + f64::from(delay_ms);
        self.timers.borrow_mut().push((due, id, callback));
        Timeout(id)
    }

    fn clear_timeout(&self, timer: Timeout) {
        self.timers.borrow_mut().retain(|(_, id, _)| *id != timer.0);
    }

    fn in_next_task(&self, callback: Later) {
        self.tasks.borrow_mut().push_back(callback);
    }

    fn before_repaint(&self, callback: Later) {
        self.frames.borrow_mut().push(callback);
    }

    fn spawn(&self, _work: Spawned) {
        panic!("these tests make no request");
    }

    fn is_offline(&self) -> bool {
        self.offline.get()
    }

    fn is_hidden(&self) -> bool {
        false
    }

    fn watch_page(&self, on_event: Box<dyn Fn(PageEvent)>) -> Box<dyn Any> {
        *self.page.borrow_mut() = Some(on_event);
        struct Unwatch(PageWatcher);
        impl Drop for Unwatch {
            fn drop(&mut self) {
                self.0.borrow_mut().take();
            }
        }
        Box::new(Unwatch(self.page.clone()))
    }

    fn transport(&self, _options: &UseTaskStreamOptions) -> Box<dyn StreamTransport> {
        Box::new(FakeTransport(self.connections.clone()))
    }
}

/// Opens connections on the fake server, keeping each for the test.
struct FakeTransport(Rc<RefCell<Vec<Opened>>>);

impl StreamTransport for FakeTransport {
    fn open(
        &self,
        request: OpenRequest<'_>,
        sink: EventSink,
    ) -> Result<Box<dyn Connection>, String> {
        let connection = FakeConnection {
            last_activity_ms: Rc::new(Cell::new(now())),
            alive: Rc::new(Cell::new(true)),
        };
        self.0.borrow_mut().push(Opened {
            last_event_id: request.last_event_id.map(str::to_owned),
            queue: request.queue.clone(),
            sink,
            last_activity_ms: connection.last_activity_ms.clone(),
            alive: connection.alive.clone(),
        });
        Ok(Box::new(connection))
    }
}

struct FakeConnection {
    last_activity_ms: Rc<Cell<f64>>,
    alive: Rc<Cell<bool>>,
}

impl Connection for FakeConnection {
    fn refill(&self) -> bool {
        false
    }

    fn ready_state(&self) -> ReadyState {
        ReadyState::Connecting
    }

    fn last_activity_ms(&self) -> f64 {
        self.last_activity_ms.get()
    }
}

impl Drop for FakeConnection {
    fn drop(&mut self) {
        self.alive.set(false);
    }
}

/// What the page shows, as of the last show.
#[derive(Default)]
struct Shown {
    status: TaskStatus,
    progress: f64,
    lines: Vec<String>,
}

/// A view that keeps the log and the state, and copies them out on show.
struct FakeView {
    log: TaskLog,
    meta: TaskMeta,
    shown: Rc<RefCell<Shown>>,
}

impl StreamView for FakeView {
    fn update(&mut self, change: &mut dyn FnMut(&mut TaskLog, &mut TaskMeta)) {
        change(&mut self.log, &mut self.meta);
    }

    fn show(&mut self) {
        *self.shown.borrow_mut() = Shown {
            status: self.meta.status.clone(),
            progress: self.meta.progress,
            lines: self.log.lines().map(|line| line.text.clone()).collect(),
        };
    }

    fn set_ready_state(&mut self, _state: ReadyState) {}

    fn set_target(&mut self, _target: Option<&StreamTarget>) {}
}

/// One stream on the fake host.
struct Test {
    host: Rc<FakeHost>,
    controller: Shared,
    shown: Rc<RefCell<Shown>>,
}

impl Test {
    fn new(options: UseTaskStreamOptions) -> Self {
        let host = Rc::new(FakeHost::default());
        let shown = Rc::new(RefCell::new(Shown::default()));
        let view = FakeView {
            log: TaskLog::default(),
            meta: TaskMeta::default(),
            shown: shown.clone(),
        };
        let model = Box::new(TaskModel::new(Box::new(view)));
        let controller = Controller::new(
            options,
            model,
            Pace::EveryFrame,
            host.clone() as Rc<dyn Host>,
        );
        Self {
            host,
            controller,
            shown,
        }
    }

    fn start(&self) {
        let target = StreamTarget::url("/progress".to_owned());
        self.controller.borrow_mut().start_url(target);
        self.settle();
    }

    /// The connection opened last.
    fn latest(&self) -> (Option<String>, bool) {
        let connections = self.host.connections.borrow();
        let last = connections.last().expect("a connection was opened");
        (last.last_event_id.clone(), last.alive.get())
    }

    fn connections(&self) -> usize {
        self.host.connections.borrow().len()
    }

    /// The server's side of the latest connection reports `event`.
    fn report(&self, event: TransportEvent) {
        let sink = {
            let connections = self.host.connections.borrow();
            connections.last().expect("opened").sink.clone()
        };
        sink(event);
        self.settle();
    }

    /// The server answers with a stream.
    fn open(&self) {
        self.report(TransportEvent::Opened);
    }

    /// The server sends these `(id, data)` messages.
    fn send(&self, messages: &[(&str, &str)]) {
        {
            let connections = self.host.connections.borrow();
            let latest = connections.last().expect("opened");
            let mut queue = latest.queue.borrow_mut();
            for (id, data) in messages {
                queue.push_back(RawMessage::message(*data, *id));
            }
            latest.last_activity_ms.set(now());
        }
        let queued = u32::try_from(messages.len()).unwrap_or(u32::MAX);
        self.report(TransportEvent::Messages { queued });
    }

    /// The page does `event`.
    fn page(&self, event: PageEvent) {
        self.host.offline.set(event == PageEvent::Offline);
        if let Some(on_event) = &*self.host.page.borrow() {
            on_event(event);
        }
        self.settle();
    }

    /// Runs the later tasks, then the timers due within `ms`, in order.
    fn wait(&self, ms: f64) {
        let until = now() + ms;
        loop {
            self.settle();
            let next = {
                let mut timers = self.host.timers.borrow_mut();
                let due = timers
                    .iter()
                    .enumerate()
                    .filter(|(_, (due, _, _))| *due <= until)
                    .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0).then(a.1 .1.cmp(&b.1 .1)))
                    .map(|(at, _)| at);
                due.map(|at| timers.remove(at))
            };
            let Some((due, _, callback)) = next else {
                break;
            };
            NOW.with(|clock| clock.set(clock.get().max(due)));
            callback();
        }
        NOW.with(|clock| clock.set(until));
        self.settle();
    }

    /// Runs every later task (the drains), then lets a frame pass (the
    /// shows waiting for it).
    fn settle(&self) {
        loop {
            let task = self.host.tasks.borrow_mut().pop_front();
            match task {
                Some(task) => task(),
                None => break,
            }
        }
        let frames = std::mem::take(&mut *self.host.frames.borrow_mut());
        for frame in frames {
            frame();
        }
    }

    fn status(&self) -> TaskStatus {
        self.shown.borrow().status.clone()
    }

    fn progress(&self) -> f64 {
        self.shown.borrow().progress
    }

    fn lines(&self) -> Vec<String> {
        self.shown.borrow().lines.clone()
    }
}

fn progress(step: u32) -> String {
    format!("{{\"message\":\"step {step}\",\"progress\":{}}}", step * 10)
}

fn policy() -> ReconnectPolicy {
    ReconnectPolicy {
        max_attempts: 3,
        initial_delay_ms: 1000,
        max_delay_ms: 30_000,
        max_outage_ms: 300_000,
        default_retry_ms: 3000,
        empty_end_delay_ms: 1000,
    }
}

fn options() -> UseTaskStreamOptions {
    UseTaskStreamOptions::default()
        .share_across_tabs(false)
        .reconnect(policy())
}

/// The log's lines of the task's own steps.
fn steps(test: &Test) -> Vec<String> {
    let lines = test.lines();
    lines
        .into_iter()
        .filter(|line| line.starts_with("step"))
        .collect()
}

fn ended() -> TransportEvent {
    TransportEvent::Ended {
        reconnecting_itself: false,
    }
}

#[test]
fn a_planned_end_resumes_after_the_last_event_and_a_replay_shows_once() {
    let test = Test::new(options());
    test.start();
    assert_eq!(test.latest(), (None, true));
    test.open();
    test.send(&[
        ("1", &progress(1)),
        ("2", &progress(2)),
        ("3", &progress(3)),
    ]);
    assert_eq!((test.status(), test.progress()), (TaskStatus::Open, 30.0));
    test.report(ended());
    assert_eq!(test.status(), TaskStatus::Waiting);
    test.wait(3000.0);
    assert_eq!(test.latest(), (Some("3".to_owned()), true));
    test.open();
    // The server resumes a little early: 2 and 3 again, then 4.
    test.send(&[
        ("2", &progress(2)),
        ("3", &progress(3)),
        ("4", &progress(4)),
        ("CLOSE", r#"{"message":"done","progress":100}"#),
    ]);
    assert_eq!(
        (test.status(), test.progress()),
        (TaskStatus::Completed, 100.0)
    );
    assert_eq!(steps(&test), ["step 1", "step 2", "step 3", "step 4"]);
    assert!(!test.latest().1, "the connection is closed");
    test.wait(60_000.0);
    assert_eq!(test.connections(), 2, "no attempt after the end");
}

#[test]
fn a_server_that_starts_the_job_over_on_a_resumed_connection_is_not_reconnected() {
    let test = Test::new(options());
    test.start();
    test.open();
    test.send(&[
        ("1", &progress(1)),
        ("2", &progress(2)),
        ("3", &progress(3)),
    ]);
    test.report(ended());
    test.wait(3000.0);
    assert_eq!(test.latest(), (Some("3".to_owned()), true));
    test.open();
    // A script that ignores Last-Event-ID: its job runs again from 1.
    test.send(&[("1", &progress(1)), ("2", &progress(2))]);
    assert_eq!(
        test.status(),
        TaskStatus::Failed {
            failure: Failure::plain(FailureCode::StartedOver)
        }
    );
    assert_eq!(steps(&test), ["step 1", "step 2", "step 3"]);
    assert!(!test.latest().1, "the connection is closed");
    test.wait(600_000.0);
    assert_eq!(test.connections(), 2, "the job ran twice, not more");
}

#[test]
fn a_source_that_does_not_resume_is_not_reconnected_after_data() {
    let test = Test::new(options().reconnect_after_data(false));
    test.start();
    test.open();
    test.send(&[("1", &progress(1))]);
    test.report(ended());
    assert_eq!(
        test.status(),
        TaskStatus::Failed {
            failure: Failure::plain(FailureCode::NotResumed)
        }
    );
    test.wait(600_000.0);
    assert_eq!(test.connections(), 1);
}

#[test]
fn a_silent_connection_is_closed_after_the_idle_timeout_and_resumed() {
    let test = Test::new(options().idle_timeout_ms(Some(10_000)));
    test.start();
    test.open();
    test.send(&[("1", &progress(1))]);
    test.wait(6000.0);
    test.send(&[("2", &progress(2))]);
    test.wait(6000.0);
    assert!(test.latest().1, "silent for 6 s of 10: kept");
    test.wait(4000.0);
    assert!(!test.latest().1, "silent for 10 s: closed");
    test.wait(30_000.0);
    assert_eq!(test.connections(), 2);
    assert_eq!(test.latest(), (Some("2".to_owned()), true));
}

#[test]
fn failed_attempts_back_off_and_give_up_with_the_reason() {
    let test = Test::new(options());
    test.start();
    let unavailable = || {
        TransportEvent::Failed(Diagnosis::transient(Failure::new(
            FailureCode::HttpStatus,
            ["503".into()],
        )))
    };
    test.report(unavailable());
    assert_eq!(test.status(), TaskStatus::Reconnecting { attempt: 1 });
    // Full jitter at 0.5: the first retry waits 500 ms, the next 1000 ms.
    test.wait(499.0);
    assert_eq!(test.connections(), 1);
    test.wait(1.0);
    assert_eq!(test.connections(), 2);
    test.report(unavailable());
    assert_eq!(test.status(), TaskStatus::Reconnecting { attempt: 2 });
    test.wait(1000.0);
    assert_eq!(test.connections(), 3);
    test.report(unavailable());
    test.wait(2000.0);
    assert_eq!(test.connections(), 4, "the third retry");
    test.report(unavailable());
    assert_eq!(
        test.status().label(),
        "Failed: the server answered 503 (gave up after 3 attempts)"
    );
    test.wait(60_000.0);
    assert_eq!(test.connections(), 4, "no attempt after giving up");
}

#[test]
fn offline_waits_for_the_network_without_spending_attempts_and_resumes() {
    let test = Test::new(options());
    test.start();
    test.open();
    test.send(&[("1", &progress(1))]);
    test.page(PageEvent::Offline);
    assert_eq!(test.status(), TaskStatus::Offline);
    assert!(!test.latest().1);
    test.wait(600_000.0);
    assert_eq!(test.connections(), 1, "no attempt while offline");
    test.page(PageEvent::Online);
    assert_eq!(test.latest(), (Some("1".to_owned()), true));
    test.open();
    test.send(&[("2", &progress(2))]);
    assert_eq!(test.status(), TaskStatus::Open);
    assert_eq!(steps(&test), ["step 1", "step 2"]);
}

#[test]
fn stop_closes_at_once_and_nothing_the_old_connection_says_is_shown() {
    let test = Test::new(options());
    test.start();
    test.open();
    test.send(&[("1", &progress(1))]);
    test.controller.borrow_mut().stop();
    test.settle();
    assert_eq!(test.status(), TaskStatus::Stopped { cancelled: false });
    assert!(!test.latest().1);
    test.send(&[("2", &progress(2))]);
    test.report(ended());
    test.wait(60_000.0);
    assert_eq!(test.status(), TaskStatus::Stopped { cancelled: false });
    assert_eq!(steps(&test), ["step 1"]);
    assert_eq!(test.connections(), 1);
}

#[test]
fn an_attempt_that_never_opens_is_given_up_after_the_open_timeout_and_retried() {
    let test = Test::new(options().open_timeout_ms(Some(5000)).idle_timeout_ms(None));
    test.start();
    test.wait(4999.0);
    assert!(test.latest().1, "not open after 4999 ms of 5000: kept");
    assert_eq!(test.status(), TaskStatus::Connecting);
    test.wait(1.0);
    assert!(!test.latest().1, "not open after 5 s: given up");
    assert_eq!(test.status(), TaskStatus::Reconnecting { attempt: 1 });
    test.wait(500.0);
    assert_eq!(test.connections(), 2, "retried by the policy");
    // An attempt that opens is never given up, however long it runs.
    test.open();
    test.wait(60_000.0);
    assert!(test.latest().1);
    assert_eq!(test.connections(), 2);
}

#[test]
fn a_queued_attempt_has_no_open_timeout_until_a_connection_to_its_server_frees() {
    let test = Test::new(options().open_timeout_ms(Some(10_000)));
    test.start();
    test.report(TransportEvent::Queued);
    assert_eq!(test.status(), TaskStatus::Queued);
    test.wait(60_000.0);
    assert_eq!(
        test.connections(),
        1,
        "no timeout while the browser holds the request"
    );
    test.report(TransportEvent::SlotFree);
    test.wait(9_000.0);
    assert_eq!(test.connections(), 1, "the attempt has its 10 s from now");
    test.wait(2_000.0);
    assert_eq!(
        test.connections(),
        2,
        "given up 10 s after a connection freed, and tried again"
    );
}
