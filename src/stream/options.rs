//! Options of [`crate::use_task_stream_with_options`], each with its default.

use super::fetch_options::Transport;
use super::rules::ReconnectPolicy;
use crate::state::DEFAULT_CAPACITY;
use crate::wire::MessageReader;

/// How the hook listens, reads, reconnects and bounds its log.
///
/// ## Usage
/// ```no_run
/// use leptos::prelude::*;
/// use sse_task_progress::{use_task_stream_with_options, ReconnectPolicy, UseTaskStreamOptions};
///
/// #[component]
/// fn Feed() -> impl IntoView {
///     let options = UseTaskStreamOptions::default()
///         .named_events(["delta"])
///         .capacity(500)
///         .reconnect(ReconnectPolicy { max_attempts: 3, ..ReconnectPolicy::default() });
///     let stream = use_task_stream_with_options("/seeds/delta", options);
///     view! {
///         <button on:click=move |_| stream.start()>"Follow"</button>
///         <p>{move || stream.lines.with(|log| log.len())} " lines"</p>
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct UseTaskStreamOptions {
    /// Named events to listen to besides `message`, `failed` and `cancelled`
    /// (e.g. `delta`). Default: none.
    pub named_events: Vec<String>,
    /// How the stream is fetched. Default: [`Transport::EventSource`].
    pub transport: Transport,
    /// Reconnects after failed attempts. Default: [`ReconnectPolicy::default`]
    /// (8 failed attempts in a row or 5 minutes of outage, waits of up to 1 s
    /// doubling to 30 s with full jitter). A server that keeps answering is
    /// never given up on.
    pub reconnect: ReconnectPolicy,
    /// Treat the first connection error as the end, as the coreBOS seed does.
    /// Default: `false`.
    pub close_on_first_error: bool,
    /// Log lines kept before older ones are dropped. Default: 10 000.
    pub capacity: usize,
    /// How a message's data is read. Default: [`MessageReader::CoreBos`]
    /// (the coreBOS JSON, falling back to plain text).
    pub reader: MessageReader,
    /// URL to `POST` to when the user stops, so the job stops on the server.
    /// Default: none (tasks started with `start_task` set it themselves).
    pub cancel_url: Option<String>,
}

impl Default for UseTaskStreamOptions {
    fn default() -> Self {
        Self {
            named_events: Vec::new(),
            transport: Transport::default(),
            reconnect: ReconnectPolicy::default(),
            close_on_first_error: false,
            capacity: DEFAULT_CAPACITY,
            reader: MessageReader::default(),
            cancel_url: None,
        }
    }
}

impl UseTaskStreamOptions {
    /// Listens to these named events too.
    pub fn named_events<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.named_events = names.into_iter().map(Into::into).collect();
        self
    }

    /// Uses this transport.
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Uses this reconnect policy.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// Ends the stream on the first connection error.
    pub fn close_on_first_error(mut self, close: bool) -> Self {
        self.close_on_first_error = close;
        self
    }

    /// Keeps at most `capacity` log lines.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Reads messages with `reader`.
    pub fn reader(mut self, reader: MessageReader) -> Self {
        self.reader = reader;
        self
    }

    /// Posts to `url` on stop.
    pub fn cancel_url(mut self, url: impl Into<String>) -> Self {
        self.cancel_url = Some(url.into());
        self
    }
}
