//! The transports: how bytes become messages. Each implements
//! [`StreamTransport`] and fill the stream's one [`MessageQueue`](crate::stream::pump::MessageQueue); the
//! connection rules above them exist once (the controller), whatever the
//! transport.
//!
//! - [`event_source`]: the browser's `EventSource` (the default); it
//!   reconnects by itself after a planned end, sending `Last-Event-ID`.
//! - [`fetch`]: `fetch` + the response's `ReadableStream` + our own parser,
//!   for headers, `POST` bodies, credentials and a main thread whose work per
//!   task we bound.
//! - [`off_main_thread`]: the fetch transport run in the page's stream
//!   worker, its messages posted to the page in batches.
//! - [`tab_share`]: either of them shared by every stream of the origin
//!   that watches the same URL, across tabs.

mod connection_slots;
mod contract;
mod event_source;
mod fetch;
mod inbox;
mod off_main_thread;
mod tab_share;
mod yield_now;

pub use connection_slots::CountedTransport;
pub use contract::{
    is_id_only, Connection, EventSink, OpenRequest, StreamTransport, TransportEvent,
};
pub use event_source::EventSourceTransport;
pub use fetch::FetchTransport;
pub use off_main_thread::{runs_in_stream_worker, use_stream_worker_from, WorkerTransport};
pub use tab_share::TabShareTransport;
pub use yield_now::yield_now;
