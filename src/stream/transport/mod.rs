//! The transports: how bytes become messages. Both implement
//! [`StreamTransport`]; the connection rules above them exist once
//! (`connection.rs`), whatever the transport.
//!
//! - [`event_source`]: the browser's `EventSource` (the default); it
//!   reconnects by itself after a planned end, sending `Last-Event-ID`.
//! - [`fetch`]: `fetch` + the response's `ReadableStream` + our own parser,
//!   for headers, `POST` bodies, credentials and a main thread whose work per
//!   task we bound.

mod event_source;
mod fetch;
pub(in crate::stream) mod inbox;
mod yield_now;

use std::collections::VecDeque;
use std::rc::Rc;

pub use event_source::EventSourceTransport;
pub use fetch::FetchTransport;
pub use yield_now::yield_now;

use crate::task::{Diagnosis, RawMessage, ReadyState};

/// What a connection tells the connection layer.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportEvent {
    /// The server answered 200 `text/event-stream`.
    Opened,
    /// Messages are queued: `queued` of them. Take them with [`Connection::take`].
    Messages {
        /// How many wait in the connection's queue.
        queued: u32,
    },
    /// The server sent `retry: ms`.
    Retry(u32),
    /// The connection ended without an error status (or never reached the
    /// server). `reconnecting_itself`: the browser opens the next one.
    Ended {
        /// True for `EventSource`, which reconnects by itself.
        reconnecting_itself: bool,
    },
    /// The attempt failed with this diagnosis; the connection is over.
    Failed(Diagnosis),
}

/// Where a connection reports its [`TransportEvent`]s.
pub type EventSink = Rc<dyn Fn(TransportEvent)>;

/// What to open.
#[derive(Debug, Clone, Copy)]
pub struct OpenRequest<'a> {
    /// The stream's URL.
    pub url: &'a str,
    /// Resume after this id (sent as `Last-Event-ID`, or `?lastEventId=`
    /// where a header cannot be sent).
    pub last_event_id: Option<&'a str>,
    /// Named events to deliver besides `message`, `failed` and `cancelled`.
    pub named_events: &'a [String],
}

/// One open connection; dropping it closes it at once.
pub trait Connection {
    /// Moves up to `limit` queued messages, oldest first, into `into`.
    /// A transport that cannot hold messages back may move more.
    fn take(&self, into: &mut VecDeque<RawMessage>, limit: usize);
    /// Where the connection is, as `EventSource.readyState` says it.
    fn ready_state(&self) -> ReadyState;
}

/// A way to open connections.
pub trait StreamTransport {
    /// Opens `request`, reporting to `sink`. An error is a reason for the user.
    fn open(
        &self,
        request: OpenRequest<'_>,
        sink: EventSink,
    ) -> Result<Box<dyn Connection>, String>;
}

/// The message types a connection delivers: `message`, `failed`,
/// `cancelled`, and the named ones (never `open` or `error`).
pub fn delivered_types(named_events: &[String]) -> Vec<String> {
    let mut types: Vec<String> = [
        "message",
        sse_task_protocol::EVENT_FAILED,
        sse_task_protocol::EVENT_CANCELLED,
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for name in named_events {
        if !types.contains(name) && name != "open" && name != "error" {
            types.push(name.clone());
        }
    }
    types
}
