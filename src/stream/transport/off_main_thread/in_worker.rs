//! The stream worker's side: what the page asks ([`stream_worker_heard`]),
//! each connection run by the fetch transport into a queue of its own, and
//! its messages posted to the page in batches, as bytes.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use super::super::contract::{Connection, OpenRequest, StreamTransport, TransportEvent};
use super::super::fetch::FetchTransport;
use super::words::{
    FromWorker, Report, ToWorker, WorkerRequest, BYTES_IN_FLIGHT, MESSAGES_IN_FLIGHT,
};
use super::worker_link::tell_page;
use crate::stream::browser::set_timeout;
use crate::stream::diagnosis::Diagnosis;
use crate::stream::pump::MessageQueue;
use crate::wire::message_batch;

/// How often the worker says that bytes came which held no message, in ms.
const ALIVE_EVERY_MS: u32 = 1_000;

/// One connection in the worker.
struct Upstream {
    id: u32,
    queue: MessageQueue,
    connection: RefCell<Option<Box<dyn Connection>>>,
    /// Batches posted that the page has not taken, oldest first: their
    /// messages and bytes.
    in_flight: RefCell<VecDeque<(usize, usize)>>,
    /// The activity last told to the page (`performance.now()`, ms).
    told_activity_ms: Cell<f64>,
}

thread_local! {
    /// The open connections (a page has a few).
    static UPSTREAMS: RefCell<Vec<Rc<Upstream>>> = const { RefCell::new(Vec::new()) };
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

/// What the page said to its stream worker (the worker's script calls it
/// with every post; on a page it is never called).
#[wasm_bindgen(js_name = streamWorkerHeard)]
pub fn stream_worker_heard(data: JsValue) {
    let Some(said) = data.as_string().as_deref().and_then(ToWorker::parse) else {
        return;
    };
    match said {
        ToWorker::Open { id, request } => open(id, request),
        ToWorker::Close { id } => {
            // Dropped outside the map's borrow: dropping aborts the request.
            let upstream = UPSTREAMS.with(|open| {
                let mut open = open.borrow_mut();
                let at = open.iter().position(|upstream| upstream.id == id)?;
                Some(open.swap_remove(at))
            });
            if let Some(upstream) = upstream {
                upstream.connection.borrow_mut().take();
            }
        }
        ToWorker::Took { id } => {
            if let Some(upstream) = upstream(id) {
                upstream.in_flight.borrow_mut().pop_front();
                upstream.post(false);
            }
        }
    }
}

fn upstream(id: u32) -> Option<Rc<Upstream>> {
    UPSTREAMS.with(|open| {
        open.borrow()
            .iter()
            .find(|upstream| upstream.id == id)
            .cloned()
    })
}

fn tell(id: u32, report: Report, bytes: Option<&[u8]>) {
    tell_page(&FromWorker::Connection { id, report }.to_text(), bytes);
}

fn open(id: u32, request: WorkerRequest) {
    let transport = FetchTransport {
        options: request.fetch_options(),
    };
    let upstream = Rc::new(Upstream {
        id,
        queue: MessageQueue::default(),
        connection: RefCell::new(None),
        in_flight: RefCell::default(),
        told_activity_ms: Cell::new(0.0),
    });
    UPSTREAMS.with(|open| open.borrow_mut().push(upstream.clone()));
    let sink = {
        let upstream = Rc::downgrade(&upstream);
        Rc::new(move |event| {
            if let Some(upstream) = upstream.upgrade() {
                upstream.on_event(event);
            }
        })
    };
    let opened = transport.open(
        OpenRequest {
            url: &request.url,
            last_event_id: request.last_event_id.as_deref(),
            named_events: &request.named_events,
            queue: &upstream.queue,
            max_event_bytes: request.max_event_bytes,
        },
        sink,
    );
    match opened {
        Ok(connection) => {
            upstream.told_activity_ms.set(connection.last_activity_ms());
            *upstream.connection.borrow_mut() = Some(connection);
            watch_activity();
        }
        Err(reason) => tell(id, Report::Failed(Diagnosis::cannot_open(reason)), None),
    }
}

impl Upstream {
    fn on_event(&self, event: TransportEvent) {
        let report = match event {
            TransportEvent::Messages { .. } => return self.post(false),
            // The page counts its connections itself (the worker's fetch
            // transport is not counted here).
            TransportEvent::Queued | TransportEvent::SlotFree => return,
            TransportEvent::Opened => Report::Opened,
            TransportEvent::Retry(ms) => Report::Retry(ms),
            TransportEvent::Ended { .. } => Report::Ended,
            TransportEvent::Failed(diagnosis) => Report::Failed(diagnosis),
            TransportEvent::Unexplained => Report::Unexplained,
        };
        // Everything read goes before the end, whatever is in flight.
        self.post(true);
        tell(self.id, report, None);
    }

    /// Posts what the queue holds as one batch, while less than
    /// [`MESSAGES_IN_FLIGHT`] and [`BYTES_IN_FLIGHT`] wait in the page (or
    /// in any case: `all`).
    fn post(&self, all: bool) {
        let (messages, bytes) = self
            .in_flight
            .borrow()
            .iter()
            .fold((0, 0), |(m, b), (count, size)| (m + count, b + size));
        if !all && (messages >= MESSAGES_IN_FLIGHT || bytes >= BYTES_IN_FLIGHT) {
            return;
        }
        let mut encoded = String::new();
        let mut count = 0;
        {
            let mut queue = self.queue.borrow_mut();
            encoded.reserve(queue.bytes() + queue.len() * 16);
            while let Some(message) = queue.pop_front() {
                message_batch::encode_into(&mut encoded, &message);
                count += 1;
            }
        }
        if count == 0 {
            return;
        }
        self.in_flight
            .borrow_mut()
            .push_back((count, encoded.len()));
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        tell(self.id, Report::Batch(count), Some(encoded.as_bytes()));
    }
}

/// Once a second, tells the page of each connection that brought bytes
/// (and maybe no message) since the last look; stops when none is open.
fn watch_activity() {
    if WATCHING.with(|watching| watching.replace(true)) {
        return;
    }
    fn look() {
        let upstreams: Vec<Rc<Upstream>> = UPSTREAMS.with(|open| open.borrow().clone());
        if upstreams.is_empty() {
            WATCHING.with(|watching| watching.set(false));
            return;
        }
        for upstream in upstreams {
            let activity = upstream
                .connection
                .borrow()
                .as_ref()
                .map(|connection| connection.last_activity_ms());
            if let Some(activity) = activity {
                if activity > upstream.told_activity_ms.get() {
                    upstream.told_activity_ms.set(activity);
                    tell(upstream.id, Report::Alive, None);
                }
            }
        }
        set_timeout(look, ALIVE_EVERY_MS);
    }
    set_timeout(look, ALIVE_EVERY_MS);
}
