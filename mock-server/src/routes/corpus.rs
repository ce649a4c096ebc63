//! The conformance corpus: byte streams that exercise every rule of WHATWG's
//! "Parsing an event stream", served in the chunks they name, so that a
//! browser test can give the same bytes to Chrome's `EventSource` and to our
//! parser and compare what each made of them.
//!
//! - `GET /faults/corpus` lists the case names (JSON)
//! - `GET /faults/corpus/{case}?key=` serves a case on a first request
//!   (each chunk flushed on its own, 30 ms apart), and 204 on the next one,
//!   whose `Last-Event-ID` `GET /faults/hits/{key}` shows.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::{stream, StreamExt};
use serde::Deserialize;

use crate::state::AppState;
use sse_task_server::http::last_event_id_header;
use sse_task_server::http::ApiError;

/// One case: its name and its chunks.
struct Case {
    name: &'static str,
    chunks: Vec<Vec<u8>>,
}

fn case(name: &'static str, chunks: &[&[u8]]) -> Case {
    Case {
        name,
        chunks: chunks.iter().map(|chunk| chunk.to_vec()).collect(),
    }
}

/// Every case of the corpus.
fn corpus() -> Vec<Case> {
    let huge = [b"data: ".as_slice(), &[b'x'; 1 << 20], b"\n\n"].concat();
    vec![
        case("lf", &[b"data: a\n\ndata: b\n\n"]),
        case("crlf", &[b"data: a\r\n\r\nid: 2\r\ndata: b\r\n\r\n"]),
        case("cr", &[b"data: a\r\rid: 3\rdata: b\r\r"]),
        case("crlf-split", &[b"data: a\r", b"\n\r", b"\ndata: b\n\n"]),
        case("mixed-endings", &[b"data: a\r\ndata: b\rdata: c\n\r\n"]),
        case("bom", &[b"\xEF\xBB\xBFdata: after a bom\n\n"]),
        case("bom-split", &[b"\xEF", b"\xBB", b"\xBFdata: x\n\n"]),
        case(
            "two-boms",
            &[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n"],
        ),
        case(
            "comments-and-fields",
            &[b": comment\ndata:no space\ndata\ndata:  two spaces\nfoo: bar\n:\n\n"],
        ),
        case(
            "event-types",
            &[b"event: delta\ndata: d\n\nevent:\ndata: e\n\nevent: delta\n\ndata: f\n\n"],
        ),
        case("id-without-data", &[b"id: 1\ndata: a\n\nid: 2\n\n"]),
        case("id-reset", &[b"id: 5\ndata: a\n\nid\ndata: b\n\n"]),
        case("id-with-nul", &[b"id: 7\ndata: a\n\nid: 8\0x\ndata: b\n\n"]),
        case("id-utf8", &["id: café-☕\ndata: a\n\n".as_bytes()]),
        case("id-only-then-end", &[b"data: a\n\nid: 9\n\n"]),
        case(
            "retry-fields",
            &[b"retry: 250\nretry: 1x\nretry:\ndata: a\n\n"],
        ),
        case("invalid-utf8", &[b"data: caf\xC3( \xFF end\n\n"]),
        case(
            "utf8-split",
            &[b"data: caf\xC3", b"\xA9 \xE2\x98", b"\x95\n\n"],
        ),
        case("unterminated-last", &[b"data: a\n\ndata: cut off"]),
        case(
            "split-everywhere",
            &[b"da", b"ta", b": o", b"ne\n", b"\n", b"id", b": 4\n\n"],
        ),
        case("empty-data-lines", &[b"data:\n\ndata\ndata\n\ndata: x\n\n"]),
        case("huge-line", &[&huge]),
    ]
}

/// `GET /faults/corpus`: the case names.
pub async fn list() -> Json<Vec<&'static str>> {
    Json(corpus().into_iter().map(|case| case.name).collect())
}

/// Query of `GET /faults/corpus/{case}`.
#[derive(Debug, Deserialize)]
pub struct CorpusQuery {
    /// Counter of this client's requests.
    key: String,
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
    if state
        .counters
        .hit_resuming(Some(&params.key), last_event_id_header(&headers))
        > 1
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
