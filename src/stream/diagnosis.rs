//! Why a connection attempt failed, as a [`Failure`], and what kind of
//! failure it is.
//!
//! The fetch transport sees the answer itself; `EventSource` hides it, so
//! after it closes for good the hook asks the URL once more with `fetch`.
//! Both turn the answer into a [`Diagnosis`] with [`diagnose_response`].

use crate::words::{Failure, FailureCode};

/// What kind of failure an attempt met, which decides what happens next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Retrying cannot help (404, 204, a wrong content type, ...): fail now.
    Permanent,
    /// Retrying may help (network, 5xx, 408, 429): back off and retry.
    Transient {
        /// The server's `Retry-After`, in ms, when it sent one.
        retry_after_ms: Option<u32>,
    },
    /// 401 / 403: refresh the credentials once, then fail.
    Unauthorized,
}

/// Why the attempt failed and the kind of failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// Why the attempt failed.
    pub failure: Failure,
    /// What to do about it.
    pub kind: FailureKind,
}

impl Diagnosis {
    /// The server could not be reached (it is down, refused, or the network failed).
    pub fn unreachable() -> Self {
        Self::transient(Failure::plain(FailureCode::Unreachable))
    }

    /// The attempt did not open within `ms` (the browser may never say why:
    /// WebKit's `EventSource` waits for ever on a blocked port).
    pub fn no_answer(ms: u32) -> Self {
        Self::transient(Failure::new(FailureCode::NoAnswer, [seconds(ms)]))
    }

    /// The URL redirects again and again: retrying cannot help.
    pub fn redirect_loop() -> Self {
        Self::permanent(Failure::plain(FailureCode::RedirectLoop))
    }

    /// The stream broke off in the middle of its body (a reset, a broken
    /// chunked encoding, a proxy that cut it).
    pub fn broke_off(detail: &str) -> Self {
        Self::transient(Failure::new(FailureCode::BrokeOff, [detail.to_owned()]))
    }

    /// The stream could not be opened (the browser's `detail`).
    pub fn cannot_open(detail: String) -> Self {
        Self::permanent(Failure::new(FailureCode::CannotOpen, [detail]))
    }

    /// A failure retrying cannot help.
    pub fn permanent(failure: Failure) -> Self {
        Self {
            failure,
            kind: FailureKind::Permanent,
        }
    }

    /// A failure retrying may help, with no `Retry-After`.
    pub fn transient(failure: Failure) -> Self {
        Self {
            failure,
            kind: FailureKind::Transient {
                retry_after_ms: None,
            },
        }
    }

    #[cfg(test)]
    /// True unless the failure is permanent.
    pub fn retryable(&self) -> bool {
        self.kind != FailureKind::Permanent
    }
}

/// `ms` in seconds, with tenths when it has them ("30", "1.5"), in
/// integers: formatting a float would add the float printer to the wasm.
fn seconds(ms: u32) -> String {
    match (ms / 1000, ms % 1000 / 100) {
        (whole, 0) => whole.to_string(),
        (whole, tenths) => format!("{whole}.{tenths}"),
    }
}

/// What a failed attempt's answer said. `status` is `None` when the request
/// itself failed (server gone, CORS).
#[derive(Debug, Clone, Copy)]
pub struct FailedAnswer<'a> {
    /// The HTTP status.
    pub status: Option<u16>,
    /// Its reason phrase (may be empty).
    pub status_text: &'a str,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `error` field of a JSON error body.
    pub server_error: Option<&'a str>,
    /// The `Retry-After` header.
    pub retry_after: Option<&'a str>,
    /// Where redirects took the request, when they did (its path, or the
    /// whole URL on another origin).
    pub redirected_to: Option<&'a str>,
    /// The wall clock (ms since 1970), to read a `Retry-After` date against.
    pub now_epoch_ms: f64,
    /// Reads an HTTP date in ms since 1970 (`None`: not a date).
    pub parse_date: fn(&str) -> Option<f64>,
}

/// Turns a failed attempt's answer into a [`Diagnosis`].
pub fn diagnose_response(answer: FailedAnswer<'_>) -> Diagnosis {
    let Some(status) = answer.status else {
        return Diagnosis::unreachable();
    };
    let server_message = answer
        .server_error
        .map(|error| error.chars().take(200).collect::<String>());
    let words = if answer.status_text.is_empty() {
        status.to_string()
    } else {
        format!("{status} {}", answer.status_text)
    };
    let (failure, kind) = match status {
        204 => (
            Failure::plain(FailureCode::NoContent),
            FailureKind::Permanent,
        ),
        200..=299 => match answer.content_type {
            Some(kind) if is_event_stream(kind) && foreign_charset(kind).is_some() => (
                Failure::new(
                    FailureCode::Charset,
                    [foreign_charset(kind).unwrap_or_default().to_owned()],
                ),
                FailureKind::Permanent,
            ),
            Some(kind) if is_event_stream(kind) => (
                Failure::plain(FailureCode::Closed),
                FailureKind::Transient {
                    retry_after_ms: None,
                },
            ),
            other => {
                let content_type = other.unwrap_or("(none)").to_owned();
                let failure = match answer.redirected_to {
                    // A session check that sends an expired session to its sign-in page.
                    Some(place) => {
                        Failure::new(FailureCode::Redirected, [place.to_owned(), content_type])
                    }
                    None => Failure::new(FailureCode::ContentType, [content_type]),
                };
                (failure, FailureKind::Permanent)
            }
        },
        401 | 403 => (
            Failure::new(FailureCode::Unauthorized, [words]),
            FailureKind::Unauthorized,
        ),
        410 => (
            Failure::new(FailureCode::Gone, [words]),
            FailureKind::Permanent,
        ),
        408 | 429 | 500..=599 => (
            Failure::new(FailureCode::HttpStatus, [words]),
            FailureKind::Transient {
                retry_after_ms: answer.retry_after.and_then(|value| {
                    retry_after_ms(value, answer.now_epoch_ms, answer.parse_date)
                }),
            },
        ),
        _ => (
            Failure::new(FailureCode::HttpStatus, [words]),
            FailureKind::Permanent,
        ),
    };
    let failure = failure.with_server_message(server_message);
    Diagnosis { failure, kind }
}

/// True for `text/event-stream`, with or without parameters.
pub fn is_event_stream(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("text/event-stream"))
}

/// The charset a `text/event-stream` content type declares when it is not
/// UTF-8 (browsers refuse such a stream; so do we).
pub fn foreign_charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (name.trim().eq_ignore_ascii_case("charset")
            && !value.eq_ignore_ascii_case("utf-8")
            && !value.eq_ignore_ascii_case("utf8"))
        .then_some(value)
    })
}

/// Longest `Retry-After` read, in seconds (a day); longer ones are a day.
const MAX_RETRY_AFTER_SECS: u32 = 86_400;

/// `Retry-After` in ms from `now_epoch_ms`: delta-seconds, or an HTTP date
/// read by `parse_date` (ms since 1970; the page's `Date.parse`, which reads
/// every form HTTP allows); a date past is 0. At most a day.
pub fn retry_after_ms(
    value: &str,
    now_epoch_ms: f64,
    parse_date: fn(&str) -> Option<f64>,
) -> Option<u32> {
    let value = value.trim();
    let secs = match value.parse::<u64>() {
        Ok(secs) => secs.min(u64::from(MAX_RETRY_AFTER_SECS)) as u32,
        Err(_) => {
            let wait_ms = parse_date(value)? - now_epoch_ms;
            let secs = (wait_ms.max(0.0) / 1000.0).ceil();
            secs.min(f64::from(MAX_RETRY_AFTER_SECS)) as u32
        }
    };
    Some(secs * 1000)
}

impl Default for FailedAnswer<'_> {
    fn default() -> Self {
        Self {
            status: None,
            status_text: "",
            content_type: None,
            server_error: None,
            retry_after: None,
            redirected_to: None,
            now_epoch_ms: 0.0,
            parse_date: |_| None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one date of these tests, as a page's `Date.parse` reads it.
    fn parse_date(value: &str) -> Option<f64> {
        (value == "Wed, 21 Oct 2015 07:28:00 GMT").then_some(1_445_412_480_000.0)
    }

    fn answer(status: u16, text: &'static str) -> FailedAnswer<'static> {
        FailedAnswer {
            status: Some(status),
            status_text: text,
            ..FailedAnswer::default()
        }
    }

    #[test]
    fn permanent_failures_are_not_retried() {
        let not_found = diagnose_response(FailedAnswer {
            content_type: Some("application/json"),
            server_error: Some("no task with id x"),
            ..answer(404, "Not Found")
        });
        assert_eq!(
            not_found.failure.english(),
            "the server answered 404 Not Found: no task with id x"
        );
        assert_eq!(not_found.kind, FailureKind::Permanent);
        assert!(!diagnose_response(answer(204, "")).retryable());
        let html = diagnose_response(FailedAnswer {
            content_type: Some("text/html"),
            ..answer(200, "OK")
        });
        assert!(html
            .failure
            .english()
            .contains("text/html, not text/event-stream"));
        assert!(!html.retryable());
    }

    #[test]
    fn the_open_timeout_is_said_in_seconds() {
        assert_eq!(seconds(30_000), "30");
        assert_eq!(seconds(1_500), "1.5");
        assert_eq!(seconds(250), "0.2");
        assert!(Diagnosis::no_answer(1000)
            .failure
            .english()
            .contains("within 1 s"));
    }

    #[test]
    fn a_stream_redirected_to_a_page_says_where_it_went() {
        let diagnosis = diagnose_response(FailedAnswer {
            status: Some(200),
            content_type: Some("text/html; charset=UTF-8"),
            redirected_to: Some("/login.php?next=%2Fsource.php"),
            ..FailedAnswer::default()
        });
        assert_eq!(diagnosis.kind, FailureKind::Permanent);
        assert_eq!(
            diagnosis.failure.english(),
            "the stream was redirected to /login.php?next=%2Fsource.php, which answered \
             text/html; charset=UTF-8, not an event stream: sign in again if the session expired"
        );
    }

    #[test]
    fn transient_failures_are_retried_after_retry_after() {
        let busy = diagnose_response(FailedAnswer {
            retry_after: Some(" 7 "),
            ..answer(503, "Service Unavailable")
        });
        assert_eq!(
            busy.kind,
            FailureKind::Transient {
                retry_after_ms: Some(7000)
            }
        );
        // 2015-10-21 07:28:00 GMT is 1445412480 s after 1970.
        let dated = diagnose_response(FailedAnswer {
            retry_after: Some("Wed, 21 Oct 2015 07:28:00 GMT"),
            now_epoch_ms: 1_445_412_480_000.0 - 20_000.0,
            parse_date,
            ..answer(429, "Too Many Requests")
        });
        assert_eq!(
            dated.kind,
            FailureKind::Transient {
                retry_after_ms: Some(20_000)
            }
        );
        let read = |value| retry_after_ms(value, 2e12, parse_date);
        assert_eq!(
            read("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(0),
            "a date past"
        );
        assert_eq!(read("3600"), Some(3_600_000));
        assert_eq!(read("99999999999"), Some(86_400_000));
        assert_eq!(read("soon"), None);
        assert!(diagnose_response(FailedAnswer::default()).retryable());
        let stream = diagnose_response(FailedAnswer {
            content_type: Some("Text/Event-Stream; charset=utf-8"),
            ..answer(200, "OK")
        });
        assert!(stream.retryable());
    }

    #[test]
    fn a_stream_in_another_charset_is_refused_at_once_saying_so() {
        let latin = diagnose_response(FailedAnswer {
            content_type: Some("text/event-stream; charset=latin1"),
            ..answer(200, "OK")
        });
        assert_eq!(
            latin.failure.english(),
            "the server declared the stream's charset as latin1; an event stream is always UTF-8"
        );
        assert!(!latin.retryable());
        assert_eq!(
            foreign_charset("text/event-stream; charset=\"UTF-8\""),
            None
        );
    }

    #[test]
    fn unauthorized_and_forbidden_ask_for_new_credentials() {
        for status in [401, 403] {
            assert_eq!(
                diagnose_response(answer(status, "")).kind,
                FailureKind::Unauthorized
            );
        }
    }
}
