//! The `EventSource` transport: the browser's own parser and reconnects,
//! with a JS inbox that keeps its messages until wasm takes them in batches.
//!
//! After a planned end the browser reconnects by itself, honouring `retry:`
//! and sending `Last-Event-ID`: an `error` after an `open` is an end
//! ([`TransportEvent::Ended`]). An `error` without an `open` before it (the
//! browser could not connect, or closed the source for good on an error
//! status or a wrong content type) hides the answer: it is
//! [`TransportEvent::Unexplained`], and the source is closed so that the
//! browser does not retry on its own schedule. So is an end after data that
//! held U+FFFD: the server may have declared another charset, which some
//! browsers' `EventSource` reads as UTF-8 anyway, and only the diagnosis
//! request can see the header (the fetch transport refuses such a stream
//! at its open).

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventSource};

use super::contract::{
    delivered_types, Connection, EventSink, OpenRequest, StreamTransport, TransportEvent,
};
use super::inbox::Inbox;
use crate::state::ReadyState;
use crate::stream::browser::{error_words, page_url};
use crate::stream::clock::now_ms;
use crate::stream::pump::{MessageQueue, TAKE_BYTES, TAKE_EVERY};
use crate::wire::message_batch;

type Listener = Closure<dyn FnMut(Event)>;

/// Opens `EventSource`s. A retry after a failure is a new source, which
/// resumes with `?lastEventId=` since it cannot send the header.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventSourceTransport;

impl StreamTransport for EventSourceTransport {
    fn open(
        &self,
        request: OpenRequest<'_>,
        sink: EventSink,
    ) -> Result<Box<dyn Connection>, String> {
        let url = match request.last_event_id {
            Some(id) => with_last_event_id(request.url, id),
            None => request.url.to_owned(),
        };
        let inner = EventSource::new(&url)
            .map_err(|error| error_words(&error, "the browser refused the URL"))?;
        let wake_sink = sink.clone();
        let wake = move |queued: u32| wake_sink(TransportEvent::Messages { queued });
        let inbox = Rc::new(Inbox::listen(
            &inner,
            delivered_types(request.named_events),
            (TAKE_EVERY, TAKE_BYTES),
            wake,
        ));
        // Built first, so that a failure below still closes the source on drop.
        let mut source = EventSourceConnection {
            inner,
            inbox,
            queue: request.queue.clone(),
            listeners: Vec::with_capacity(2),
            last_activity_ms: Rc::new(Cell::new(now_ms())),
        };
        // Whether the source opened since its last error.
        let opened = Rc::new(Cell::new(false));
        for name in ["open", "error"] {
            let sink = sink.clone();
            let target = source.inner.clone();
            let opened = opened.clone();
            let activity = source.last_activity_ms.clone();
            let inbox = source.inbox.clone();
            let listener: Listener = Closure::new(move |event: Event| {
                activity.set(now_ms());
                on_state(&target, &event, &opened, &inbox, &sink);
            });
            source
                .inner
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .map_err(|_| "cannot listen to the EventSource".to_owned())?;
            source.listeners.push((name, listener));
        }
        Ok(Box::new(source))
    }
}

fn on_state(
    source: &EventSource,
    event: &Event,
    opened: &Cell<bool>,
    inbox: &Inbox,
    sink: &EventSink,
) {
    if event.type_() == "open" {
        opened.set(true);
        sink(TransportEvent::Opened);
        return;
    }
    if opened.replace(false)
        && ReadyState::from_code(source.ready_state()) != ReadyState::Closed
        && !inbox.saw_replacement_char()
    {
        sink(TransportEvent::Ended {
            reconnecting_itself: true,
        });
        return;
    }
    source.close();
    sink(TransportEvent::Unexplained);
}

/// An open `EventSource` with its listeners, closed and detached on drop.
struct EventSourceConnection {
    inner: EventSource,
    inbox: Rc<Inbox>,
    queue: MessageQueue,
    listeners: Vec<(&'static str, Listener)>,
    /// When the last event (or open) arrived (`performance.now()`, ms).
    last_activity_ms: Rc<Cell<f64>>,
}

impl Connection for EventSourceConnection {
    /// Moves every message of the inbox: the browser cannot be held back.
    fn refill(&self) -> bool {
        let Some(batch) = self.take_batch() else {
            return false;
        };
        if let Some(messages) = message_batch::decode(&batch) {
            self.queue.borrow_mut().extend(messages);
        }
        true
    }

    /// Every message of the inbox, as the inbox joined them.
    fn take_batch(&self) -> Option<String> {
        let batch = self.inbox.take();
        if batch.is_empty() {
            return None;
        }
        self.last_activity_ms.set(now_ms());
        Some(batch)
    }

    fn ready_state(&self) -> ReadyState {
        ReadyState::from_code(self.inner.ready_state())
    }

    fn last_activity_ms(&self) -> f64 {
        self.last_activity_ms.get()
    }
}

impl Drop for EventSourceConnection {
    fn drop(&mut self) {
        self.inner.close();
        for (name, listener) in &self.listeners {
            let _ = self
                .inner
                .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}

/// `url` with `lastEventId=id` in its query, for a new `EventSource` that
/// cannot send the `Last-Event-ID` header.
pub fn with_last_event_id(url: &str, id: &str) -> String {
    match page_url(url) {
        Some(parsed) => {
            parsed.search_params().set("lastEventId", id);
            parsed.href()
        }
        None => url.to_owned(),
    }
}
