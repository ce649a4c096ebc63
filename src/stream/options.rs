//! Options of [`crate::use_task_stream_with_options`], each with its default.

use super::fetch_options::Transport;
use super::rules::ReconnectPolicy;
use crate::state::{DEFAULT_CAPACITY, DEFAULT_CAPACITY_BYTES};
use crate::wire::MessageReader;
use crate::words::Labels;

/// Most bytes one event may hold by default (2 MiB).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 2 * 1024 * 1024;
/// How long a connection may bring nothing by default, in ms.
pub const DEFAULT_IDLE_TIMEOUT_MS: u32 = 45_000;
/// How long one attempt may take to open by default, in ms.
pub const DEFAULT_OPEN_TIMEOUT_MS: u32 = 30_000;

/// What a stream does while the page's tab is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HiddenTab {
    /// Stay connected (a background tab's timers are slowed; nothing is lost).
    #[default]
    Keep,
    /// Close the connection once the tab was hidden this many ms; showing
    /// the tab again resumes with `Last-Event-ID` (a `GET`: a task is never
    /// created twice).
    PauseAfter(u32),
}

/// How the hook listens, reads, reconnects and bounds its log.
///
/// ## Usage
/// ```no_run
/// use leptos::prelude::*;
/// use sse_task_progress::{use_task_stream_with_options, options::ReconnectPolicy, UseTaskStreamOptions};
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
    /// Bytes of log text kept before older lines are dropped. Default:
    /// 4 MiB. A line longer than 4 KiB is kept cut, with a marker.
    pub capacity_bytes: usize,
    /// Most bytes one event may hold: a longer one fails the stream with
    /// that reason and its memory is given back. Default: 2 MiB. (The fetch
    /// transport stops reading at the limit; `EventSource` buffers a line
    /// in the browser until it ends, and the idle timeout closes it.)
    pub max_event_bytes: usize,
    /// A connection that brings nothing for this long is closed and resumed
    /// with `Last-Event-ID`, with one warning line. Default: 45 000 ms;
    /// `None` never. On fetch every byte counts (comments too); an
    /// `EventSource` shows only events, so there the `heartbeat` events the
    /// companion server sends every 15 s count, and comments do not.
    pub idle_timeout_ms: Option<u32>,
    /// An attempt that has not opened (no answer's headers) after this long
    /// is given up and counts as a failed attempt, retried by the policy.
    /// Default: 30 000 ms; `None` never (then a browser that never reports
    /// a blocked port, as WebKit's `EventSource` does not, waits for ever).
    pub open_timeout_ms: Option<u32>,
    /// Whether a connection that ends after data is reconnected. Default:
    /// `true`. `false` for a source known not to resume (a script that
    /// ignores `Last-Event-ID` runs its job again on every connection): its
    /// end then fails the stream saying so. A source that starts over is
    /// stopped either way once a resumed connection shows it.
    pub reconnect_after_data: bool,
    /// What a stream does while its tab is hidden. Default:
    /// [`HiddenTab::Keep`].
    pub hidden_tab: HiddenTab,
    /// How a message's data is read. Default: [`MessageReader::Json`]
    /// (the coreBOS JSON, falling back to plain text).
    pub reader: MessageReader,
    /// URL to `POST` to when the user stops, so the job stops on the server.
    /// Default: none (tasks started with `start_task` set it themselves).
    pub cancel_url: Option<String>,
    /// Streams of this origin that watch the same URL (with the same
    /// transport, method and body), in any tab, share one connection: one
    /// holds it and passes its messages on; when that tab closes, another
    /// takes over, resuming with `Last-Event-ID`. Default: `true`; without
    /// `BroadcastChannel` and Web Locks each stream has its own.
    pub share_across_tabs: bool,
    /// The words of the lines the stream writes to the log itself (its
    /// notices and failures) and of the server's coded messages. Default:
    /// English ([`Labels::english`]).
    pub labels: Labels,
}

impl Default for UseTaskStreamOptions {
    fn default() -> Self {
        Self {
            named_events: Vec::new(),
            transport: Transport::default(),
            reconnect: ReconnectPolicy::default(),
            close_on_first_error: false,
            capacity: DEFAULT_CAPACITY,
            capacity_bytes: DEFAULT_CAPACITY_BYTES,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            idle_timeout_ms: Some(DEFAULT_IDLE_TIMEOUT_MS),
            open_timeout_ms: Some(DEFAULT_OPEN_TIMEOUT_MS),
            reconnect_after_data: true,
            hidden_tab: HiddenTab::Keep,
            reader: MessageReader::default(),
            cancel_url: None,
            share_across_tabs: true,
            labels: Labels::english(),
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

    /// Shares one connection with the other streams of the origin watching
    /// the same URL, in every tab (the default), or opens its own.
    pub fn share_across_tabs(mut self, share: bool) -> Self {
        self.share_across_tabs = share;
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

    /// Keeps at most `bytes` bytes of log text.
    pub fn capacity_bytes(mut self, bytes: usize) -> Self {
        self.capacity_bytes = bytes;
        self
    }

    /// Fails the stream on an event of more than `bytes` bytes.
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = bytes;
        self
    }

    /// Closes and resumes a connection silent for `ms` (`None`: never).
    pub fn idle_timeout_ms(mut self, ms: Option<u32>) -> Self {
        self.idle_timeout_ms = ms;
        self
    }

    /// Gives up an attempt that has not opened after `ms` (`None`: never).
    pub fn open_timeout_ms(mut self, ms: Option<u32>) -> Self {
        self.open_timeout_ms = ms;
        self
    }

    /// Reconnects after data (`true`, the default) or never.
    pub fn reconnect_after_data(mut self, reconnect: bool) -> Self {
        self.reconnect_after_data = reconnect;
        self
    }

    /// Behaves so while the tab is hidden.
    pub fn hidden_tab(mut self, hidden_tab: HiddenTab) -> Self {
        self.hidden_tab = hidden_tab;
        self
    }

    /// Reads messages with `reader`.
    pub fn reader(mut self, reader: MessageReader) -> Self {
        self.reader = reader;
        self
    }

    /// Writes the stream's own lines in `labels`' words.
    pub fn labels(mut self, labels: Labels) -> Self {
        self.labels = labels;
        self
    }

    /// Posts to `url` on stop.
    pub fn cancel_url(mut self, url: impl Into<String>) -> Self {
        self.cancel_url = Some(url.into());
        self
    }
}
