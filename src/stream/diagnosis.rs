//! Why a connection attempt failed, in words, and what kind of failure it is.
//!
//! The fetch transport sees the answer itself; `EventSource` hides it, so
//! after it closes for good the hook asks the URL once more with `fetch`.
//! Both turn the answer into a [`Diagnosis`] with [`diagnose_response`].

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

/// A readable reason and the kind of failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// Why the attempt failed, for the user.
    pub reason: String,
    /// What to do about it.
    pub kind: FailureKind,
}

impl Diagnosis {
    /// The server could not be reached (it is down, refused, or the network failed).
    pub fn unreachable() -> Self {
        Self {
            reason: "cannot reach the server (it is down, or it refused the connection)".into(),
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

/// What a failed attempt's answer said. `status` is `None` when the request
/// itself failed (server gone, CORS).
#[derive(Debug, Clone, Copy, Default)]
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
}

/// Turns a failed attempt's answer into a [`Diagnosis`].
pub fn diagnose_response(answer: FailedAnswer<'_>) -> Diagnosis {
    let Some(status) = answer.status else {
        return Diagnosis::unreachable();
    };
    let detail = answer
        .server_error
        .map(|error| format!(": {}", error.chars().take(200).collect::<String>()))
        .unwrap_or_default();
    let words = if answer.status_text.is_empty() {
        status.to_string()
    } else {
        format!("{status} {}", answer.status_text)
    };
    let answered = format!("the server answered {words}{detail}");
    let (reason, kind) = match status {
        204 => (
            "the server answered 204 No Content: it has nothing more to stream".into(),
            FailureKind::Permanent,
        ),
        200..=299 => match answer.content_type {
            Some(kind) if is_event_stream(kind) => (
                "the connection was closed".into(),
                FailureKind::Transient {
                    retry_after_ms: None,
                },
            ),
            other => (
                format!(
                    "the server answered with content type {}, not text/event-stream",
                    other.unwrap_or("(none)")
                ),
                FailureKind::Permanent,
            ),
        },
        401 | 403 => (answered, FailureKind::Unauthorized),
        408 | 429 | 500..=599 => (
            answered,
            FailureKind::Transient {
                retry_after_ms: answer.retry_after.and_then(retry_after_ms),
            },
        ),
        _ => (answered, FailureKind::Permanent),
    };
    Diagnosis { reason, kind }
}

/// True for `text/event-stream`, with or without parameters.
pub fn is_event_stream(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("text/event-stream"))
}

/// `Retry-After` as delta-seconds, in ms (capped at an hour). An HTTP date
/// is not read: the backoff applies instead.
pub fn retry_after_ms(value: &str) -> Option<u32> {
    let secs: u32 = value.trim().parse().ok()?;
    Some(secs.min(3600) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            not_found.reason,
            "the server answered 404 Not Found: no task with id x"
        );
        assert_eq!(not_found.kind, FailureKind::Permanent);
        assert!(!diagnose_response(answer(204, "")).retryable());
        let html = diagnose_response(FailedAnswer {
            content_type: Some("text/html"),
            ..answer(200, "OK")
        });
        assert!(html.reason.contains("text/html, not text/event-stream"));
        assert!(!html.retryable());
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
        let dated = diagnose_response(FailedAnswer {
            retry_after: Some("Wed, 21 Oct 2015 07:28:00 GMT"),
            ..answer(429, "Too Many Requests")
        });
        assert_eq!(
            dated.kind,
            FailureKind::Transient {
                retry_after_ms: None
            }
        );
        assert!(diagnose_response(FailedAnswer::default()).retryable());
        let stream = diagnose_response(FailedAnswer {
            content_type: Some("Text/Event-Stream; charset=utf-8"),
            ..answer(200, "OK")
        });
        assert!(stream.retryable());
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
