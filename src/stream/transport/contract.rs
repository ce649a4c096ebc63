//! What every transport implements and reports: [`StreamTransport`] opens
//! a [`Connection`] for an [`OpenRequest`] and tells an [`EventSink`] its
//! [`TransportEvent`]s.

use std::rc::Rc;

use crate::state::ReadyState;
use crate::stream::diagnosis::Diagnosis;
use crate::stream::pump::MessageQueue;

/// What a connection tells the connection layer.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportEvent {
    /// The server answered 200 `text/event-stream`.
    Opened,
    /// Messages arrived: `queued` of them wait in the connection (the
    /// `EventSource`'s JS inbox, which [`Connection::refill`] moves to the
    /// queue) or in the queue (fetch).
    Messages {
        /// How many wait.
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
    /// The page already holds as many connections to the server as the
    /// browser opens at once: this one waits for a free one (the open
    /// timeout waits too).
    Queued,
    /// A connection to the server closed: a waiting one goes now (the
    /// open timeout starts).
    SlotFree,
    /// The attempt failed and the transport cannot see why (a request that
    /// got no answer, or an `EventSource`, which hides it): the connection
    /// layer asks the URL, once per outage. The connection is over.
    Unexplained,
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
    /// Where the connection puts its messages, oldest first.
    pub queue: &'a MessageQueue,
    /// Most bytes one event may hold (the fetch transport's parser stops there).
    pub max_event_bytes: usize,
}

/// One open connection; dropping it closes it at once.
pub trait Connection {
    /// Moves the messages the connection holds into the queue; false when
    /// it moved none (a transport that fills the queue as it reads never
    /// has any to move).
    fn refill(&self) -> bool;
    /// Takes the messages the connection holds as one batch, encoded as
    /// `wire::message_batch` writes them, for a transport that receives
    /// them so (the `EventSource`'s inbox, the stream worker): a stream
    /// sharing them with other tabs posts that string as it is. `None` when
    /// it holds none, or puts its messages straight into the queue (fetch).
    /// A connection does one or the other, never both.
    fn take_batch(&self) -> Option<String> {
        None
    }
    /// Where the connection is, as `EventSource.readyState` says it.
    fn ready_state(&self) -> ReadyState;
    /// When the connection last brought anything (`performance.now()`, ms):
    /// any bytes on fetch, an event on `EventSource`.
    fn last_activity_ms(&self) -> f64;
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

/// A message in the queue that is no event: an `id:` without data moved
/// the resume point to its `last_event_id` (its type is empty, which no
/// event's is).
pub fn is_id_only(message: &crate::wire::RawMessage) -> bool {
    message.event_type.is_empty()
}

/// The message types a connection delivers: `message`, `failed`,
/// `cancelled`, `heartbeat` (which only shows the connection is alive),
/// `history-lost`, and the named ones (never `open` or `error`).
pub fn delivered_types(named_events: &[String]) -> Vec<String> {
    let mut types: Vec<String> = [
        "message",
        sse_task_protocol::EVENT_FAILED,
        sse_task_protocol::EVENT_CANCELLED,
        sse_task_protocol::EVENT_HEARTBEAT,
        sse_task_protocol::EVENT_HISTORY_LOST,
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
