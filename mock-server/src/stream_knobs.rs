//! The fault knobs of the task API's event streams, for the clients' tests:
//! a layer around the task server's router (the library has no knobs) that
//! reads them from the query string of `GET {base}/tasks/{id}/events` and
//! `GET {base}/tasks/events`, and counts the streams open now.
//!
//! - `drop_after=N`: a first connection (no resume id) ends after N events;
//!   `drop_every=N`: every connection does (the feed: N rows after its
//!   snapshot). Events are frames with an `id:` line.
//! - `end_after_ms=M` (1..=3 600 000): every connection ends after M ms, as
//!   a server that caps its connections.
//! - `retry_ms=R` (0..=600 000): the stream's `retry:` says R.
//! - `ignore_resume=1`: the resume point is dropped from the request, so the
//!   stream starts over like a naive server's.
//! - `key=K`: counts the request under K (`GET /faults/hits/{K}`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{header, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use sse_task_server::http::{resume_from, ApiError, ResumeFrom};

use crate::counters::{RequestCounters, StreamCounts, StreamKind};

/// Longest `end_after_ms`.
const MAX_END_AFTER_MS: u64 = 3_600_000;
/// Longest `retry_ms`.
const MAX_RETRY_MS: u64 = 600_000;

/// What the layer needs: where the task API lives and what it counts.
pub struct KnobState {
    /// The task API's base path (`/api`).
    pub base_path: String,
    /// Requests per `?key=`.
    pub counters: Arc<RequestCounters>,
    /// Streams open now.
    pub streams: Arc<StreamCounts>,
}

/// The knobs a stream request may carry.
#[derive(Debug, Default, Deserialize)]
struct Knobs {
    /// The resume point a client without `Last-Event-ID` sends.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
    drop_after: Option<u32>,
    drop_every: Option<u32>,
    ignore_resume: Option<u8>,
    end_after_ms: Option<u64>,
    retry_ms: Option<u64>,
    key: Option<String>,
}

/// Middleware around the task server's router: applies the knobs of a
/// stream request, counts it while it is open; other requests pass.
pub async fn stream_knobs(
    State(state): State<Arc<KnobState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(kind) = stream_kind(&state.base_path, request.method(), request.uri()) else {
        return next.run(request).await;
    };
    let knobs = match Query::<Knobs>::try_from_uri(request.uri()) {
        Ok(Query(knobs)) => knobs,
        Err(rejection) => return ApiError::BadRequest(rejection.body_text()).into_response(),
    };
    if knobs
        .end_after_ms
        .is_some_and(|ms| ms == 0 || ms > MAX_END_AFTER_MS)
        || knobs.retry_ms.is_some_and(|ms| ms > MAX_RETRY_MS)
    {
        return ApiError::Unprocessable(format!(
            "end_after_ms must be 1..={MAX_END_AFTER_MS} and retry_ms 0..={MAX_RETRY_MS}"
        ))
        .into_response();
    }
    let first_connection = matches!(
        resume_from(request.headers(), knobs.last_event_id.as_deref()),
        Ok(ResumeFrom::Start | ResumeFrom::After(0))
    );
    let drop_after = match kind {
        StreamKind::Task => {
            state.counters.hit(knobs.key.as_deref());
            if knobs.ignore_resume == Some(1) {
                forget_resume_point(&mut request);
            }
            knobs
                .drop_every
                .or(knobs.drop_after.filter(|_| first_connection))
        }
        StreamKind::Feed => knobs.drop_every,
    };
    let response = next.run(request).await;
    let is_stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/event-stream"));
    if !is_stream {
        return response;
    }
    let open = state.streams.open(kind);
    let (parts, body) = response.into_parts();
    let mut cutter = FrameCutter::new(drop_after, knobs.retry_ms);
    let chunks = body.into_data_stream().map(move |chunk| {
        let _counted = &open;
        chunk.map(|bytes| cutter.pass(bytes))
    });
    let chunks = ends_after_last(chunks);
    let end = async move {
        match knobs.end_after_ms {
            Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            None => std::future::pending().await,
        }
    };
    Response::from_parts(parts, Body::from_stream(chunks.take_until(end)))
}

/// Which stream `uri` asks for, if it is one of the task API's.
fn stream_kind(base: &str, method: &Method, uri: &Uri) -> Option<StreamKind> {
    if method != Method::GET {
        return None;
    }
    let rest = uri.path().strip_prefix(base)?.strip_prefix("/tasks/")?;
    match rest.strip_suffix("/events") {
        _ if rest == "events" => Some(StreamKind::Feed),
        Some(id) if !id.is_empty() && !id.contains('/') => Some(StreamKind::Task),
        _ => None,
    }
}

/// Drops `Last-Event-ID` and `?lastEventId=` from `request`.
fn forget_resume_point(request: &mut Request) {
    request.headers_mut().remove("last-event-id");
    let uri = request.uri();
    let Some(query) = uri.query() else { return };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.starts_with("lastEventId="))
        .collect();
    if let Ok(new_uri) = format!("{}?{}", uri.path(), kept.join("&")).parse::<Uri>() {
        *request.uri_mut() = new_uri;
    }
}

/// What [`FrameCutter::pass`] lets through of a chunk, and whether the
/// stream ends after it.
#[derive(Debug, PartialEq, Eq)]
pub struct Passed {
    /// The bytes to send.
    pub bytes: Bytes,
    /// Nothing more is sent after them.
    pub done: bool,
}

/// Ends a stream after a number of events and rewrites its `retry:`
/// lines, over chunks that may split lines anywhere.
pub struct FrameCutter {
    left: Option<u32>,
    retry_ms: Option<u64>,
    /// The start of a line not ended yet.
    partial: Vec<u8>,
    frame_has_id: bool,
    frame_is_synced: bool,
    done: bool,
}

impl FrameCutter {
    /// Ends after `left` events (`None`: never); `retry:` lines say `retry_ms`.
    pub fn new(left: Option<u32>, retry_ms: Option<u64>) -> Self {
        Self {
            left,
            retry_ms,
            partial: Vec::new(),
            frame_has_id: false,
            frame_is_synced: false,
            done: false,
        }
    }

    /// What to send of `chunk`.
    pub fn pass(&mut self, chunk: Bytes) -> Passed {
        if self.done {
            return Passed {
                bytes: Bytes::new(),
                done: true,
            };
        }
        if self.left.is_none() && self.retry_ms.is_none() {
            return Passed {
                bytes: chunk,
                done: false,
            };
        }
        let mut out = Vec::with_capacity(chunk.len());
        let mut rest: &[u8] = &chunk;
        while let Some(end) = rest.iter().position(|&byte| byte == b'\n') {
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            self.line(&line, &mut out);
            if self.done {
                return Passed {
                    bytes: out.into(),
                    done: true,
                };
            }
        }
        self.partial.extend_from_slice(rest);
        Passed {
            bytes: out.into(),
            done: false,
        }
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        match (self.retry_ms, line.strip_prefix(b"retry:")) {
            (Some(ms), Some(_)) => out.extend_from_slice(format!("retry: {ms}").as_bytes()),
            _ => out.extend_from_slice(line),
        }
        out.push(b'\n');
        if line.starts_with(b"id:") {
            self.frame_has_id = true;
        } else if line.starts_with(b"data:") && contains(line, br#""event":"synced""#) {
            self.frame_is_synced = true;
        } else if line.is_empty() {
            let counts = self.frame_has_id && !self.frame_is_synced;
            self.frame_has_id = false;
            self.frame_is_synced = false;
            if let (true, Some(left)) = (counts, self.left.as_mut()) {
                *left = left.saturating_sub(1);
                self.done = *left == 0;
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The chunks' bytes, ending after the chunk marked done.
fn ends_after_last<S, E>(chunks: S) -> impl futures_util::Stream<Item = Result<Bytes, E>>
where
    S: futures_util::Stream<Item = Result<Passed, E>>,
{
    stream::unfold(
        (Box::pin(chunks), false),
        |(mut chunks, ended)| async move {
            if ended {
                return None;
            }
            match chunks.next().await? {
                Ok(Passed { bytes, done }) => Some((Ok(bytes), (chunks, done))),
                Err(error) => Some((Err(error), (chunks, true))),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass_all(cutter: &mut FrameCutter, chunks: &[&str]) -> (String, bool) {
        let mut text = String::new();
        for chunk in chunks {
            let passed = cutter.pass(Bytes::copy_from_slice(chunk.as_bytes()));
            text.push_str(std::str::from_utf8(&passed.bytes).unwrap());
            if passed.done {
                return (text, true);
            }
        }
        (text, false)
    }

    #[test]
    fn ends_after_the_nth_event_even_inside_a_chunk_or_across_split_lines() {
        let mut cutter = FrameCutter::new(Some(2), None);
        let (text, done) = pass_all(
            &mut cutter,
            &[
                "retry: 1000\n\n",
                "id: 1\ndata: a\n\nid: 2\nda",
                "ta: b\n\nid: 3\ndata: c\n\n",
            ],
        );
        assert!(done);
        assert_eq!(text, "retry: 1000\n\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n");
    }

    #[test]
    fn the_feeds_synced_frame_and_comments_do_not_count_and_retry_is_rewritten() {
        let mut cutter = FrameCutter::new(Some(1), Some(50));
        let (text, done) = pass_all(
            &mut cutter,
            &[
                "retry: 1000\n\n",
                "data: {\"event\":\"snapshot\"}\n\nid: 7\ndata: {\"event\":\"synced\"}\n\n",
                ": keep-alive\n\n",
                "id: 8\ndata: x\n\nid: 9\ndata: y\n\n",
            ],
        );
        assert!(done);
        assert!(text.starts_with("retry: 50\n\n"), "{text}");
        assert!(text.ends_with("id: 8\ndata: x\n\n"), "{text}");
    }

    #[test]
    fn only_the_task_apis_streams_are_knobbed() {
        let kind = |path: &str| stream_kind("/api", &Method::GET, &path.parse().unwrap());
        assert_eq!(
            kind("/api/tasks/events?drop_every=3"),
            Some(StreamKind::Feed)
        );
        assert_eq!(kind("/api/tasks/abc/events"), Some(StreamKind::Task));
        assert_eq!(kind("/api/tasks/abc"), None);
        assert_eq!(kind("/seeds/tizen"), None);
    }
}
