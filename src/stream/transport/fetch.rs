//! The fetch transport: `fetch` with the method, body, credentials and
//! headers of [`FetchOptions`], the response's `ReadableStream` read in
//! chunks, and our own parser ([`SseParser`]).
//!
//! It reads no faster than the page applies: a chunk is parsed a piece of
//! [`READ_PIECE_BYTES`] at a time (the browser hands over megabytes at once
//! when the page is busy), each only while the stream's queue is not full
//! (in messages or bytes), and the loop yields to the event loop after
//! [`READ_SLICE_MS`] of work, so no task of ours runs long and the memory
//! stays bounded whatever the server sends. An event longer than the
//! limit fails the stream and frees what it held. A request that gets no
//! answer is [`TransportEvent::Unexplained`]; a body that breaks off after
//! the open is a failure with that reason. `Last-Event-ID` is sent as the
//! id's UTF-8 bytes, as browsers send it, in every engine (WebKit cannot
//! send an id beyond Latin-1 in a header: that one goes as `?lastEventId=`). Dropping the connection aborts
//! the request.

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
use super::event_source::with_last_event_id;
use super::yield_now::{wait_for_room, yield_now};
use crate::state::ReadyState;
use crate::stream::browser::{error_words, fetch, global_field, spawn_local};
use crate::stream::clock::now_ms;
use crate::stream::diagnosis::{foreign_charset, is_event_stream, Diagnosis};
use crate::stream::fetch_options::{Credentials, FetchOptions};
use crate::stream::http;
use crate::stream::pump::{MessageQueue, READ_PIECE_BYTES, READ_SLICE_MS};
use crate::wire::RawMessage;
use crate::wire::{SseItem, SseParser};
use crate::words::{Failure, FailureCode};

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
        // An id no header can carry here is sent in the query, as the
        // EventSource transport does.
        let header = request.last_event_id.and_then(last_event_id_header);
        let url = match request.last_event_id {
            Some(id) if header.is_none() => with_last_event_id(request.url, id),
            _ => request.url.to_owned(),
        };
        let init = self.request_init(header.as_deref())?;
        init.set_signal(Some(&abort.signal()));
        let promise = fetch(&url, &init);
        let shared = Rc::new(Shared {
            queue: request.queue.clone(),
            state: Cell::new(ReadyState::Connecting),
            closed: Cell::new(false),
            last_activity_ms: Cell::new(now_ms()),
        });
        let reading = ReadLoop {
            shared: shared.clone(),
            sink,
            types: delivered_types(request.named_events),
            last_event_id: request.last_event_id.unwrap_or_default().to_owned(),
            max_event_bytes: request.max_event_bytes,
        };
        spawn_local(reading.run(promise));
        Ok(Box::new(FetchConnection { abort, shared }))
    }
}

impl FetchTransport {
    /// The request, with `last_event_id_header` (the id as the header
    /// carries it) when resuming.
    fn request_init(&self, last_event_id_header: Option<&str>) -> Result<RequestInit, String> {
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
        if let Some(header) = last_event_id_header {
            set("Last-Event-ID", header)?;
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
    /// When the last bytes arrived (`performance.now()`, ms).
    last_activity_ms: Cell<f64>,
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

    fn last_activity_ms(&self) -> f64 {
        self.shared.last_activity_ms.get()
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
    max_event_bytes: usize,
}

/// How reading a body ended.
enum BodyEnd {
    /// The server ended it.
    Done,
    /// The connection was dropped.
    Dropped,
    /// It failed; the connection is over.
    Failed(Diagnosis),
}

impl ReadLoop {
    async fn run(self, request: js_sys::Promise) {
        let response = match JsFuture::from(request).await {
            Ok(response) => response.unchecked_into::<Response>(),
            Err(_) => {
                if !self.shared.closed.get() {
                    self.shared.state.set(ReadyState::Closed);
                    (self.sink)(TransportEvent::Unexplained);
                }
                return;
            }
        };
        if self.shared.closed.get() {
            return;
        }
        let content_type = response.headers().get("content-type").ok().flatten();
        let status = response.status();
        let streams = response.ok()
            && status != 204
            && content_type
                .as_deref()
                .is_some_and(|kind| is_event_stream(kind) && foreign_charset(kind).is_none());
        if !streams {
            let diagnosis = http::describe_answer(&response).await;
            return self.fail(diagnosis);
        }
        self.shared.state.set(ReadyState::Open);
        self.shared.last_activity_ms.set(now_ms());
        (self.sink)(TransportEvent::Opened);
        if let Some(body) = response.body() {
            let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            match self.read(&reader).await {
                // Dropped: the abort already ended the body (cancelling it
                // again would only reject, uncaught, with an AbortError).
                BodyEnd::Dropped => return,
                BodyEnd::Failed(diagnosis) => {
                    // Awaited, so that its rejection (a stream that already
                    // failed rejects with its error) is handled, never
                    // an uncaught error on the page.
                    let cancelled = reader.cancel();
                    spawn_local(async move {
                        let _ = JsFuture::from(cancelled).await;
                    });
                    return self.fail(diagnosis);
                }
                BodyEnd::Done => {}
            }
        }
        self.shared.state.set(ReadyState::Connecting);
        (self.sink)(TransportEvent::Ended {
            reconnecting_itself: false,
        });
    }

    /// Reads until the body ends, fails, or the connection is dropped.
    async fn read(&self, reader: &ReadableStreamDefaultReader) -> BodyEnd {
        let mut parser = SseParser::with_limit(self.last_event_id.clone(), self.max_event_bytes);
        let mut items = Vec::new();
        let mut slice_start = now_ms();
        loop {
            if !self.wait_for_room(&mut slice_start).await {
                return BodyEnd::Dropped;
            }
            let result = match JsFuture::from(reader.read()).await {
                Ok(result) => result,
                Err(error) => {
                    if self.shared.closed.get() {
                        return BodyEnd::Dropped;
                    }
                    // A reset, a broken chunked encoding, a proxy that cut it.
                    let words = error_words(&error, "network error");
                    return BodyEnd::Failed(Diagnosis::broke_off(&words));
                }
            };
            if self.shared.closed.get() {
                return BodyEnd::Dropped;
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
            self.shared.last_activity_ms.set(now_ms());
            let length = chunk.length();
            let mut start = 0;
            while start < length {
                if start > 0 && !self.wait_for_room(&mut slice_start).await {
                    return BodyEnd::Dropped;
                }
                let end = length.min(start.saturating_add(READ_PIECE_BYTES));
                let fed = parser.feed(&chunk.subarray(start, end).to_vec(), &mut items);
                start = end;
                self.deliver(&mut items);
                if self.shared.closed.get() {
                    return BodyEnd::Dropped;
                }
                if let Err(too_large) = fed {
                    return BodyEnd::Failed(Diagnosis::permanent(Failure::new(
                        FailureCode::TooLarge,
                        [too_large.limit.to_string()],
                    )));
                }
            }
        }
        parser.finish();
        BodyEnd::Done
    }

    /// Waits until the queue has room and this task has worked less than
    /// [`READ_SLICE_MS`] (yielding to the page meanwhile); false when the
    /// connection was dropped.
    async fn wait_for_room(&self, slice_start: &mut f64) -> bool {
        loop {
            let (queued, full) = {
                let queue = self.shared.queue.borrow();
                (queue.len(), queue.full())
            };
            if !full && now_ms() - *slice_start <= READ_SLICE_MS {
                return true;
            }
            if full {
                // Waiting for room: make sure the page is applying.
                (self.sink)(TransportEvent::Messages {
                    queued: u32::try_from(queued).unwrap_or(u32::MAX),
                });
                wait_for_room().await;
            } else {
                yield_now().await;
            }
            if self.shared.closed.get() {
                return false;
            }
            *slice_start = now_ms();
        }
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
                    SseItem::LastEventId(id) => queue.push_back(RawMessage {
                        last_event_id: id,
                        ..RawMessage::default()
                    }),
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

/// `id` as a header value the browser sends as the id's UTF-8 bytes, or
/// `None` where this browser cannot send them. A header value is a byte
/// string: Chromium and Firefox send each character below 256 as that byte,
/// so the UTF-8 bytes go one per character. WebKit encodes such characters
/// as UTF-8 again, and refuses any above 255 as Chromium does: there an id
/// within Latin-1 goes as it is (WebKit's encoding gives its UTF-8 bytes),
/// and one beyond has no header that WebKit sends right.
fn last_event_id_header(id: &str) -> Option<String> {
    if id.is_ascii() {
        return Some(id.to_owned());
    }
    if !encodes_headers_as_utf8() {
        return Some(id.bytes().map(char::from).collect());
    }
    id.chars()
        .all(|c| u32::from(c) < 256)
        .then(|| id.to_owned())
}

thread_local! {
    static WEBKIT: std::cell::OnceCell<bool> = const { std::cell::OnceCell::new() };
}

/// True in WebKit (Safari, and every browser on iOS), whose `fetch` sends
/// header values as UTF-8. No API tells it apart, so its user agent does:
/// WebKit's says "AppleWebKit" without "Chrome" (Blink's says both).
fn encodes_headers_as_utf8() -> bool {
    WEBKIT.with(|answer| {
        *answer.get_or_init(|| {
            global_field("navigator", "userAgent").is_some_and(|agent| {
                agent.contains("AppleWebKit/")
                    && !agent.contains("Chrome/")
                    && !agent.contains("Chromium/")
            })
        })
    })
}
