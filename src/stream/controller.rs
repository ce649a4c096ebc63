//! The hook's controller: the state one stream shares between its
//! connection lifecycle (`connection.rs`) and its message pump (`pump.rs`),
//! and the one place that checks whether a callback is still current.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use sse_task_protocol::CreateTaskRequest;

use super::browser::{spawn_local, warn, Timeout};
use super::http;
use super::options::UseTaskStreamOptions;
use super::stream_view::{read_meta, StreamView};
use super::transport::{Connection, EventSourceTransport, FetchTransport, StreamTransport};
use super::{StreamTarget, Transport};
use crate::task::{is_task_id, ConnectionEvent, ConnectionRules, RawMessage, ReadyState, TaskLog};

/// Shared handle to a controller.
pub type Shared = Rc<RefCell<Controller>>;

/// One stream's state. Its methods live in `connection.rs` (opening,
/// ending, retrying, stopping) and `pump.rs` (applying messages).
pub struct Controller {
    pub(super) options: UseTaskStreamOptions,
    /// Where the log and state live, and how they are shown.
    pub(super) view: Box<dyn StreamView>,
    /// What is being streamed; its `events_url` is what connections open.
    pub(super) target: Option<StreamTarget>,
    pub(super) transport: Box<dyn StreamTransport>,
    pub(super) connection: Option<Box<dyn Connection>>,
    pub(super) rules: ConnectionRules,
    /// Incremented by every start, stop and connection: callbacks of an
    /// older one are ignored.
    pub(super) generation: u64,
    pub(super) retry_timer: Option<Timeout>,
    /// Messages taken from the connection but not applied yet.
    pub(super) pending: VecDeque<RawMessage>,
    pub(super) drain_scheduled: bool,
    pub(super) flush_pending: bool,
    /// When the view was last shown (`performance.now()`, ms).
    pub(super) last_flush_ms: f64,
    pub(super) this: Weak<RefCell<Controller>>,
}

/// Runs `f` on the controller behind `this` when it still exists, is not
/// busy (a handler never runs inside another: a failed borrow means the
/// browser re-entered us, and the call is stale), and `generation` (when
/// given) is still current.
pub(super) fn with_current(
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
    /// A controller writing to `view`.
    pub fn new(options: UseTaskStreamOptions, view: Box<dyn StreamView>) -> Shared {
        let transport = transport_for(&options.transport);
        let rules = rules_for(&options);
        Rc::new_cyclic(|this| {
            RefCell::new(Self {
                options,
                view,
                target: None,
                transport,
                connection: None,
                rules,
                generation: 0,
                retry_timer: None,
                pending: VecDeque::new(),
                drain_scheduled: false,
                flush_pending: false,
                last_flush_ms: 0.0,
                this: this.clone(),
            })
        })
    }

    /// A closure that calls `handler` on this controller while the current
    /// generation lasts.
    pub(super) fn callback<T: 'static>(
        &self,
        handler: impl Fn(&mut Controller, T) + 'static,
    ) -> impl Fn(T) + 'static {
        let this = self.this.clone();
        let generation = self.generation;
        move |value: T| with_current(&this, Some(generation), |c| handler(c, value))
    }

    /// Starts streaming `target`, replacing any current stream.
    pub fn start_url(&mut self, target: StreamTarget) {
        self.begin();
        self.set_target(Some(target));
        self.connect(None);
    }

    /// Creates a task on `base`'s task API, then streams it.
    pub fn start_task(&mut self, base: String, request: CreateTaskRequest) {
        self.begin();
        self.set_target(None);
        let this = self.this.clone();
        let generation = self.generation;
        spawn_local(async move {
            let created = http::create_task(&base, &request).await;
            with_current(&this, Some(generation), |controller| match created {
                Ok(task) => {
                    let target = StreamTarget {
                        events_url: format!("{base}{}", task.events_url),
                        cancel_url: Some(format!("{base}{}", task.cancel_url)),
                        status_url: Some(format!("{base}{}", task.status_url)),
                        task_id: Some(task.id),
                    };
                    controller.set_target(Some(target));
                    controller.connect(None);
                }
                Err(error) => controller.fail(format!("could not create the task: {error}")),
            });
        });
    }

    /// Streams task `id` of `base`'s task API from its first event, once
    /// the server confirms it has the task.
    pub fn attach_task(&mut self, base: String, id: String) {
        self.begin();
        self.set_target(None);
        if !is_task_id(&id) {
            self.fail(format!(
                "\"{id}\" is not a task id (1 to 64 letters, digits or dashes)"
            ));
            return;
        }
        let this = self.this.clone();
        let generation = self.generation;
        spawn_local(async move {
            let target = StreamTarget::task(&base, &id);
            let status_url = target.status_url.clone().unwrap_or_default();
            let found = http::check_task(&status_url).await;
            with_current(&this, Some(generation), |controller| match found {
                Ok(()) => {
                    controller.set_target(Some(target));
                    controller.connect(None);
                }
                Err(error) => controller.fail(attach_failure(&id, &error)),
            });
        });
    }

    /// Stops at once: closes the connection, logs "Interrupted", applies
    /// nothing later, and asks the server to cancel the task when it has a
    /// cancel URL.
    pub fn stop(&mut self) {
        let was_active =
            read_meta(self.view.as_mut(), |meta| meta.status.is_active()).unwrap_or(false);
        self.generation += 1;
        self.close();
        if !was_active {
            return;
        }
        self.apply_now(ConnectionEvent::Stopped);
        let cancel_url = self
            .target
            .as_ref()
            .and_then(|target| target.cancel_url.clone())
            .or_else(|| self.options.cancel_url.clone());
        if let Some(url) = cancel_url {
            spawn_local(async move {
                if let Err(error) = http::cancel_task(&url).await {
                    warn(&format!("could not cancel the task on the server: {error}"));
                }
            });
        }
    }

    /// Uses `options` from the next start on.
    pub fn set_options(&mut self, options: UseTaskStreamOptions) {
        self.options = options;
    }

    /// The cancel URL given in the options.
    pub fn cancel_url(&self) -> Option<String> {
        self.options.cancel_url.clone()
    }

    /// Closes everything without touching the log (the component went away).
    pub fn dispose(&mut self) {
        self.generation += 1;
        self.close();
    }

    fn begin(&mut self) {
        self.generation += 1;
        self.close();
        self.transport = transport_for(&self.options.transport);
        self.rules = rules_for(&self.options);
        let capacity = self.options.capacity;
        self.view.update(&mut |log, _| {
            if log.capacity() != capacity {
                *log = TaskLog::with_capacity(capacity);
            }
        });
        self.apply_now(ConnectionEvent::Starting);
    }

    /// Closes the connection, drops what was not applied, cancels a retry.
    pub(super) fn close(&mut self) {
        self.connection = None;
        self.pending.clear();
        if let Some(timer) = self.retry_timer.take() {
            timer.clear();
        }
        self.view.set_ready_state(ReadyState::Closed);
    }

    /// Streams `target` from now on (`None`: not known yet), and tells the view.
    fn set_target(&mut self, target: Option<StreamTarget>) {
        self.view.set_target(target.as_ref());
        self.target = target;
    }

    /// Ends the stream for good with `reason`.
    pub(super) fn fail(&mut self, reason: String) {
        self.close();
        self.apply_now(ConnectionEvent::Failed { reason });
    }
}

/// Why reattaching to task `id` failed, in words for the user.
fn attach_failure(id: &str, error: &http::HttpError) -> String {
    match error {
        http::HttpError::Status { status: 404, .. } => {
            format!("task {id} is not on the server; start a new one")
        }
        http::HttpError::Status { status: 410, .. } => {
            format!("task {id} was removed from the server (its events expired); start a new one")
        }
        other => format!("could not reattach to task {id}: {other}"),
    }
}

/// Fresh connection rules for `options`.
fn rules_for(options: &UseTaskStreamOptions) -> ConnectionRules {
    ConnectionRules::new(
        options.reconnect,
        options.transport.on_unauthorized().is_some(),
    )
}

/// The transport that `transport` names.
fn transport_for(transport: &Transport) -> Box<dyn StreamTransport> {
    match transport {
        Transport::EventSource => Box::new(EventSourceTransport),
        Transport::Fetch(fetch) => Box::new(FetchTransport {
            options: fetch.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_reattach_says_whether_the_task_is_unknown_or_removed() {
        let status = |status: u16| http::HttpError::Status {
            status,
            message: "x".into(),
        };
        assert_eq!(
            attach_failure("abc", &status(404)),
            "task abc is not on the server; start a new one"
        );
        assert_eq!(
            attach_failure("abc", &status(410)),
            "task abc was removed from the server (its events expired); start a new one"
        );
        assert!(
            attach_failure("abc", &http::HttpError::Network("down".into()))
                .starts_with("could not reattach to task abc: cannot reach the server")
        );
    }
}
