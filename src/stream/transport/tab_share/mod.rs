//! One connection for every tab: the streams of one origin that watch the
//! same URL, in any number of tabs (or several on one page), share the
//! connection of one of them.
//!
//! Rules:
//! - Each stream asks for the Web Lock named after its URL; the one holding
//!   it **leads**: it opens the real connection (the wrapped transport) and,
//!   once another stream has said it listens, posts every batch of messages
//!   it brings on the `BroadcastChannel` of that name. The others follow
//!   and open nothing.
//! - A follower asks for what came after its last id (`Hello`), and ignores
//!   the leader's batches until the answer comes: what the leader kept (the
//!   last [`channel::CATCH_UP_MESSAGES`] messages and
//!   [`channel::CATCH_UP_BYTES`]), after the
//!   follower's id. When the leader let go of messages the follower never
//!   had, the follower opens its own connection instead (nothing is lost).
//! - When the leader's tab closes (or its stream stops or reconnects), the
//!   browser gives the lock to the next stream waiting, which leads by
//!   opening the connection with `Last-Event-ID` = its last id and says so
//!   (`Lead`); the others ask it for what they miss. Messages a follower
//!   had already are dropped by id ([`ReplayFilter`]), so nothing is doubled.
//! - Without `BroadcastChannel` or Web Locks, every stream opens its own.
//!
//! A follower's connection is alive while it follows: the leader's own
//! idle timeout closes a silent connection, and the lock passes on when it
//! goes.

mod channel;
#[cfg(test)]
mod sharing_tests;
mod tab_link;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use super::contract::{Connection, EventSink, OpenRequest, StreamTransport, TransportEvent};
use crate::state::ReadyState;
use crate::stream::browser::page_url;
use crate::stream::clock::now_ms;
use crate::stream::diagnosis::Diagnosis;
use crate::stream::fingerprint::fingerprint;
use crate::stream::pump::{MessageQueue, MAX_QUEUED, MAX_QUEUED_BYTES};
use crate::stream::replay::ReplayFilter;
use crate::wire::{message_batch, RawMessage};
use channel::{CatchUp, Said};
use tab_link::{browser_can_share, TabLink};

/// Messages a stream holds outside its queue at most (followed ones, or
/// what its connection brought while leading): the queue's bound. The
/// fetch transport stops reading there; `EventSource` and a leader faster
/// than this tab do not.
const HELD_AT_MOST: usize = MAX_QUEUED;

/// Bytes of data held outside the queue at most, likewise.
const HELD_BYTES_AT_MOST: usize = MAX_QUEUED_BYTES;

/// Messages kept (and posted) as one encoded chunk at most, so that the
/// catch-up lets go of a long burst a chunk at a time.
const CHUNK_MESSAGES: usize = 1024;

/// Bytes of one encoded chunk at most, likewise.
const CHUNK_BYTES: usize = 256 * 1024;

/// Messages encoded as one chunk, for the catch-up and the streams
/// listening.
#[derive(Default)]
struct Chunk {
    encoded: String,
    count: usize,
}

impl Chunk {
    /// Adds `message`; true once the chunk is as big as it may be.
    fn push(&mut self, message: &RawMessage) -> bool {
        message_batch::encode_into(&mut self.encoded, message);
        self.count += 1;
        self.count >= CHUNK_MESSAGES || self.encoded.len() >= CHUNK_BYTES
    }

    /// The chunk's messages (without the slack a growing string has) and
    /// their count; the chunk is empty after.
    fn take(&mut self) -> (String, usize) {
        let Self { mut encoded, count } = std::mem::take(self);
        encoded.shrink_to_fit();
        (encoded, count)
    }
}

/// Shares the connections of `inner` between the streams of one origin.
pub struct TabShareTransport {
    inner: Rc<dyn StreamTransport>,
    /// Names what is shared besides the URL (transport, method, body).
    kind: String,
}

impl TabShareTransport {
    /// Shares `inner`'s connections; `kind` tells apart requests to one URL
    /// that must not share (another transport, method or body).
    pub fn new(inner: Rc<dyn StreamTransport>, kind: String) -> Self {
        Self { inner, kind }
    }
}

impl StreamTransport for TabShareTransport {
    fn open(
        &self,
        request: OpenRequest<'_>,
        sink: EventSink,
    ) -> Result<Box<dyn Connection>, String> {
        if !browser_can_share() {
            return self.inner.open(request, sink);
        }
        let name = shared_name(&self.kind, &absolute_url(request.url));
        let state = TabState::new(tab_id(), request, sink, self.inner.clone());
        let heard = {
            let this = Rc::downgrade(&state);
            move |text: String| on_heard(&this, &text)
        };
        let lead = {
            let this = Rc::downgrade(&state);
            move || on_lead(&this)
        };
        {
            let mut tab = state.borrow_mut();
            tab.link = Some(Box::new(TabLink::join(&name, heard, lead)));
            tab.ask_for_catch_up();
        }
        Ok(Box::new(SharedConnection { state }))
    }
}

/// Whether this stream holds the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Another stream holds it (or none yet).
    Following,
    /// This stream holds it and tells the others.
    Leading,
    /// This stream opened its own, shared with nobody.
    Alone,
}

/// One stream's side of the sharing.
struct TabState {
    me: String,
    role: Role,
    /// The leader whose batches are applied.
    leader: String,
    /// A `Hello` is out: the leader's batches wait for its answer.
    waiting_for_catch_up: bool,
    /// Leading, another stream said it listens: batches are posted.
    heard_by_others: bool,
    catch_up: CatchUp,
    /// Followed messages waiting for room in the queue.
    pending: VecDeque<RawMessage>,
    /// The id of the last message passed on ("" for none).
    last_id: String,
    /// Drops what a new leader (or a resumed connection) repeats.
    replay: ReplayFilter,
    /// Leading after following: the connection's first messages are checked
    /// until one is new.
    filter_inner: bool,
    /// The id the stream asked to resume after: until a followed message
    /// moves `last_id` past it, the stream's own dedup (which resumed from
    /// it too) sees the connection's messages, a server that started over
    /// included.
    asked_from: String,
    /// The connection brings its messages as encoded batches, shared as
    /// they come (see [`Connection::take_batch`]).
    batched: bool,
    /// The stream's queue.
    queue: MessageQueue,
    /// Where the real connection puts its messages, while leading.
    private: MessageQueue,
    inner: Option<Box<dyn Connection>>,
    opened: bool,
    sink: EventSink,
    link: Option<Box<dyn Channel>>,
    transport: Rc<dyn StreamTransport>,
    url: String,
    named_events: Vec<String>,
    max_event_bytes: usize,
    this: Weak<RefCell<TabState>>,
}

/// Where a stream says things to the others (the tabs' `BroadcastChannel`).
trait Channel {
    /// Posts `text` to every other stream of the name.
    fn say(&self, text: &str);
}

impl Channel for TabLink {
    fn say(&self, text: &str) {
        TabLink::say(self, text);
    }
}

impl TabState {
    /// A stream `me` that follows until told otherwise, opening `request`
    /// with `transport` when it leads or goes alone.
    fn new(
        me: String,
        request: OpenRequest<'_>,
        sink: EventSink,
        transport: Rc<dyn StreamTransport>,
    ) -> Rc<RefCell<Self>> {
        Rc::new_cyclic(|this| {
            RefCell::new(Self {
                me,
                role: Role::Following,
                leader: String::new(),
                waiting_for_catch_up: true,
                heard_by_others: false,
                catch_up: CatchUp::default(),
                pending: VecDeque::new(),
                last_id: request.last_event_id.unwrap_or_default().to_owned(),
                replay: ReplayFilter::default(),
                filter_inner: false,
                asked_from: request.last_event_id.unwrap_or_default().to_owned(),
                batched: false,
                queue: request.queue.clone(),
                private: MessageQueue::default(),
                inner: None,
                opened: false,
                sink,
                link: None,
                transport,
                url: request.url.to_owned(),
                named_events: request.named_events.to_vec(),
                max_event_bytes: request.max_event_bytes,
                this: this.clone(),
            })
        })
    }

    fn say(&self, said: &Said<'_>) {
        if let Some(link) = &self.link {
            link.say(&said.to_text());
        }
    }

    fn ask_for_catch_up(&mut self) {
        self.waiting_for_catch_up = true;
        self.say(&Said::Hello {
            tab: &self.me,
            after: &self.last_id,
        });
    }

    /// Keeps `encoded` (`count` messages) for streams that join later and,
    /// leading, posts it to those listening (a follower only keeps it).
    fn share(&mut self, encoded: String, count: usize) {
        if count == 0 {
            return;
        }
        if self.heard_by_others {
            self.say(&Said::Batch {
                leader: &self.me,
                messages: &encoded,
            });
        }
        self.catch_up.keep(encoded, count);
    }

    /// Shares what `chunk` holds.
    fn share_chunk(&mut self, chunk: &mut Chunk) {
        let (encoded, count) = chunk.take();
        self.share(encoded, count);
    }

    /// Acts on what another stream said; returns what to tell the controller.
    fn hear(&mut self, text: &str) -> Vec<TransportEvent> {
        let Some(said) = Said::parse(text) else {
            return Vec::new();
        };
        match (self.role, said) {
            (Role::Leading, Said::Hello { tab, .. }) => {
                self.heard_by_others = true;
                let kept = self.catch_up.encoded();
                self.say(&Said::CatchUp {
                    tab,
                    leader: &self.me,
                    complete: self.catch_up.is_complete(),
                    messages: &kept,
                });
                Vec::new()
            }
            (Role::Following, Said::Lead { .. }) => {
                self.ask_for_catch_up();
                Vec::new()
            }
            (Role::Following, Said::Batch { leader, messages }) => {
                if self.waiting_for_catch_up || leader != self.leader {
                    return Vec::new();
                }
                match message_batch::decode(messages) {
                    Some(decoded) => self.follow(decoded, Some(messages)),
                    None => Vec::new(),
                }
            }
            (
                Role::Following,
                Said::CatchUp {
                    tab,
                    leader,
                    complete,
                    messages,
                },
            ) if tab == self.me && self.waiting_for_catch_up => {
                let Some(mut messages) = message_batch::decode(messages).map(Vec::from_iter) else {
                    return Vec::new();
                };
                // What this stream had already is cut off at its last id.
                let had = if self.last_id.is_empty() {
                    None
                } else {
                    messages
                        .iter()
                        .rposition(|m| m.last_event_id == self.last_id)
                };
                let known = self.last_id.is_empty() || had.is_some();
                if let Some(at) = had {
                    messages.drain(..=at);
                }
                if !complete && !known {
                    return self.go_alone();
                }
                self.waiting_for_catch_up = false;
                self.leader.clear();
                self.leader.push_str(leader);
                let resume = (!self.last_id.is_empty()).then_some(self.last_id.as_str());
                self.replay.on_connect(resume);
                // Kept in chunks, so that a long catch-up is let go a chunk
                // at a time.
                self.follow(messages.into_iter(), None)
            }
            _ => Vec::new(),
        }
    }

    /// Passes on followed messages (those not already passed on), keeping
    /// them as they `came` encoded when every one is new.
    fn follow(
        &mut self,
        messages: impl Iterator<Item = RawMessage>,
        came: Option<&str>,
    ) -> Vec<TransportEvent> {
        let before = self.pending.len();
        let mut all_new = true;
        for message in messages {
            if self.replay.is_replay(&message.last_event_id) {
                all_new = false;
                continue;
            }
            self.last_id.clone_from(&message.last_event_id);
            self.pending.push_back(message);
        }
        let count = self.pending.len() - before;
        match came {
            Some(encoded) if all_new => self.share(encoded.to_owned(), count),
            _ => {
                let mut chunk = Chunk::default();
                for at in before..self.pending.len() {
                    if chunk.push(&self.pending[at]) {
                        self.share_chunk(&mut chunk);
                    }
                }
                self.share_chunk(&mut chunk);
            }
        }
        self.move_pending();
        let mut events = Vec::new();
        if !self.opened {
            self.opened = true;
            events.push(TransportEvent::Opened);
        }
        events.push(TransportEvent::Messages {
            queued: self.waiting(),
        });
        events
    }

    /// Moves followed messages into the queue while it has room, and any
    /// beyond [`HELD_AT_MOST`] in any case (the queue then overflows and the
    /// controller applies it at once: a follower cannot hold the leader
    /// back); true when it moved any.
    fn move_pending(&mut self) -> bool {
        let mut queue = self.queue.borrow_mut();
        let mut moved = false;
        while !queue.full() || self.pending.len() > HELD_AT_MOST {
            let Some(message) = self.pending.pop_front() else {
                break;
            };
            queue.push_back(message);
            moved = true;
        }
        moved
    }

    /// Leading: moves what the connection brought into the queue while it
    /// has room, keeping it for later streams and posting it to those
    /// listening (a batch as it came, each message encoded once); true when
    /// it moved any.
    fn pull(&mut self) -> bool {
        let mut moved = self.move_pending();
        if !self.pending.is_empty() {
            return moved;
        }
        match self.inner.as_ref().map(|inner| (inner.take_batch(), inner)) {
            Some((Some(batch), _)) => {
                self.batched = true;
                self.take_in(&batch);
            }
            Some((None, inner)) => {
                inner.refill();
            }
            None => {}
        }
        let mut chunk = Chunk::default();
        let private = self.private.clone();
        let mut private = private.borrow_mut();
        let queue = self.queue.clone();
        let mut queue = queue.borrow_mut();
        // An `EventSource` cannot be held back: beyond the bound its
        // messages overflow the queue, which the controller then applies
        // at once, as without sharing.
        while !queue.full() || private.len() > HELD_AT_MOST || private.bytes() > HELD_BYTES_AT_MOST
        {
            let Some(message) = private.pop_front() else {
                break;
            };
            moved = true;
            if !self.batched {
                if self.is_repeated(&message) {
                    continue;
                }
                if chunk.push(&message) {
                    self.share_chunk(&mut chunk);
                }
            }
            self.last_id.clone_from(&message.last_event_id);
            queue.push_back(message);
        }
        self.share_chunk(&mut chunk);
        moved
    }

    /// Leading after following: true when the connection repeats `message`,
    /// which the others had (checked until the first new one).
    fn is_repeated(&mut self, message: &RawMessage) -> bool {
        if !self.filter_inner {
            return false;
        }
        let repeated = self.replay.is_replay(&message.last_event_id);
        self.filter_inner = repeated;
        repeated
    }

    /// Leading on a connection that brings batches: shares `batch` as it
    /// came (or what is new in it, while the connection may repeat what the
    /// others had) and holds its messages for the queue.
    fn take_in(&mut self, batch: &str) {
        let Some(messages) = message_batch::decode(batch) else {
            return;
        };
        let private = self.private.clone();
        let mut private = private.borrow_mut();
        if !self.filter_inner {
            let before = private.len();
            private.extend(messages);
            let count = private.len() - before;
            drop(private);
            self.share(batch.to_owned(), count);
            return;
        }
        let mut chunk = Chunk::default();
        for message in messages {
            if self.is_repeated(&message) {
                continue;
            }
            chunk.push(&message);
            private.push_back(message);
        }
        drop(private);
        self.share_chunk(&mut chunk);
    }

    /// Messages waiting anywhere on this side, as the controller counts them.
    fn waiting(&self) -> u32 {
        let count = self.queue.borrow().len() + self.pending.len() + self.private.borrow().len();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// Opens the real connection after the last id: into the private queue
    /// while leading, into the stream's queue when `alone`.
    fn open_inner(&mut self, alone: bool) -> Vec<TransportEvent> {
        self.batched = false;
        let this = self.this.clone();
        let inner_sink: EventSink = Rc::new(move |event| on_inner_event(&this, event));
        let request = OpenRequest {
            url: &self.url,
            last_event_id: (!self.last_id.is_empty()).then_some(self.last_id.as_str()),
            named_events: &self.named_events,
            queue: if alone { &self.queue } else { &self.private },
            max_event_bytes: self.max_event_bytes,
        };
        match self.transport.open(request, inner_sink) {
            Ok(connection) => {
                self.inner = Some(connection);
                Vec::new()
            }
            Err(reason) => vec![TransportEvent::Failed(Diagnosis::cannot_open(reason))],
        }
    }

    /// The leader let go of messages this stream never had: it leaves the
    /// sharing and opens its own connection, after its last id.
    fn go_alone(&mut self) -> Vec<TransportEvent> {
        self.role = Role::Alone;
        self.link = None;
        self.queue.borrow_mut().extend(self.pending.drain(..));
        self.open_inner(true)
    }
}

/// Another stream said `text`.
fn on_heard(this: &Weak<RefCell<TabState>>, text: &str) {
    let Some(state) = this.upgrade() else { return };
    let (events, sink) = {
        let Ok(mut tab) = state.try_borrow_mut() else {
            return;
        };
        (tab.hear(text), tab.sink.clone())
    };
    for event in events {
        sink(event);
    }
}

/// The lock is this stream's: it opens the connection and leads.
fn on_lead(this: &Weak<RefCell<TabState>>) {
    let Some(state) = this.upgrade() else { return };
    let (events, sink) = {
        let Ok(mut tab) = state.try_borrow_mut() else {
            return;
        };
        if tab.role != Role::Following {
            return;
        }
        tab.role = Role::Leading;
        tab.waiting_for_catch_up = false;
        tab.leader = tab.me.clone();
        tab.say(&Said::Lead { leader: &tab.me });
        // After following, the server may repeat what the others posted.
        tab.filter_inner = !tab.last_id.is_empty() && tab.last_id != tab.asked_from;
        let resume = (!tab.last_id.is_empty()).then(|| tab.last_id.clone());
        tab.replay.on_connect(resume.as_deref());
        (tab.open_inner(false), tab.sink.clone())
    };
    for event in events {
        sink(event);
    }
}

/// What the real connection reports, passed on (its messages pulled first).
fn on_inner_event(this: &Weak<RefCell<TabState>>, event: TransportEvent) {
    let Some(state) = this.upgrade() else { return };
    let (event, sink) = {
        let Ok(mut tab) = state.try_borrow_mut() else {
            return;
        };
        let event = match event {
            // Told, not pulled: the controller's refill pulls, so that it
            // sees what moved and applies an overflowing queue at once.
            TransportEvent::Messages { queued } if tab.role == Role::Leading => {
                TransportEvent::Messages {
                    queued: queued.saturating_add(tab.waiting()),
                }
            }
            TransportEvent::Opened => {
                tab.opened = true;
                TransportEvent::Opened
            }
            other => other,
        };
        (event, tab.sink.clone())
    };
    sink(event);
}

/// The stream's connection, whichever its role.
struct SharedConnection {
    state: Rc<RefCell<TabState>>,
}

impl Connection for SharedConnection {
    fn refill(&self) -> bool {
        let Ok(mut tab) = self.state.try_borrow_mut() else {
            return false;
        };
        match tab.role {
            Role::Leading => tab.pull(),
            Role::Following => tab.move_pending(),
            Role::Alone => tab.inner.as_ref().is_some_and(|inner| inner.refill()),
        }
    }

    fn ready_state(&self) -> ReadyState {
        let Ok(tab) = self.state.try_borrow() else {
            return ReadyState::Connecting;
        };
        match (&tab.inner, tab.opened) {
            (Some(inner), _) => inner.ready_state(),
            (None, true) => ReadyState::Open,
            (None, false) => ReadyState::Connecting,
        }
    }

    fn last_activity_ms(&self) -> f64 {
        let Ok(tab) = self.state.try_borrow() else {
            return now_ms();
        };
        match &tab.inner {
            Some(inner) => inner.last_activity_ms(),
            None => now_ms(),
        }
    }
}

impl Drop for SharedConnection {
    fn drop(&mut self) {
        if let Ok(mut tab) = self.state.try_borrow_mut() {
            tab.link = None;
            tab.inner = None;
        }
    }
}

/// The lock's and the channel's name for streams of `kind` at `url`: a
/// fingerprint, never the URL itself (its query may hold a secret).
fn shared_name(kind: &str, url: &str) -> String {
    let of = fingerprint(&format!("{kind} {url}"));
    format!("sse-task-progress {of:016x}")
}

/// `url` resolved against the page's address, so that relative and
/// absolute spellings of one stream share.
fn absolute_url(url: &str) -> String {
    page_url(url).map_or_else(|| url.to_owned(), |parsed| parsed.href())
}

/// A name for this stream among the tabs.
fn tab_id() -> String {
    let random = |_| (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let [a, b] = [0, 1].map(random);
    format!("{a:08x}{b:08x}")
}
