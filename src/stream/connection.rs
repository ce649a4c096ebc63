//! The connection lifecycle of the controller: opening a connection with
//! the transport, and what happens when it opens, ends or fails, decided by
//! the pure [`crate::task::ConnectionRules`] the same way for every transport.

use super::browser::{set_timeout, spawn_local};
use super::clock::now_ms;
use super::controller::{with_current, Controller};
use super::stream_view::read_meta;
use super::transport::{EventSink, OpenRequest, TransportEvent};
use crate::task::{ConnectionEvent, Decision, Notice, ReadyState};

impl Controller {
    /// Opens the stream's URL, resuming after `last_event_id` when given.
    pub(super) fn connect(&mut self, last_event_id: Option<String>) {
        let Some(url) = self.target.as_ref().map(|t| t.events_url.clone()) else {
            return;
        };
        self.generation += 1;
        self.connection = None;
        self.rules.on_attempt();
        let sink: EventSink = std::rc::Rc::new(self.callback(Controller::on_transport_event));
        let request = OpenRequest {
            url: &url,
            last_event_id: last_event_id.as_deref(),
            named_events: &self.options.named_events,
        };
        match self.transport.open(request, sink) {
            Ok(connection) => {
                self.view.set_ready_state(connection.ready_state());
                self.connection = Some(connection);
            }
            Err(detail) => self.fail(format!("cannot open {url}: {detail}")),
        }
    }

    /// What the current connection reports.
    fn on_transport_event(&mut self, event: TransportEvent) {
        match event {
            TransportEvent::Messages { queued } => self.on_messages(queued),
            TransportEvent::Retry(ms) => self.rules.on_retry(ms),
            TransportEvent::Opened => {
                if !self.apply_everything_queued() {
                    return;
                }
                self.view.set_ready_state(ReadyState::Open);
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
                    return self.fail("the connection failed".into());
                }
                let outcome = self.rules.on_end(now_ms(), js_sys::Math::random());
                self.follow(outcome, reconnecting_itself);
            }
            TransportEvent::Failed(diagnosis) => {
                if !self.apply_everything_queued() {
                    return;
                }
                self.connection = None;
                if self.options.close_on_first_error {
                    return self.fail(diagnosis.reason);
                }
                let outcome = self
                    .rules
                    .on_failure(&diagnosis, now_ms(), js_sys::Math::random());
                self.follow(outcome, false);
            }
        }
    }

    /// Applies every message the connection queued before it changed
    /// state; false when that ended the stream (completion, failure).
    fn apply_everything_queued(&mut self) -> bool {
        self.take_messages();
        self.drain(f64::INFINITY);
        self.connection.is_some() && self.is_running()
    }

    fn is_running(&mut self) -> bool {
        read_meta(self.view.as_mut(), |meta| !meta.status.is_terminal()).unwrap_or(false)
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
                ..
            } => {
                self.apply_now(ConnectionEvent::Waiting);
                if reconnecting_itself {
                    if let Some(connection) = &self.connection {
                        self.view.set_ready_state(connection.ready_state());
                    }
                } else {
                    self.reconnect_after(delay_ms);
                }
            }
            Decision::Reconnect {
                delay_ms, attempt, ..
            } => {
                let outage_reason = match notice {
                    Some(Notice::OutageStarted { reason }) => Some(reason),
                    _ => None,
                };
                self.apply_now(ConnectionEvent::Reconnecting {
                    attempt,
                    outage_reason,
                });
                // Our own backoff, not the browser's fixed delay.
                self.reconnect_after(delay_ms);
            }
            Decision::RefreshCredentials => self.refresh_then_reconnect(),
            Decision::Fail { reason } => self.fail(reason),
        }
    }

    /// Closes the connection and opens a new one after `delay_ms`, resuming
    /// after the last event applied.
    fn reconnect_after(&mut self, delay_ms: u32) {
        self.connection = None;
        self.view.set_ready_state(ReadyState::Connecting);
        let this = self.this.clone();
        let generation = self.generation;
        self.retry_timer = set_timeout(
            move || {
                with_current(&this, Some(generation), |controller| {
                    controller.retry_timer = None;
                    let resume = controller.last_event_id();
                    controller.connect(resume);
                });
            },
            delay_ms,
        );
    }

    /// A 401 / 403: the user's hook refreshes the credentials, then the
    /// attempt is made again at once.
    fn refresh_then_reconnect(&mut self) {
        // The rules ask for a refresh only when there is a hook.
        let Some(refresh) = self.options.transport.on_unauthorized() else {
            return self.fail("the server refused the credentials".into());
        };
        self.connection = None;
        self.view.set_ready_state(ReadyState::Connecting);
        let this = self.this.clone();
        let generation = self.generation;
        spawn_local(async move {
            refresh().await;
            with_current(&this, Some(generation), |controller| {
                let resume = controller.last_event_id();
                controller.connect(resume);
            });
        });
    }

    /// The id of the last event applied, to resume after.
    fn last_event_id(&mut self) -> Option<String> {
        read_meta(self.view.as_mut(), |meta| meta.last_event_id.clone()).flatten()
    }
}
