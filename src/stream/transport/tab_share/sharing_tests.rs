//! The sharing rules, natively: tabs on a fake channel that delivers what
//! each says to the others, over a fake server whose connection brings
//! batches (as the `EventSource` inbox and the stream worker do) or fills
//! the queue itself (as fetch does).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::{on_heard, on_lead, shared_name, Channel, SharedConnection, TabState};
use crate::state::ReadyState;
use crate::stream::pump::MessageQueue;
use crate::stream::transport::contract::{
    Connection, EventSink, OpenRequest, StreamTransport, TransportEvent,
};
use crate::wire::{message_batch, RawMessage};

/// What was said on the channel, by which tab, not yet delivered.
type Bus = Rc<RefCell<VecDeque<(usize, String)>>>;

/// One tab's side of the channel.
struct FakeChannel {
    tab: usize,
    bus: Bus,
}

impl Channel for FakeChannel {
    fn say(&self, text: &str) {
        self.bus.borrow_mut().push_back((self.tab, text.to_owned()));
    }
}

/// The server: the resume id of every connection opened, the batches the
/// open connection brings, and the queue it was opened on.
#[derive(Default)]
struct FakeServer {
    opened_after: RefCell<Vec<Option<String>>>,
    batches: RefCell<VecDeque<String>>,
    queue: RefCell<Option<MessageQueue>>,
}

struct FakeTransport(Rc<FakeServer>);

impl StreamTransport for FakeTransport {
    fn open(
        &self,
        request: OpenRequest<'_>,
        _sink: EventSink,
    ) -> Result<Box<dyn Connection>, String> {
        let server = &self.0;
        let resume = request.last_event_id.map(str::to_owned);
        server.opened_after.borrow_mut().push(resume);
        *server.queue.borrow_mut() = Some(request.queue.clone());
        Ok(Box::new(FakeConnection(server.clone())))
    }
}

struct FakeConnection(Rc<FakeServer>);

impl Connection for FakeConnection {
    fn refill(&self) -> bool {
        false
    }

    fn take_batch(&self) -> Option<String> {
        self.0.batches.borrow_mut().pop_front()
    }

    fn ready_state(&self) -> ReadyState {
        ReadyState::Open
    }

    fn last_activity_ms(&self) -> f64 {
        0.0
    }
}

/// One stream in one tab.
struct Tab {
    state: Rc<RefCell<TabState>>,
    queue: MessageQueue,
    connection: SharedConnection,
}

impl Tab {
    /// Everything in the stream's queue, by id, taken.
    fn take_ids(&self) -> Vec<String> {
        self.connection.refill();
        let mut queue = self.queue.borrow_mut();
        std::iter::from_fn(|| queue.pop_front())
            .map(|message| message.last_event_id)
            .collect()
    }
}

/// Tabs of one origin watching one stream.
struct Origin {
    bus: Bus,
    server: Rc<FakeServer>,
    tabs: Vec<Tab>,
}

impl Origin {
    fn new() -> Self {
        Self {
            bus: Bus::default(),
            server: Rc::default(),
            tabs: Vec::new(),
        }
    }

    /// A tab opens the stream, having seen everything up to `last_id`.
    fn open_tab(&mut self, last_id: Option<&str>) -> usize {
        let number = self.tabs.len();
        let queue = MessageQueue::default();
        let request = OpenRequest {
            url: "/tasks/1/events",
            last_event_id: last_id,
            named_events: &[],
            queue: &queue,
            max_event_bytes: 1 << 20,
        };
        let sink: EventSink = Rc::new(|_: TransportEvent| {});
        let transport = Rc::new(FakeTransport(self.server.clone()));
        let state = TabState::new(format!("tab{number}"), request, sink, transport);
        {
            let mut tab = state.borrow_mut();
            tab.link = Some(Box::new(FakeChannel {
                tab: number,
                bus: self.bus.clone(),
            }));
            tab.ask_for_catch_up();
        }
        let connection = SharedConnection {
            state: state.clone(),
        };
        self.tabs.push(Tab {
            state,
            queue,
            connection,
        });
        self.deliver();
        number
    }

    /// The lock passes to `tab`.
    fn lead(&mut self, tab: usize) {
        on_lead(&Rc::downgrade(&self.tabs[tab].state));
        self.deliver();
    }

    /// The leading `tab` takes what its connection brought; returns what
    /// it said about it.
    fn pull(&mut self, tab: usize) -> Vec<String> {
        self.tabs[tab].connection.refill();
        self.deliver()
    }

    /// Delivers everything said to every other tab still listening, until
    /// nothing more is said; returns what was said.
    fn deliver(&mut self) -> Vec<String> {
        let mut said = Vec::new();
        loop {
            let Some((from, text)) = self.bus.borrow_mut().pop_front() else {
                return said;
            };
            for (number, tab) in self.tabs.iter().enumerate() {
                let listening = tab.state.borrow().link.is_some();
                if number != from && listening {
                    on_heard(&Rc::downgrade(&tab.state), &text);
                }
            }
            said.push(text);
        }
    }

    /// The tab closes: its link and connection go.
    fn close(&mut self, tab: usize) {
        let mut state = self.tabs[tab].state.borrow_mut();
        state.link = None;
        state.inner = None;
    }

    /// The server's connection brings `messages` as one batch; returns it.
    fn serve(&self, ids: std::ops::RangeInclusive<u32>) -> String {
        let batch = encoded(ids);
        self.server.batches.borrow_mut().push_back(batch.clone());
        batch
    }
}

/// Messages with these ids, encoded as one batch.
fn encoded(ids: std::ops::RangeInclusive<u32>) -> String {
    let mut batch = String::new();
    for id in ids {
        let message = RawMessage::message(format!("{{\"message\":\"line {id}\"}}"), id.to_string());
        message_batch::encode_into(&mut batch, &message);
    }
    batch
}

fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|id| id.to_string()).collect()
}

#[test]
fn a_leader_posts_each_batch_as_it_came_and_every_tab_shows_each_message_once() {
    let mut origin = Origin::new();
    let (a, b) = (origin.open_tab(None), origin.open_tab(None));
    origin.lead(a);
    assert_eq!(*origin.server.opened_after.borrow(), vec![None]);
    let batch = origin.serve(1..=3);
    let said = origin.pull(a);
    // The batch travels as the connection brought it: encoded once.
    assert_eq!(said, vec![format!("Btab{a}\n{batch}")]);
    assert_eq!(origin.tabs[a].take_ids(), ids(1..=3));
    assert_eq!(origin.tabs[b].take_ids(), ids(1..=3));
    // A tab that opens later catches up on what the leader kept.
    origin.serve(4..=4);
    origin.pull(a);
    let c = origin.open_tab(None);
    assert_eq!(origin.tabs[c].take_ids(), ids(1..=4));
    assert_eq!(origin.tabs[b].take_ids(), ids(4..=4));
    assert_eq!(
        origin.server.opened_after.borrow().len(),
        1,
        "one connection"
    );
}

#[test]
fn the_next_leader_resumes_after_its_last_id_and_drops_what_the_server_repeats() {
    let mut origin = Origin::new();
    let (a, b) = (origin.open_tab(None), origin.open_tab(None));
    origin.lead(a);
    origin.serve(1..=2);
    origin.pull(a);
    assert_eq!(origin.tabs[b].take_ids(), ids(1..=2));
    origin.close(a);
    origin.lead(b);
    assert_eq!(
        origin.server.opened_after.borrow().last(),
        Some(&Some("2".to_owned()))
    );
    // The new connection starts over (a server that ignores the resume
    // point); a tab that joins now sees each message once too.
    origin.serve(1..=3);
    origin.pull(b);
    let c = origin.open_tab(None);
    assert_eq!(origin.tabs[b].take_ids(), ids(3..=3));
    assert_eq!(origin.tabs[c].take_ids(), ids(1..=3));
    // Once a new message came, batches travel as they came again.
    let batch = origin.serve(4..=5);
    assert_eq!(origin.pull(b), vec![format!("Btab{b}\n{batch}")]);
    assert_eq!(origin.tabs[c].take_ids(), ids(4..=5));
}

#[test]
fn a_follower_the_leader_cannot_catch_up_opens_its_own_connection_after_its_last_id() {
    let mut origin = Origin::new();
    let a = origin.open_tab(None);
    origin.lead(a);
    // More than the leader keeps for later tabs: the oldest batch goes.
    origin.serve(1..=super::channel::CATCH_UP_MESSAGES as u32);
    origin.pull(a);
    origin.serve(10_001..=10_002);
    origin.pull(a);
    // A tab reloaded after message 5 missed what the leader let go.
    let b = origin.open_tab(Some("5"));
    assert_eq!(
        origin.server.opened_after.borrow().last(),
        Some(&Some("5".to_owned()))
    );
    assert!(
        origin.tabs[b].state.borrow().link.is_none(),
        "shares no more"
    );
    // A tab that had 10 001 joins the leader and misses nothing.
    let c = origin.open_tab(Some("10001"));
    assert_eq!(origin.tabs[c].take_ids(), ids(10_002..=10_002));
}

#[test]
fn a_leader_whose_connection_fills_the_queue_itself_encodes_each_message_once() {
    let mut origin = Origin::new();
    let (a, b) = (origin.open_tab(None), origin.open_tab(None));
    origin.lead(a);
    let queue = origin.server.queue.borrow().clone().expect("opened");
    for id in 1..=2 {
        queue
            .borrow_mut()
            .push_back(RawMessage::message("{}", id.to_string()));
    }
    let said = origin.pull(a);
    let mut expected = String::new();
    for id in 1..=2 {
        message_batch::encode_into(&mut expected, &RawMessage::message("{}", id.to_string()));
    }
    assert_eq!(said, vec![format!("Btab{a}\n{expected}")]);
    assert_eq!(origin.tabs[b].take_ids(), ids(1..=2));
}

#[test]
fn the_shared_name_shows_nothing_of_the_url_and_tells_kinds_apart() {
    let url = "https://app.test/api/tasks/1/events?access_token=SECRET";
    let name = shared_name("eventsource", url);
    assert!(name.starts_with("sse-task-progress "), "{name}");
    assert!(
        !name.contains("SECRET") && !name.contains("app.test"),
        "{name}"
    );
    assert_eq!(name, shared_name("eventsource", url), "stable");
    assert_ne!(name, shared_name("fetch GET ", url));
}
