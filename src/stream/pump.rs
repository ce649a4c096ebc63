//! The pump: every flow constant of a stream, and the loop that applies
//! queued messages in time-budgeted slices, so that no flood blocks the main
//! thread for long and a flood is shown once per animation frame while a
//! slow stream's lines show at once.
//!
//! One queue holds what arrived and is not applied yet ([`MessageQueue`]):
//! the fetch transport pushes into it and stops reading while it holds
//! [`MAX_QUEUED`] messages or [`MAX_QUEUED_BYTES`]; the `EventSource`
//! transport, which the browser cannot hold back, moves its JS inbox into it
//! when the pump finds it empty, or at once when [`TAKE_EVERY`] messages or
//! [`TAKE_BYTES`] wait in the inbox. Every bound counts bytes as well as
//! messages, so a flood of big events costs what a flood of small ones does.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::state::Directive;
use crate::wire::RawMessage;

/// Messages waiting in the `EventSource`'s JS inbox at which they are moved
/// at once: taken that soon, the event strings die young, which keeps the
/// garbage collector's pauses short (measured: 100 ms pauses at 32 768).
pub(crate) const TAKE_EVERY: u32 = 1024;
/// Bytes of data waiting in the `EventSource`'s JS inbox at which they are
/// moved at once.
pub(crate) const TAKE_BYTES: u32 = 1024 * 1024;
/// Messages queued and not applied, at most: the fetch transport reads no
/// further until there is room; beyond it (an `EventSource` cannot be held
/// back, e.g. in a background tab whose timers are throttled) they are
/// applied at once. Applying 8 192 messages takes about 8 ms; the rest of a
/// flood waits in the browser's buffers, not in ours.
pub(crate) const MAX_QUEUED: usize = 8_192;
/// Bytes of data queued and not applied, at most, likewise.
pub(crate) const MAX_QUEUED_BYTES: usize = 2 * 1024 * 1024;
/// Bytes of a network chunk the fetch transport parses at once.
pub(crate) const READ_PIECE_BYTES: u32 = 256 * 1024;
/// Work the fetch transport's read loop does in one task before it yields, in ms.
pub(crate) const READ_SLICE_MS: f64 = 6.0;
/// Time one slice may spend applying queued messages, in ms.
pub(crate) const APPLY_SLICE_MS: f64 = 8.0;
/// Messages applied between two looks at the clock.
const CLOCK_EVERY: u32 = 64;
/// Bytes of data applied between two looks at the clock, at most.
const CLOCK_EVERY_BYTES: usize = 64 * 1024;
/// A queue emptied this long after the last show is shown at once; sooner,
/// at the next animation frame (a flood renders once per frame).
const EAGER_SHOW_GAP_MS: f64 = 8.0;
/// Hidden tabs get no animation frames: a timer this slow keeps them current.
pub(crate) const HIDDEN_SHOW_MS: u32 = 250;
/// How often the dashboard's table is shown at most, in ms: hundreds of
/// tasks updating at once cost one render per tenth of a second.
#[cfg_attr(not(feature = "leptos"), allow(dead_code))]
pub(crate) const DASHBOARD_SHOW_EVERY_MS: u32 = 100;

/// How often a stream's model is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Pace {
    /// Once per animation frame in a flood, at once for a slow stream.
    #[default]
    EveryFrame,
    /// At most once per this many ms (the dashboard's).
    #[cfg_attr(not(feature = "leptos"), allow(dead_code))]
    AtMostEvery(u32),
}

impl Pace {
    /// A queue emptied this long after the last show is shown at once.
    fn eager_gap_ms(self) -> f64 {
        match self {
            Self::EveryFrame => EAGER_SHOW_GAP_MS,
            Self::AtMostEvery(ms) => f64::from(ms),
        }
    }
}

/// What arrived and is not applied yet, oldest first; shared by the
/// stream's engine and its connection.
pub(crate) type MessageQueue = Rc<RefCell<Queued>>;

/// The queued messages and the bytes of their data.
#[derive(Debug, Default)]
pub(crate) struct Queued {
    messages: VecDeque<RawMessage>,
    bytes: usize,
}

impl Queued {
    /// Queues `message` last.
    pub(crate) fn push_back(&mut self, message: RawMessage) {
        self.bytes += message.data.len();
        self.messages.push_back(message);
    }

    /// Takes the oldest message.
    pub(crate) fn pop_front(&mut self) -> Option<RawMessage> {
        let message = self.messages.pop_front()?;
        self.bytes -= message.data.len();
        Some(message)
    }

    /// Queues `messages` last, in order.
    pub(crate) fn extend(&mut self, messages: impl IntoIterator<Item = RawMessage>) {
        for message in messages {
            self.push_back(message);
        }
    }

    /// Messages queued.
    pub(crate) fn len(&self) -> usize {
        self.messages.len()
    }

    /// True when nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Bytes of data queued.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Drops everything, and the memory it held.
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    /// True when the queue holds as much as it may.
    pub(crate) fn full(&self) -> bool {
        self.len() >= MAX_QUEUED || self.bytes >= MAX_QUEUED_BYTES
    }
}

/// How one [`Pump::drain`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drained {
    /// A message ended the stream.
    Closed,
    /// The budget ran out with messages left: drain again in a later task.
    More,
    /// The queue is empty (see [`Pump::show_now`]).
    Empty,
}

/// The pump's state: the queue, and whether a drain or a show is scheduled.
pub(crate) struct Pump {
    pace: Pace,
    /// The monotonic clock, in ms (`performance.now()` in the page).
    clock: fn() -> f64,
    queue: MessageQueue,
    drain_scheduled: bool,
    show_pending: bool,
    /// When the model was last shown (`performance.now()`, ms).
    last_show_ms: f64,
}

impl Pump {
    /// A pump that shows at `pace`, on `clock` (monotonic, ms).
    pub(crate) fn new(pace: Pace, clock: fn() -> f64) -> Self {
        Self {
            pace,
            clock,
            queue: MessageQueue::default(),
            drain_scheduled: false,
            show_pending: false,
            last_show_ms: 0.0,
        }
    }

    /// How often it shows.
    pub(crate) fn pace(&self) -> Pace {
        self.pace
    }

    /// The queue, for a connection to fill.
    pub(crate) fn queue(&self) -> &MessageQueue {
        &self.queue
    }

    /// Drops every queued message (the connection closed).
    pub(crate) fn clear(&mut self) {
        self.queue.borrow_mut().clear();
    }

    /// True when more than [`MAX_QUEUED`] messages or [`MAX_QUEUED_BYTES`]
    /// wait: apply them at once.
    pub(crate) fn overflowing(&self) -> bool {
        let queue = self.queue.borrow();
        queue.len() > MAX_QUEUED || queue.bytes() > MAX_QUEUED_BYTES
    }

    /// Marks a drain as scheduled; false when one already is.
    pub(crate) fn claim_drain(&mut self) -> bool {
        !std::mem::replace(&mut self.drain_scheduled, true)
    }

    /// The scheduled drain runs now.
    pub(crate) fn drain_started(&mut self) {
        self.drain_scheduled = false;
    }

    /// Marks a show as wanted; true when one must be scheduled.
    pub(crate) fn want_show(&mut self) -> bool {
        !std::mem::replace(&mut self.show_pending, true)
    }

    /// True while a show is wanted and has not happened.
    pub(crate) fn show_pending(&self) -> bool {
        self.show_pending
    }

    /// The model is shown now.
    pub(crate) fn shown(&mut self) {
        self.show_pending = false;
        self.last_show_ms = (self.clock)();
    }

    /// Applies queued messages with `apply` for up to `budget_ms`, calling
    /// `refill` whenever the queue is empty (the connection moves what it
    /// holds). `apply` returns [`Directive::Close`] to end the stream.
    pub(crate) fn drain(
        &mut self,
        budget_ms: f64,
        refill: impl Fn(),
        mut apply: impl FnMut(RawMessage) -> Directive,
    ) -> Drained {
        let deadline = (self.clock)() + budget_ms;
        let mut applied: u32 = 0;
        let mut bytes_since_look = 0;
        loop {
            if self.queue.borrow().is_empty() {
                refill();
            }
            let Some(raw) = self.queue.borrow_mut().pop_front() else {
                break;
            };
            bytes_since_look += raw.data.len();
            if apply(raw) == Directive::Close {
                return Drained::Closed;
            }
            applied += 1;
            if applied % CLOCK_EVERY == 0 || bytes_since_look >= CLOCK_EVERY_BYTES {
                bytes_since_look = 0;
                if (self.clock)() > deadline {
                    break;
                }
            }
        }
        if self.queue.borrow().is_empty() {
            // The budget may run out just as the queue empties while the
            // connection still holds messages.
            refill();
        }
        if self.queue.borrow().is_empty() {
            Drained::Empty
        } else {
            Drained::More
        }
    }

    /// True when a show is wanted and the last one is long enough ago that
    /// this is a slow stream: show it at once rather than at the next frame.
    pub(crate) fn show_now(&self) -> bool {
        self.show_pending && (self.clock)() - self.last_show_ms >= self.pace.eager_gap_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pump() -> Pump {
        Pump::new(Pace::EveryFrame, || 0.0)
    }

    fn queued(pump: &Pump, count: usize) {
        let mut queue = pump.queue().borrow_mut();
        for i in 0..count {
            queue.push_back(RawMessage::message("x", i.to_string()));
        }
    }

    #[test]
    fn a_drain_applies_in_order_refills_when_empty_and_stops_at_a_close() {
        let mut pump = pump();
        queued(&pump, 3);
        let refills = std::cell::Cell::new(0);
        let mut seen = Vec::new();
        let drained = pump.drain(
            f64::INFINITY,
            || refills.set(refills.get() + 1),
            |raw| {
                seen.push(raw.last_event_id.clone());
                Directive::Continue
            },
        );
        assert_eq!(seen, ["0", "1", "2"]);
        assert_eq!(drained, Drained::Empty);
        assert!(refills.get() >= 1, "an empty queue asks the connection");

        queued(&pump, 3);
        let drained = pump.drain(
            f64::INFINITY,
            || {},
            |raw| {
                if raw.last_event_id == "1" {
                    Directive::Close
                } else {
                    Directive::Continue
                }
            },
        );
        assert_eq!(drained, Drained::Closed);
        assert_eq!(
            pump.queue().borrow().len(),
            1,
            "nothing after the close is applied"
        );
        pump.clear();
        assert!(!pump.overflowing());
        queued(&pump, MAX_QUEUED + 1);
        assert!(pump.overflowing());
    }

    thread_local! {
        static NOW: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    }

    #[test]
    fn a_change_long_after_the_last_show_is_shown_at_once_and_a_flood_waits_for_the_frame() {
        let mut pump = Pump::new(Pace::EveryFrame, || NOW.with(|now| now.get()));
        pump.shown();
        NOW.with(|now| now.set(2.0));
        pump.want_show();
        assert!(
            !pump.show_now(),
            "2 ms after a show: the next frame shows it"
        );
        NOW.with(|now| now.set(100.0));
        assert!(pump.show_now(), "a slow stream's line is shown at once");
        let mut dashboard = Pump::new(Pace::AtMostEvery(100), || NOW.with(|now| now.get()));
        dashboard.shown();
        dashboard.want_show();
        NOW.with(|now| now.set(150.0));
        assert!(
            !dashboard.show_now(),
            "the dashboard shows at most every 100 ms"
        );
    }

    thread_local! {
        static LOOKS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    }

    #[test]
    fn big_messages_count_by_bytes_for_the_slice_and_the_queue_bound() {
        // A clock that moves 1 ms at every look.
        let clock = || {
            LOOKS.with(|looks| {
                looks.set(looks.get() + 1.0);
                looks.get()
            })
        };
        let mut pump = Pump::new(Pace::EveryFrame, clock);
        let big = "x".repeat(CLOCK_EVERY_BYTES);
        pump.queue()
            .borrow_mut()
            .extend((0..100).map(|i| RawMessage::message(big.clone(), i.to_string())));
        assert!(
            pump.queue().borrow().full(),
            "100 x 64 KiB is over the byte bound"
        );
        assert!(pump.overflowing());
        let mut applied = 0;
        let drained = pump.drain(
            5.0,
            || {},
            |_| {
                applied += 1;
                Directive::Continue
            },
        );
        // Each 64 KiB message is a look at the clock: the 5 ms slice ends
        // after 6, not after 64.
        assert_eq!((drained, applied), (Drained::More, 6));
        assert_eq!(pump.queue().borrow().bytes(), 94 * CLOCK_EVERY_BYTES);
        pump.clear();
        assert_eq!(pump.queue().borrow().bytes(), 0);
    }

    #[test]
    fn drains_and_shows_are_scheduled_once() {
        let mut pump = pump();
        assert!(pump.claim_drain());
        assert!(!pump.claim_drain());
        pump.drain_started();
        assert!(pump.claim_drain());
        assert!(!pump.show_now(), "nothing to show");
        assert!(pump.want_show());
        assert!(!pump.want_show());
        assert!(pump.show_pending());
        assert!(
            !pump.show_now(),
            "shown at 0 ms, and the clock says 0: a flood"
        );
        pump.shown();
        assert!(!pump.show_pending());
    }
}
