//! The conformance corpus: byte streams that exercise every rule of WHATWG's
//! "Parsing an event stream", served in the chunks they name, so that a
//! browser test can hold our parser, and the browser's own `EventSource`,
//! to what the spec makes of the same bytes.
//!
//! - `GET /faults/corpus` lists the cases (JSON): each name with the
//!   messages and the resume id the spec's rules give
//! - `GET /faults/corpus/{case}?key=` serves a case on a first request
//!   (each chunk flushed on its own, 30 ms apart), and 204 on the next one,
//!   whose `Last-Event-ID` (or `?lastEventId=`) `GET /faults/hits/{key}` shows.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::{stream, StreamExt};
use serde::{Deserialize, Serialize};

use crate::state::AppState;
use sse_task_server::http::last_event_id_header;
use sse_task_server::http::ApiError;

/// One case: its name, its chunks, and what WHATWG's "Parsing an event
/// stream" makes of them.
struct Case {
    name: &'static str,
    chunks: Vec<Vec<u8>>,
    expected: Expected,
}

/// What a client that follows the spec dispatches, and the id it resumes
/// with once the stream ended.
#[derive(Debug, Serialize)]
pub struct Expected {
    /// Every message, as `[type, data, lastEventId]`.
    messages: Vec<[String; 3]>,
    /// The `Last-Event-ID` of the reconnection ("" for none).
    resume_id: String,
}

/// A message of `type` with `data` and `id`.
fn message(kind: &str, data: &str, id: &str) -> [String; 3] {
    [kind.to_owned(), data.to_owned(), id.to_owned()]
}

fn case(name: &'static str, chunks: &[&[u8]], messages: &[[&str; 3]], resume_id: &str) -> Case {
    Case {
        name,
        chunks: chunks.iter().map(|chunk| chunk.to_vec()).collect(),
        expected: Expected {
            messages: messages
                .iter()
                .map(|[kind, data, id]| message(kind, data, id))
                .collect(),
            resume_id: resume_id.to_owned(),
        },
    }
}

const M: &str = "message";

/// Every case of the corpus, each with the spec's outcome (the rule it
/// tests in a comment where it is not plain).
fn corpus() -> Vec<Case> {
    let huge = [b"data: ".as_slice(), &[b'x'; 1 << 20], b"\n\n"].concat();
    let mut cases = vec![
        case(
            "lf",
            &[b"data: a\n\ndata: b\n\n"],
            &[[M, "a", ""], [M, "b", ""]],
            "",
        ),
        case(
            "crlf",
            &[b"data: a\r\n\r\nid: 2\r\ndata: b\r\n\r\n"],
            &[[M, "a", ""], [M, "b", "2"]],
            "2",
        ),
        case(
            "cr",
            &[b"data: a\r\rid: 3\rdata: b\r\r"],
            &[[M, "a", ""], [M, "b", "3"]],
            "3",
        ),
        // A CR and its LF in two chunks are one line end.
        case(
            "crlf-split",
            &[b"data: a\r", b"\n\r", b"\ndata: b\n\n"],
            &[[M, "a", ""], [M, "b", ""]],
            "",
        ),
        case(
            "mixed-endings",
            &[b"data: a\r\ndata: b\rdata: c\n\r\n"],
            &[[M, "a\nb\nc", ""]],
            "",
        ),
        case(
            "bom",
            &[b"\xEF\xBB\xBFdata: after a bom\n\n"],
            &[[M, "after a bom", ""]],
            "",
        ),
        case(
            "bom-split",
            &[b"\xEF", b"\xBB", b"\xBFdata: x\n\n"],
            &[[M, "x", ""]],
            "",
        ),
        // Only the first BOM is stripped: the second makes the field name
        // "\u{FEFF}data", which is ignored.
        case(
            "two-boms",
            &[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n"],
            &[[M, "y", ""]],
            "",
        ),
        // `data` alone adds an empty line; only one space after the colon goes.
        case(
            "comments-and-fields",
            &[b": comment\ndata:no space\ndata\ndata:  two spaces\nfoo: bar\n:\n\n"],
            &[[M, "no space\n\n two spaces", ""]],
            "",
        ),
        // An empty `event:` is `message`; a type without data dispatches nothing.
        case(
            "event-types",
            &[b"event: delta\ndata: d\n\nevent:\ndata: e\n\nevent: delta\n\ndata: f\n\n"],
            &[["delta", "d", ""], [M, "e", ""], [M, "f", ""]],
            "",
        ),
        // An `id:` without data moves the resume point all the same.
        case(
            "id-without-data",
            &[b"id: 1\ndata: a\n\nid: 2\n\n"],
            &[[M, "a", "1"]],
            "2",
        ),
        case(
            "id-reset",
            &[b"id: 5\ndata: a\n\nid\ndata: b\n\n"],
            &[[M, "a", "5"], [M, "b", ""]],
            "",
        ),
        // An id holding NUL is ignored.
        case(
            "id-with-nul",
            &[b"id: 7\ndata: a\n\nid: 8\0x\ndata: b\n\n"],
            &[[M, "a", "7"], [M, "b", "7"]],
            "7",
        ),
        case(
            "id-utf8",
            &["id: caf\u{e9}-\u{2615}\ndata: a\n\n".as_bytes()],
            &[[M, "a", "caf\u{e9}-\u{2615}"]],
            "caf\u{e9}-\u{2615}",
        ),
        case(
            "id-only-then-end",
            &[b"data: a\n\nid: 9\n\n"],
            &[[M, "a", ""]],
            "9",
        ),
        case(
            "retry-fields",
            &[b"retry: 250\nretry: 1x\nretry:\ndata: a\n\n"],
            &[[M, "a", ""]],
            "",
        ),
        // Each invalid byte sequence becomes one U+FFFD.
        case(
            "invalid-utf8",
            &[b"data: caf\xC3( \xFF end\n\n"],
            &[[M, "caf\u{FFFD}( \u{FFFD} end", ""]],
            "",
        ),
        case(
            "utf8-split",
            &[b"data: caf\xC3", b"\xA9 \xE2\x98", b"\x95\n\n"],
            &[[M, "caf\u{e9} \u{2615}", ""]],
            "",
        ),
        // An event not ended by a blank line when the stream ends is dropped.
        case(
            "unterminated-last",
            &[b"data: a\n\ndata: cut off"],
            &[[M, "a", ""]],
            "",
        ),
        case(
            "split-everywhere",
            &[b"da", b"ta", b": o", b"ne\n", b"\n", b"id", b": 4\n\n"],
            &[[M, "one", ""]],
            "4",
        ),
        // The data buffer "\n" is not empty: an event with empty data.
        case(
            "empty-data-lines",
            &[b"data:\n\ndata\ndata\n\ndata: x\n\n"],
            &[[M, "", ""], [M, "\n", ""], [M, "x", ""]],
            "",
        ),
    ];
    cases.push(Case {
        name: "huge-line",
        chunks: vec![huge],
        expected: Expected {
            messages: vec![message(M, &"x".repeat(1 << 20), "")],
            resume_id: String::new(),
        },
    });
    cases
}

/// One case as `GET /faults/corpus` lists it.
#[derive(Debug, Serialize)]
pub struct Listed {
    name: &'static str,
    expected: Expected,
}

/// `GET /faults/corpus`: every case's name and the spec's outcome.
pub async fn list() -> Json<Vec<Listed>> {
    Json(
        corpus()
            .into_iter()
            .map(|case| Listed {
                name: case.name,
                expected: case.expected,
            })
            .collect(),
    )
}

/// Query of `GET /faults/corpus/{case}`.
#[derive(Debug, Deserialize)]
pub struct CorpusQuery {
    /// Counter of this client's requests.
    key: String,
    /// The resume id of a client that cannot send the header.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
}

/// `GET /faults/corpus/{case}`.
pub async fn serve(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    Query(params): Query<CorpusQuery>,
) -> Result<Response, ApiError> {
    let Some(case) = corpus().into_iter().find(|case| case.name == name) else {
        return Err(ApiError::NotFound(format!("no corpus case {name:?}")));
    };
    if state.counters.hit_resuming(
        Some(&params.key),
        last_event_id_header(&headers).or(params.last_event_id),
    ) > 1
    {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let chunks = stream::iter(case.chunks).then(|chunk| async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        Ok::<_, std::convert::Infallible>(Bytes::from(chunk))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}
