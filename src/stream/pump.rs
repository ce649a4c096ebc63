//! The controller's message pump: takes messages from the connection,
//! applies them to the pure state in time-budgeted slices (so a flood never
//! blocks the main thread for long), and coalesces signal updates to one per
//! animation frame in a flood, while a slow stream's lines show at once.

use super::browser::{request_animation_frame, set_timeout, spawn_local};
use super::clock::now_ms;
use super::controller::{with_current, Controller};
use super::transport::yield_now;
use crate::task::{apply, ConnectionEvent, Directive};

/// A queue emptied this long after the last notification is shown at once;
/// sooner, at the next animation frame (a flood renders once per frame).
const EAGER_FLUSH_GAP_MS: f64 = 8.0;
/// Time one slice may spend applying queued messages, in ms.
const SLICE_BUDGET_MS: f64 = 8.0;
/// Queued messages at which the connection's queue is emptied at once (the
/// `EventSource` inbox's strings are young then, so collecting them is cheap).
const TAKE_EVERY: u32 = 1024;
/// Messages taken but not applied, at most; beyond it (an `EventSource`
/// cannot be held back, e.g. in a background tab whose timers are
/// throttled) they are applied at once. Applying 8 192 messages takes about
/// 8 ms; the rest of a flood waits in the browser's buffers, not in ours.
const MAX_PENDING: usize = 8_192;

impl Controller {
    /// The connection holds `queued` messages: take them now when that is
    /// [`TAKE_EVERY`] or more, and apply them soon, or now when too many
    /// wait.
    pub(super) fn on_messages(&mut self, queued: u32) {
        if queued >= TAKE_EVERY {
            self.take_messages();
        }
        if self.pending.len() > MAX_PENDING {
            self.drain(f64::INFINITY);
        } else {
            self.schedule_drain();
        }
    }

    /// Moves the connection's messages to the queue, as many as fit.
    pub(super) fn take_messages(&mut self) {
        if let Some(connection) = self.connection.as_ref() {
            let room = MAX_PENDING.saturating_sub(self.pending.len());
            connection.take(&mut self.pending, room);
        }
    }

    /// Applies queued messages in a later task, so that the browser's
    /// dispatch of a network chunk stays cheap.
    fn schedule_drain(&mut self) {
        if self.drain_scheduled {
            return;
        }
        self.drain_scheduled = true;
        let this = self.this.clone();
        spawn_local(async move {
            yield_now().await;
            with_current(&this, None, |controller| {
                controller.drain_scheduled = false;
                controller.drain(SLICE_BUDGET_MS);
            });
        });
    }

    /// Applies queued messages for up to `budget_ms`, then schedules the rest.
    pub(super) fn drain(&mut self, budget_ms: f64) {
        let deadline = now_ms() + budget_ms;
        let mut applied: u32 = 0;
        loop {
            if self.pending.is_empty() {
                self.take_messages();
            }
            let Some(raw) = self.pending.pop_front() else {
                break;
            };
            if self.apply_later(ConnectionEvent::Message(raw)) == Directive::Close {
                self.close();
                self.flush();
                return;
            }
            applied += 1;
            if applied % 64 == 0 && now_ms() > deadline {
                break;
            }
        }
        if self.pending.is_empty() {
            // The budget may run out just as the queue empties while the
            // connection still holds messages (and waits for room to read more).
            self.take_messages();
        }
        if !self.pending.is_empty() {
            self.schedule_drain();
        } else if self.flush_pending && now_ms() - self.last_flush_ms >= EAGER_FLUSH_GAP_MS {
            // A slow stream: show it now rather than at the next frame.
            self.flush();
        }
    }

    /// Applies `event` to the state without notifying; the notification
    /// comes with the next animation frame.
    pub(super) fn apply_later(&mut self, event: ConnectionEvent) -> Directive {
        let reader = &self.options.reader;
        let now = js_sys::Date::now();
        let mut event = Some(event);
        let mut directive = Directive::Ignored;
        self.view.update(&mut |log, meta| {
            if let Some(event) = event.take() {
                directive = apply(log, meta, event, reader, now);
            }
        });
        if directive != Directive::Ignored {
            self.schedule_flush();
        }
        directive
    }

    /// Applies `event` and notifies at once.
    pub(super) fn apply_now(&mut self, event: ConnectionEvent) {
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
            with_current(&this, None, |controller| {
                if controller.flush_pending {
                    controller.flush();
                }
            });
        };
        request_animation_frame(flush.clone());
        // Hidden tabs get no animation frames; a slow timer keeps them current.
        let _ = set_timeout(flush, 250);
    }

    fn flush(&mut self) {
        self.flush_pending = false;
        self.last_flush_ms = now_ms();
        self.view.show();
    }
}
