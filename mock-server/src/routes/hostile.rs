//! Fault endpoints that behave as a broken or hostile server would, for the
//! client's robustness tests. Each counts its requests per `?key=` and keeps
//! the last `Last-Event-ID` (`GET /faults/hits/{key}` shows both).
//!
//! - `GET /faults/empty-end` answers a stream that ends at once with `retry: 0` and no event
//! - `GET /faults/endless-line?mib=N&pace_ms=P` sends one `data:` line that never ends (N MiB,
//!   at most 1024, 64 KiB every P ms or as fast as read)
//! - `GET /faults/silent?secs=N` sends one event (`id: 1`) on a first request, then nothing for N s (at most 600), socket open
//! - `GET /faults/no-answer?secs=N` keeps the request N s (at most 600) without answering, then 503
//! - `GET /faults/ids?case=` streams odd ids: `backwards`, `idless-after` (ids 1 and 2, then on
//!   the next request an id-less `failed` event), `restart-text` (text ids, started over on
//!   every request), `restart-numbers` (ids 1 to 3, then the end, on every request)
//! - `GET /faults/charset` answers `text/event-stream; charset=latin1`
//! - `GET /faults/redirect-loop` redirects to itself
//! - `GET /faults/session-expired` redirects (302) to `/faults/wrong-content-type?from=session`,
//!   an HTML page, as a PHP session check sends an expired session to its sign-in page
//! - `GET /faults/cut-body` promises more bytes than it sends, so the body breaks off
//! - `GET /faults/flood?count=N&bytes=B` streams N events of B bytes (at most 10 000 x 256 KiB), then `CLOSE`
//! - `GET /faults/retry-after-date?secs=N` answers 503 with `Retry-After` as an HTTP date N s ahead

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{stream, StreamExt};
use serde::Deserialize;
use sse_task_protocol::{encode_frame, ProgressData, EVENT_FAILED};

use super::query;
use crate::state::AppState;
use sse_task_server::http::last_event_id_header;
use sse_task_server::http::sse_bytes_response;
use sse_task_server::http::ApiError;

/// Query of the hostile endpoints.
#[derive(Debug, Deserialize)]
pub struct HostileQuery {
    /// Counter of this client's requests.
    key: Option<String>,
    /// `ids`: which odd ids.
    case: Option<String>,
    /// `silent`, `retry-after-date`: seconds.
    secs: Option<u64>,
    /// `endless-line`: MiB to send.
    mib: Option<u64>,
    /// `endless-line`: pause between two 64 KiB chunks, in ms.
    pace_ms: Option<u64>,
    /// The resume id of clients that cannot send the header.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
    /// `flood`: events.
    count: Option<u64>,
    /// `flood`: bytes of each event's message.
    bytes: Option<usize>,
}

/// A request to a hostile endpoint, counted: its query, and its number
/// under its `?key=` (1 for the first). Extracting it counts the request
/// and keeps its `Last-Event-ID` (or `?lastEventId=`).
pub struct Hit {
    params: HostileQuery,
    count: u64,
}

impl FromRequestParts<AppState> for Hit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let params: HostileQuery = query(Query::from_request_parts(parts, state).await)?;
        let last_event_id =
            last_event_id_header(&parts.headers).or_else(|| params.last_event_id.clone());
        let count = state
            .counters
            .hit_resuming(params.key.as_deref(), last_event_id);
        Ok(Self { params, count })
    }
}

/// A `text/event-stream` answer of `chunks`, without keep-alives.
fn raw_stream(chunks: impl futures_util::Stream<Item = Bytes> + Send + 'static) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(chunks.map(Ok::<_, std::convert::Infallible>)),
    )
        .into_response()
}

/// `GET /faults/empty-end`.
pub async fn empty_end(_counted: Hit) -> Result<Response, ApiError> {
    Ok(raw_stream(stream::iter([Bytes::from_static(
        b"retry: 0\n\n",
    )])))
}

/// `GET /faults/endless-line`.
pub async fn endless_line(hit: Hit) -> Result<Response, ApiError> {
    let params = hit.params;
    let chunks = params.mib.unwrap_or(256).min(1024) * 16;
    let pace = Duration::from_millis(params.pace_ms.unwrap_or(0).min(10_000));
    let line = Bytes::from(vec![b'x'; 64 * 1024]);
    let body = stream::iter([Bytes::from_static(b"data: ")]).chain(stream::iter(0..chunks).then(
        move |_| {
            let line = line.clone();
            async move {
                if !pace.is_zero() {
                    tokio::time::sleep(pace).await;
                }
                line
            }
        },
    ));
    Ok(raw_stream(body))
}

/// `GET /faults/silent`.
pub async fn silent(hit: Hit) -> Result<Response, ApiError> {
    let (params, count) = (hit.params, hit.count);
    let silence = Duration::from_secs(params.secs.unwrap_or(600).min(600));
    let mut first = Vec::new();
    if count <= 1 {
        let data = ProgressData::new("the last word before the silence", Some(10.0));
        encode_frame(&mut first, Some("1"), None, &data.to_json());
    }
    let body = stream::iter([Bytes::from(first)]).chain(
        stream::once(async move {
            tokio::time::sleep(silence).await;
            Bytes::new()
        })
        .filter(|_| async { false }),
    );
    Ok(raw_stream(body))
}

/// `GET /faults/no-answer`: no status, no headers for N s (a server that
/// hangs before it answers; a port a firewall swallows).
pub async fn no_answer(hit: Hit) -> Result<Response, ApiError> {
    let secs = hit.params.secs.unwrap_or(600).min(600);
    tokio::time::sleep(Duration::from_secs(secs)).await;
    Ok(StatusCode::SERVICE_UNAVAILABLE.into_response())
}

/// `GET /faults/ids`.
pub async fn ids(hit: Hit) -> Result<Response, ApiError> {
    let count = hit.count;
    let params = hit.params;
    let line = |id: Option<&str>, event: Option<&str>, text: &str, out: &mut Vec<u8>| {
        encode_frame(out, id, event, &ProgressData::new(text, None).to_json());
    };
    let mut body = b"retry: 200\n\n".to_vec();
    match params.case.as_deref() {
        Some("backwards") => {
            for (id, n) in [
                ("5", 1),
                ("6", 2),
                ("7", 3),
                ("8", 4),
                ("1", 5),
                ("2", 6),
                ("3", 7),
                ("4", 8),
            ] {
                line(Some(id), None, &format!("line {n} of 8"), &mut body);
            }
            line(Some("CLOSE"), None, "Process complete", &mut body);
        }
        Some("idless-after") => {
            // As our server does when it cannot store a write: on the
            // resumed connection, the failure has no id of its own.
            if count <= 1 {
                line(Some("1"), None, "step 1", &mut body);
                line(Some("2"), None, "step 2", &mut body);
            } else {
                line(None, Some(EVENT_FAILED), "the disk is full", &mut body);
            }
        }
        Some("restart-numbers") => {
            // A script that dies after record 3 and starts over each time.
            for id in ["1", "2", "3"] {
                line(Some(id), None, &format!("record {id}"), &mut body);
            }
        }
        Some("restart-text") => {
            // A server that ignores Last-Event-ID and starts over each time.
            for id in ["a", "b", "c"] {
                line(Some(id), None, &format!("text id {id}"), &mut body);
            }
            if count > 1 {
                line(Some("d"), None, "text id d", &mut body);
                line(Some("CLOSE"), None, "Process complete", &mut body);
            }
        }
        _ => {
            return Err(ApiError::Unprocessable(
                "case must be backwards, idless-after, restart-numbers or restart-text".into(),
            ))
        }
    }
    Ok(raw_stream(stream::iter([Bytes::from(body)])))
}

/// `GET /faults/charset`.
pub async fn charset(_counted: Hit) -> Result<Response, ApiError> {
    Ok((
        [(header::CONTENT_TYPE, "text/event-stream; charset=latin1")],
        "data: {\"message\":\"caf\u{e9}\"}\n\n",
    )
        .into_response())
}

/// `GET /faults/redirect-loop`.
pub async fn redirect_loop(hit: Hit) -> Result<Response, ApiError> {
    let params = hit.params;
    let key = params.key.unwrap_or_default();
    let location = format!("/faults/redirect-loop?key={key}");
    Ok((
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response())
}

/// `GET /faults/session-expired`.
pub async fn session_expired(_counted: Hit) -> Result<Response, ApiError> {
    Ok((
        StatusCode::FOUND,
        [(header::LOCATION, "/faults/wrong-content-type?from=session")],
    )
        .into_response())
}

/// `GET /faults/cut-body`: one event, then the body ends short of its length.
pub async fn cut_body(_counted: Hit) -> Result<Response, ApiError> {
    let mut frame = Vec::new();
    encode_frame(
        &mut frame,
        None,
        None,
        &ProgressData::new("a line", None).to_json(),
    );
    let promised = frame.len() + 1000;
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream".to_owned()),
            (header::CONTENT_LENGTH, promised.to_string()),
        ],
        Body::from_stream(
            stream::iter([Ok::<_, std::io::Error>(Bytes::from(frame))]).chain(stream::once(
                async {
                    // Late enough that the headers and the event went out first.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Err(std::io::Error::other("cut on purpose"))
                },
            )),
        ),
    )
        .into_response())
}

/// Most events and bytes of `/faults/flood`.
const MAX_FLOOD_EVENTS: u64 = 10_000;
const MAX_FLOOD_BYTES: usize = 256 * 1024;

/// `GET /faults/flood`.
pub async fn flood(State(state): State<AppState>, hit: Hit) -> Result<Response, ApiError> {
    let params = hit.params;
    let (count, bytes) = (params.count.unwrap_or(1000), params.bytes.unwrap_or(65_536));
    if !(1..=MAX_FLOOD_EVENTS).contains(&count) || bytes > MAX_FLOOD_BYTES {
        return Err(ApiError::Unprocessable(format!(
            "count must be 1..={MAX_FLOOD_EVENTS} and bytes at most {MAX_FLOOD_BYTES}"
        )));
    }
    let filler = "x".repeat(bytes);
    let events = stream::iter(1..=count).map(move |i| {
        let mut frame = Vec::with_capacity(bytes + 64);
        let data = ProgressData::new(
            format!("{i} {filler}"),
            Some(i as f64 * 100.0 / count as f64),
        );
        encode_frame(&mut frame, Some(&i.to_string()), None, &data.to_json());
        Bytes::from(frame)
    });
    let mut end = Vec::new();
    encode_frame(
        &mut end,
        Some("CLOSE"),
        None,
        &ProgressData::new("Process complete", None).to_json(),
    );
    Ok(sse_bytes_response(
        events.chain(stream::iter([Bytes::from(end)])),
        state.config.server.keep_alive,
        &state.shutdown,
    ))
}

/// `GET /faults/retry-after-date`.
pub async fn retry_after_date(hit: Hit) -> Result<Response, ApiError> {
    let params = hit.params;
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        + params.secs.unwrap_or(5).min(86_400);
    Ok((
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, http_date(at))],
        "down for a while",
    )
        .into_response())
}

/// `secs` since 1970 as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (secs / 86_400) as i64;
    let (year, month, day) = civil_from_days(days);
    let time = secs % 86_400;
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_imf_fixdates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(1_835_438_400), "Tue, 29 Feb 2028 12:00:00 GMT");
    }
}
