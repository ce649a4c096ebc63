//! The fetch transport in a worker: `fetch`, the body's reading and our
//! parser run in the page's one stream worker (the page's own wasm module,
//! started again in a dedicated worker), and the page gets each batch of
//! messages as bytes, decoded into the stream's queue when the pump asks
//! for more ([`Connection::refill`]). Everything above (the controller, the
//! rules, the dedup, the reducer, the view) is the same as on the main
//! thread.
//!
//! - Bounded: the worker posts at most twice the queue's bounds
//!   ([`words::MESSAGES_IN_FLIGHT`], [`words::BYTES_IN_FLIGHT`]) that a
//!   connection's page has not taken; its own queue fills meanwhile and its
//!   reading stops, as on the page.
//! - Stop: dropping the connection tells the worker to abort the request;
//!   what it posted after is ignored.
//! - Alive: the worker says when bytes came that held no message, at most
//!   once a second, so the idle timeout sees a quiet stream's heartbeats.
//! - Falling back: where the browser cannot start the worker, or it fails
//!   to start (a Content Security Policy without `worker-src blob:`, an app
//!   whose start function needs a window), connections open on the main
//!   thread, those waiting for the worker included; a worker that stops
//!   later fails its connections as a network error, so they reconnect,
//!   on the main thread.

#[cfg(feature = "stream-worker")]
mod in_worker;
mod words;
mod worker_link;

pub use worker_link::use_stream_worker_from;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use super::contract::{Connection, EventSink, OpenRequest, StreamTransport, TransportEvent};
use super::fetch::FetchTransport;
use crate::state::ReadyState;
use crate::stream::browser::{page_url, warn};
use crate::stream::clock::now_ms;
use crate::stream::diagnosis::Diagnosis;
use crate::stream::pump::MessageQueue;
use crate::wire::message_batch;
use words::{FromWorker, Report, ToWorker, WorkerRequest};
use worker_link::WorkerLink;

/// True in the stream worker (and any other worker): an app's start
/// function returns at once there, since the worker starts the page's wasm
/// only to read streams.
///
/// ```no_run
/// # fn start() {
/// if sse_task_progress::runs_in_stream_worker() {
///     return;
/// }
/// // leptos::mount::mount_to_body(App);
/// # }
/// ```
pub fn runs_in_stream_worker() -> bool {
    crate::stream::browser::worker_scope().is_some()
}

/// Opens streams with `fetch` in the page's stream worker, or on the main
/// thread where there is none.
#[derive(Debug, Clone, Default)]
pub struct WorkerTransport {
    /// The transport the worker runs (and the page, where it cannot).
    pub fetch: FetchTransport,
}

impl StreamTransport for WorkerTransport {
    fn open(
        &self,
        request: OpenRequest<'_>,
        sink: EventSink,
    ) -> Result<Box<dyn Connection>, String> {
        let Some(worker) = PageWorker::get() else {
            return self.fetch.open(request, sink);
        };
        let url = page_url(request.url)
            .map(|url| url.href())
            .ok_or_else(|| format!("\"{}\" is not a URL", request.url))?;
        let worker_request = WorkerRequest::for_attempt(url, &request, &self.fetch.options);
        // A line break is no header (the browser would refuse it), and the
        // worker's request keeps one header per line.
        if let Some((name, _)) = worker_request
            .headers
            .iter()
            .find(|(name, value)| (name.clone() + value).contains(['\n', '\r']))
        {
            return Err(format!("the header \"{name}\" is not valid"));
        }
        let id = worker.next_id.get();
        worker.next_id.set(id.wrapping_add(1));
        let pipe = Rc::new(Pipe {
            id,
            queue: request.queue.clone(),
            sink,
            state: Cell::new(ReadyState::Connecting),
            last_activity_ms: Cell::new(now_ms()),
            batches: RefCell::default(),
            local: RefCell::new(None),
            retry_locally: RefCell::new(Some((self.fetch.clone(), worker_request.clone()))),
        });
        worker.pipes.borrow_mut().push(Rc::downgrade(&pipe));
        worker.tell(&ToWorker::Open {
            id,
            request: worker_request,
        });
        Ok(Box::new(WorkerConnection { pipe }))
    }
}

/// The page's one stream worker and the connections it holds.
struct PageWorker {
    link: Option<WorkerLink>,
    /// It could not start, or stopped: connections open on the main thread.
    gone: Cell<bool>,
    /// The open connections (a page has a few).
    pipes: RefCell<Vec<Weak<Pipe>>>,
    next_id: Cell<u32>,
}

thread_local! {
    static PAGE_WORKER: RefCell<Option<Rc<PageWorker>>> = const { RefCell::new(None) };
}

impl PageWorker {
    /// The page's worker, started at the first call; `None` once it is gone.
    fn get() -> Option<Rc<Self>> {
        let worker = PAGE_WORKER.with(|slot| {
            slot.borrow_mut()
                .get_or_insert_with(|| {
                    let heard = wasm_bindgen::closure::Closure::new(page_heard);
                    let link = WorkerLink::start(heard);
                    Rc::new(Self {
                        gone: Cell::new(link.is_none()),
                        link,
                        pipes: RefCell::default(),
                        next_id: Cell::new(1),
                    })
                })
                .clone()
        });
        (!worker.gone.get()).then_some(worker)
    }

    fn tell(&self, said: &ToWorker) {
        if self.gone.get() {
            return;
        }
        if let Some(link) = &self.link {
            link.tell(&said.to_text());
        }
    }

    /// The live connection `id`.
    fn pipe(&self, id: u32) -> Option<Rc<Pipe>> {
        self.pipes
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .find(|pipe| pipe.id == id)
    }

    /// The worker cannot run: every connection goes on without it.
    fn gone(&self, reason: &str) {
        warn(&format!(
            "sse-task-progress: streams stay on the main thread: {reason}"
        ));
        self.gone.set(true);
        if let Some(link) = &self.link {
            link.stop();
        }
        let pipes: Vec<Rc<Pipe>> = self
            .pipes
            .borrow_mut()
            .drain(..)
            .filter_map(|pipe| pipe.upgrade())
            .collect();
        for pipe in pipes {
            pipe.without_worker();
        }
    }
}

/// What the page heard from its worker.
fn page_heard(text: String, bytes: Option<js_sys::Uint8Array>) {
    let Some(worker) = PAGE_WORKER.with(|slot| slot.borrow().clone()) else {
        return;
    };
    match FromWorker::parse(&text) {
        // Posts made while it started waited for it: nothing to do.
        Some(FromWorker::Ready) | None => {}
        Some(FromWorker::Unavailable(reason)) => worker.gone(&reason),
        Some(FromWorker::Connection { id, report }) => {
            // Looked up first: the report may drop the connection.
            if let Some(pipe) = worker.pipe(id) {
                pipe.report(report, bytes);
            }
        }
    }
}

/// One connection's page end.
struct Pipe {
    id: u32,
    queue: MessageQueue,
    sink: EventSink,
    state: Cell<ReadyState>,
    last_activity_ms: Cell<f64>,
    /// Batches posted and not yet moved to the queue, oldest first.
    batches: RefCell<VecDeque<Vec<u8>>>,
    /// The connection on the main thread, once the worker is gone.
    local: RefCell<Option<Box<dyn Connection>>>,
    /// How to open it on the main thread, until the worker answered.
    retry_locally: RefCell<Option<(FetchTransport, WorkerRequest)>>,
}

impl Pipe {
    fn report(&self, report: Report, bytes: Option<js_sys::Uint8Array>) {
        self.last_activity_ms.set(now_ms());
        if !matches!(report, Report::Alive) {
            self.retry_locally.borrow_mut().take();
        }
        let event = match report {
            Report::Alive => return,
            Report::Opened => {
                self.state.set(ReadyState::Open);
                TransportEvent::Opened
            }
            Report::Batch(count) => {
                if let Some(bytes) = bytes {
                    self.batches.borrow_mut().push_back(bytes.to_vec());
                }
                let held = u32::try_from(self.queue.borrow().len()).unwrap_or(u32::MAX);
                TransportEvent::Messages {
                    queued: count.saturating_add(held),
                }
            }
            Report::Retry(ms) => TransportEvent::Retry(ms),
            Report::Ended => {
                self.state.set(ReadyState::Connecting);
                TransportEvent::Ended {
                    reconnecting_itself: false,
                }
            }
            Report::Failed(diagnosis) => {
                self.state.set(ReadyState::Closed);
                TransportEvent::Failed(diagnosis)
            }
            Report::Unexplained => {
                self.state.set(ReadyState::Closed);
                TransportEvent::Unexplained
            }
        };
        (self.sink)(event);
    }

    /// The worker is gone: a connection it never answered opens on the
    /// main thread; one it had answered fails as a network error would.
    fn without_worker(&self) {
        let Some((fetch, request)) = self.retry_locally.borrow_mut().take() else {
            self.state.set(ReadyState::Closed);
            return (self.sink)(TransportEvent::Failed(Diagnosis::broke_off(
                "the stream worker stopped",
            )));
        };
        let opened = fetch.open(
            OpenRequest {
                url: &request.url,
                last_event_id: request.last_event_id.as_deref(),
                named_events: &request.named_events,
                queue: &self.queue,
                max_event_bytes: request.max_event_bytes,
            },
            self.sink.clone(),
        );
        match opened {
            Ok(connection) => *self.local.borrow_mut() = Some(connection),
            Err(reason) => {
                self.state.set(ReadyState::Closed);
                (self.sink)(TransportEvent::Failed(Diagnosis::cannot_open(reason)));
            }
        }
    }
}

/// The warning for a batch that is not what the worker writes.
const BROKEN_BATCH: &str = "sse-task-progress: the stream worker posted a broken batch";

/// One connection held by the worker (or, once it is gone, by the page).
struct WorkerConnection {
    pipe: Rc<Pipe>,
}

impl Connection for WorkerConnection {
    /// Moves the oldest batch to the queue while it has room, and tells the
    /// worker it may post another.
    fn refill(&self) -> bool {
        if let Some(local) = &*self.pipe.local.borrow() {
            return local.refill();
        }
        let Some(batch) = self.take_batch() else {
            return false;
        };
        let Some(messages) = message_batch::decode(&batch) else {
            warn(BROKEN_BATCH);
            return false;
        };
        self.pipe.queue.borrow_mut().extend(messages);
        true
    }

    /// The oldest batch the worker posted, while the queue has room (the
    /// worker may then post another).
    fn take_batch(&self) -> Option<String> {
        if self.pipe.local.borrow().is_some() || self.pipe.queue.borrow().full() {
            return None;
        }
        let bytes = self.pipe.batches.borrow_mut().pop_front()?;
        if let Some(worker) = PageWorker::get() {
            worker.tell(&ToWorker::Took { id: self.pipe.id });
        }
        let batch = String::from_utf8(bytes).ok();
        if batch.is_none() {
            warn(BROKEN_BATCH);
        }
        batch
    }

    fn ready_state(&self) -> ReadyState {
        match &*self.pipe.local.borrow() {
            Some(local) => local.ready_state(),
            None => self.pipe.state.get(),
        }
    }

    fn last_activity_ms(&self) -> f64 {
        match &*self.pipe.local.borrow() {
            Some(local) => local.last_activity_ms(),
            None => self.pipe.last_activity_ms.get(),
        }
    }
}

impl Drop for WorkerConnection {
    fn drop(&mut self) {
        if self.pipe.local.borrow_mut().take().is_some() {
            return;
        }
        let worker = PAGE_WORKER.with(|slot| slot.borrow().clone());
        if let Some(worker) = worker {
            let id = self.pipe.id;
            worker
                .pipes
                .borrow_mut()
                .retain(|pipe| pipe.upgrade().is_some_and(|pipe| pipe.id != id));
            worker.tell(&ToWorker::Close { id: self.pipe.id });
        }
    }
}
