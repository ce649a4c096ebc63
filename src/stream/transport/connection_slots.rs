//! Connections to one server, counted for the page. A browser opens at most
//! [`CONNECTIONS_PER_SERVER`] HTTP/1.1 connections to one server (scheme,
//! host and port) at a time; a stream beyond them waits, silently, until one
//! closes. [`CountedTransport`] counts the streams this page holds open per
//! origin, so a stream that starts beyond the limit says it waits for a free
//! connection ([`TransportEvent::Queued`]), and hears when the oldest
//! waiting one can go ([`TransportEvent::SlotFree`]).
//!
//! Rules (pure, in [`Slots`]): a stream occupies a slot when fewer than the
//! limit are occupied, otherwise it waits; when an occupying stream ends,
//! the oldest waiting one of its origin occupies the slot and is told; a
//! waiting stream that ends frees nothing. Over HTTP/2 the browser has no
//! such limit: a stream told it waits opens at once anyway, which ends the
//! wait.

use std::cell::RefCell;

use super::contract::{Connection, EventSink, OpenRequest, StreamTransport, TransportEvent};
use crate::state::ReadyState;
use crate::stream::browser::{page_url, set_timeout};
use crate::stream::host::Later;

/// Connections a browser opens to one server at a time over HTTP/1.1
/// (Chromium, Firefox and WebKit alike).
pub const CONNECTIONS_PER_SERVER: usize = 6;

/// The page's streams per origin: which occupy a slot, which wait.
#[derive(Default)]
pub struct Slots {
    next_id: u64,
    held: Vec<HeldSlot>,
}

struct HeldSlot {
    id: u64,
    origin: String,
    waiting: bool,
}

impl Slots {
    /// A new stream to `origin`: its id, and whether it waits.
    pub fn take(&mut self, origin: &str) -> (u64, bool) {
        self.next_id += 1;
        let occupied = self
            .held
            .iter()
            .filter(|slot| slot.origin == origin && !slot.waiting)
            .count();
        let waiting = occupied >= CONNECTIONS_PER_SERVER;
        self.held.push(HeldSlot {
            id: self.next_id,
            origin: origin.to_owned(),
            waiting,
        });
        (self.next_id, waiting)
    }

    /// Stream `id` ended: the id of the waiting stream that now occupies
    /// its slot, if any.
    pub fn release(&mut self, id: u64) -> Option<u64> {
        let at = self.held.iter().position(|slot| slot.id == id)?;
        let ended = self.held.remove(at);
        if ended.waiting {
            return None;
        }
        let next = self
            .held
            .iter_mut()
            .find(|slot| slot.origin == ended.origin && slot.waiting)?;
        next.waiting = false;
        Some(next.id)
    }
}

thread_local! {
    /// The page's slots, and the sinks of the waiting streams.
    static PAGE: RefCell<(Slots, Vec<(u64, EventSink)>)> = RefCell::default();
}

/// Tells `sink` `event` in a task of its own: never inside the call that
/// opened or closed a connection (the connection layer is busy there).
fn tell_later(sink: EventSink, event: TransportEvent) {
    // A boxed callback: the timer code the stream's own timers already use.
    let later: Later = Box::new(move || sink(event));
    set_timeout(later, 0);
}

/// A transport whose connections are counted per origin for the page.
pub struct CountedTransport {
    /// The transport that opens them.
    pub inner: Box<dyn StreamTransport>,
}

impl StreamTransport for CountedTransport {
    fn open(
        &self,
        request: OpenRequest<'_>,
        sink: EventSink,
    ) -> Result<Box<dyn Connection>, String> {
        let connection = self.inner.open(request, sink.clone())?;
        let origin = page_url(request.url)
            .map(|url| url.origin())
            .unwrap_or_default();
        let (id, waiting) = PAGE.with(|page| page.borrow_mut().0.take(&origin));
        if waiting {
            PAGE.with(|page| page.borrow_mut().1.push((id, sink.clone())));
            tell_later(sink, TransportEvent::Queued);
        }
        Ok(Box::new(CountedConnection {
            inner: connection,
            id,
        }))
    }
}

/// A connection that frees its slot when dropped.
struct CountedConnection {
    inner: Box<dyn Connection>,
    id: u64,
}

impl Connection for CountedConnection {
    fn refill(&self) -> bool {
        self.inner.refill()
    }

    fn take_batch(&self) -> Option<String> {
        self.inner.take_batch()
    }

    fn ready_state(&self) -> ReadyState {
        self.inner.ready_state()
    }

    fn last_activity_ms(&self) -> f64 {
        self.inner.last_activity_ms()
    }
}

impl Drop for CountedConnection {
    fn drop(&mut self) {
        let told = PAGE.with(|page| {
            let mut page = page.borrow_mut();
            let (slots, sinks) = &mut *page;
            sinks.retain(|(id, _)| *id != self.id);
            let next = slots.release(self.id)?;
            let at = sinks.iter().position(|(id, _)| *id == next)?;
            Some(sinks.remove(at).1)
        });
        if let Some(sink) = told {
            tell_later(sink, TransportEvent::SlotFree);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether each of `origins`, opened in turn, waits.
    fn waits(slots: &mut Slots, origins: &[&str]) -> Vec<bool> {
        origins.iter().map(|origin| slots.take(origin).1).collect()
    }

    #[test]
    fn the_seventh_stream_to_one_server_waits_and_the_oldest_waiting_goes_first() {
        let mut slots = Slots::default();
        let a = "http://a";
        let opened = waits(&mut slots, &[a, a, a, a, a, a, a, a, "http://b"]);
        assert_eq!(
            opened,
            [false, false, false, false, false, false, true, true, false],
            "six to one server at once; another server is not limited by them"
        );
        // Ids 1..=6 occupy, 7 and 8 wait.
        assert_eq!(slots.release(8), None, "a waiting stream frees nothing");
        assert_eq!(
            slots.release(2),
            Some(7),
            "an occupying one lets the oldest waiting in"
        );
        assert_eq!(slots.release(3), None, "nobody waits any more");
        assert!(!slots.take(a).1, "five occupy: a new one goes at once");
        assert!(slots.take(a).1, "six again: the next waits");
        assert_eq!(slots.release(99), None, "an unknown id changes nothing");
    }
}
