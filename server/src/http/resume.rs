//! Where a reconnecting client wants to resume: the `Last-Event-ID` header, or
//! the `?lastEventId=` query parameter for clients that cannot send the header
//! (the PHP seed reads both, header first).

use axum::http::HeaderMap;
use sse_task_protocol::CLOSE_EVENT_ID;
use thiserror::Error;

/// A resume position asked for by a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeFrom {
    /// No id: send everything from the start.
    Start,
    /// Send the events with a greater id.
    After(u64),
    /// The client saw `id: CLOSE`: the stream is over.
    Closed,
}

/// A resume id that is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResumeError {
    /// Neither an integer nor `CLOSE`.
    #[error("Last-Event-ID must be a non-negative integer or CLOSE, got {0:?}")]
    NotANumber(String),
}

/// The `Last-Event-ID` header as text (bytes that are not UTF-8 as U+FFFD),
/// when sent.
pub fn last_event_id_header(headers: &HeaderMap) -> Option<String> {
    headers
        .get("last-event-id")
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// Reads the resume position: the header wins; an empty or `0` header falls
/// back to the query value, as in the PHP seed.
pub fn resume_from(headers: &HeaderMap, query: Option<&str>) -> Result<ResumeFrom, ResumeError> {
    let header = last_event_id_header(headers).map(|text| text.trim().to_owned());
    let from_header = match header.as_deref() {
        Some(text) if !text.is_empty() => parse(text)?,
        _ => ResumeFrom::Start,
    };
    if from_header != ResumeFrom::Start && from_header != ResumeFrom::After(0) {
        return Ok(from_header);
    }
    match query.map(str::trim) {
        Some(text) if !text.is_empty() => parse(text),
        _ => Ok(from_header),
    }
}

fn parse(text: &str) -> Result<ResumeFrom, ResumeError> {
    if text == CLOSE_EVENT_ID {
        return Ok(ResumeFrom::Closed);
    }
    text.parse::<u64>()
        .map(ResumeFrom::After)
        .map_err(|_| ResumeError::NotANumber(text.chars().take(64).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert("last-event-id", value.parse().unwrap());
        map
    }

    #[test]
    fn header_wins_over_query_and_query_is_the_fallback() {
        assert_eq!(
            resume_from(&headers("7"), Some("3")),
            Ok(ResumeFrom::After(7))
        );
        assert_eq!(
            resume_from(&HeaderMap::new(), Some("3")),
            Ok(ResumeFrom::After(3))
        );
        assert_eq!(
            resume_from(&headers("0"), Some("3")),
            Ok(ResumeFrom::After(3))
        );
        assert_eq!(resume_from(&HeaderMap::new(), None), Ok(ResumeFrom::Start));
        assert_eq!(resume_from(&headers("CLOSE"), None), Ok(ResumeFrom::Closed));
    }

    #[test]
    fn garbage_is_refused() {
        assert!(matches!(
            resume_from(&headers("abc"), None),
            Err(ResumeError::NotANumber(_))
        ));
        assert!(resume_from(&HeaderMap::new(), Some("-1")).is_err());
    }
}
