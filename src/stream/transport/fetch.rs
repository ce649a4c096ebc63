//! The fetch transport: `fetch` with the method, body, credentials and
//! headers of [`FetchOptions`], the response's `ReadableStream` read in
//! chunks, and our own parser ([`SseParser`]).
//!
//! It reads no faster than the page applies: a chunk is parsed only while
//! fewer than [`MAX_QUEUED`] messages wait in the stream's queue, and the
//! loop yields to the event loop after [`READ_SLICE_MS`] of work, so no task
//! of ours runs long whatever the server sends. Dropping the connection
//! aborts the request.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStreamDefaultReader, RequestCache, RequestCredentials,
    RequestInit, Response,
};

use super::contract::{
    delivered_types, Connection, EventSink, OpenRequest, StreamTransport, TransportEvent,
};
use super::yield_now::yield_now;
use crate::state::ReadyState;
use crate::stream::browser::{spawn_local, window};
use crate::stream::clock::now_ms;
use crate::stream::diagnosis::{is_event_stream, Diagnosis};
use crate::stream::fetch_options::{Credentials, FetchOptions};
use crate::stream::http;
use crate::stream::pump::{MessageQueue, MAX_QUEUED, READ_SLICE_MS};
use crate::wire::{SseItem, SseParser};

/// Opens streams with `fetch`.
#[derive(Debug, Clone, Default)]
pub struct FetchTransport {
    /// Method, body, credentials and headers of every attempt.
    pub options: FetchOptions,
}

impl StreamTransport for FetchTransport {
    fn open(
        &self,
        request: OpenRequest<'_>,
        sink: EventSink,
    ) -> Result<Box<dyn Connection>, String> {
        let abort = AbortController::new().map_err(|_| "cannot create an AbortController")?;
        let init = self.request_init(request.last_event_id)?;
        init.set_signal(Some(&abort.signal()));
        let promise = window()
            .ok_or("the page has no window")?
            .fetch_with_str_and_init(request.url, &init);
        let shared = Rc::new(Shared {
            queue: request.queue.clone(),
            state: Cell::new(ReadyState::Connecting),
            closed: Cell::new(false),
        });
        let reading = ReadLoop {
            shared: shared.clone(),
            sink,
            types: delivered_types(request.named_events),
            last_event_id: request.last_event_id.unwrap_or_default().to_owned(),
        };
        spawn_local(reading.run(promise));
        Ok(Box::new(FetchConnection { abort, shared }))
    }
}

impl FetchTransport {
    fn request_init(&self, last_event_id: Option<&str>) -> Result<RequestInit, String> {
        let options = &self.options;
        let headers = Headers::new().map_err(|_| "cannot create headers")?;
        let set = |name: &str, value: &str| {
            headers
                .set(name, value)
                .map_err(|_| format!("the header \"{name}\" is not valid"))
        };
        set("Accept", "text/event-stream")?;
        if let Some(kind) = &options.content_type {
            set("Content-Type", kind)?;
        }
        if let Some(id) = last_event_id {
            set("Last-Event-ID", id)?;
        }
        if let Some(extra) = &options.headers {
            for (name, value) in extra() {
                set(&name, &value)?;
            }
        }
        let init = RequestInit::new();
        init.set_method(options.method());
        init.set_headers(&headers);
        init.set_cache(RequestCache::NoStore);
        init.set_credentials(match options.credentials {
            Credentials::Omit => RequestCredentials::Omit,
            Credentials::SameOrigin => RequestCredentials::SameOrigin,
            Credentials::Include => RequestCredentials::Include,
        });
        if let Some(body) = &options.body {
            init.set_body(&JsValue::from_str(body));
        }
        Ok(init)
    }
}

/// What the connection and its read loop share.
struct Shared {
    /// The stream's queue, which the loop fills.
    queue: MessageQueue,
    state: Cell<ReadyState>,
    /// Set when the connection was dropped: the loop stops without a word.
    closed: Cell<bool>,
}

/// One request; dropping it aborts the request.
struct FetchConnection {
    abort: AbortController,
    shared: Rc<Shared>,
}

impl Connection for FetchConnection {
    /// Nothing to move: the read loop fills the queue itself.
    fn refill(&self) -> bool {
        false
    }

    fn ready_state(&self) -> ReadyState {
        self.shared.state.get()
    }
}

impl Drop for FetchConnection {
    fn drop(&mut self) {
        self.shared.closed.set(true);
        self.shared.state.set(ReadyState::Closed);
        self.abort.abort();
    }
}

/// The task that reads one response.
struct ReadLoop {
    shared: Rc<Shared>,
    sink: EventSink,
    types: Vec<String>,
    last_event_id: String,
}

impl ReadLoop {
    async fn run(self, request: js_sys::Promise) {
        let response = match JsFuture::from(request).await {
            Ok(response) => response.unchecked_into::<Response>(),
            Err(_) => return self.fail(Diagnosis::unreachable()),
        };
        if self.shared.closed.get() {
            return;
        }
        let content_type = response.headers().get("content-type").ok().flatten();
        let status = response.status();
        let streams =
            response.ok() && status != 204 && content_type.as_deref().is_some_and(is_event_stream);
        if !streams {
            let diagnosis = http::describe_answer(&response).await;
            return self.fail(diagnosis);
        }
        self.shared.state.set(ReadyState::Open);
        (self.sink)(TransportEvent::Opened);
        if let Some(body) = response.body() {
            let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            self.read(&reader).await;
            if self.shared.closed.get() {
                // Dropped: the abort already ended the body (cancelling it
                // again would only reject, uncaught, with an AbortError).
                return;
            }
        }
        self.shared.state.set(ReadyState::Connecting);
        (self.sink)(TransportEvent::Ended {
            reconnecting_itself: false,
        });
    }

    /// Reads until the body ends, fails, or the connection is dropped.
    async fn read(&self, reader: &ReadableStreamDefaultReader) {
        let mut parser = SseParser::new(self.last_event_id.clone());
        let mut items = Vec::new();
        let mut slice_start = now_ms();
        loop {
            loop {
                let queued = self.shared.queue.borrow().len();
                if queued < MAX_QUEUED && now_ms() - slice_start <= READ_SLICE_MS {
                    break;
                }
                if queued >= MAX_QUEUED {
                    // Waiting for room: make sure the page is applying.
                    (self.sink)(TransportEvent::Messages {
                        queued: u32::try_from(queued).unwrap_or(u32::MAX),
                    });
                }
                yield_now().await;
                if self.shared.closed.get() {
                    return;
                }
                slice_start = now_ms();
            }
            let Ok(result) = JsFuture::from(reader.read()).await else {
                // A network error in the middle of the body: the end of this connection.
                break;
            };
            if self.shared.closed.get() {
                return;
            }
            let done = Reflect::get(&result, &"done".into())
                .ok()
                .and_then(|done| done.as_bool())
                .unwrap_or(true);
            if done {
                break;
            }
            let Ok(value) = Reflect::get(&result, &"value".into()) else {
                break;
            };
            let chunk: Uint8Array = value.unchecked_into();
            parser.feed(&chunk.to_vec(), &mut items);
            self.deliver(&mut items);
            if self.shared.closed.get() {
                return;
            }
        }
        parser.finish();
    }

    /// Queues the parsed events and tells the sink.
    fn deliver(&self, items: &mut Vec<SseItem>) {
        let mut retry = None;
        let queued = {
            let mut queue = self.shared.queue.borrow_mut();
            for item in items.drain(..) {
                match item {
                    SseItem::Event(message) if self.types.contains(&message.event_type) => {
                        queue.push_back(message);
                    }
                    SseItem::Event(_) => {}
                    SseItem::Retry(ms) => retry = Some(ms),
                }
            }
            queue.len()
        };
        if let Some(ms) = retry {
            (self.sink)(TransportEvent::Retry(ms));
        }
        if queued > 0 && !self.shared.closed.get() {
            (self.sink)(TransportEvent::Messages {
                queued: u32::try_from(queued).unwrap_or(u32::MAX),
            });
        }
    }

    fn fail(&self, diagnosis: Diagnosis) {
        if self.shared.closed.get() {
            return;
        }
        self.shared.state.set(ReadyState::Closed);
        (self.sink)(TransportEvent::Failed(diagnosis));
    }
}
