//! Why a connection failed, in words, and whether retrying can help.
//!
//! `EventSource` hides the HTTP status; after it closes for good the hook asks
//! the URL once more with `fetch` and turns the answer into a [`Diagnosis`].

/// A readable reason and whether a retry may succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// Why the stream failed, for the user.
    pub reason: String,
    /// True for transient failures (network, 5xx, 429): the hook retries them.
    pub retryable: bool,
}

/// Turns the answer of the diagnostic request into a [`Diagnosis`]:
/// `status` is `None` when the request itself failed (server gone, CORS).
pub fn diagnose_response(
    status: Option<u16>,
    status_text: &str,
    content_type: Option<&str>,
    server_error: Option<&str>,
) -> Diagnosis {
    let Some(status) = status else {
        return Diagnosis {
            reason: "cannot reach the server (it is down, or it refused the connection)".into(),
            retryable: true,
        };
    };
    let detail = server_error
        .map(|error| format!(": {}", error.chars().take(200).collect::<String>()))
        .unwrap_or_default();
    let words = if status_text.is_empty() {
        status.to_string()
    } else {
        format!("{status} {status_text}")
    };
    match status {
        204 => Diagnosis {
            reason: "the server answered 204 No Content: it has nothing more to stream".into(),
            retryable: false,
        },
        200..=299 => match content_type {
            Some(kind) if kind.trim_start().starts_with("text/event-stream") => Diagnosis {
                reason: "the connection was closed".into(),
                retryable: true,
            },
            other => Diagnosis {
                reason: format!(
                    "the server answered with content type {}, not text/event-stream",
                    other.unwrap_or("(none)")
                ),
                retryable: false,
            },
        },
        408 | 429 | 500..=599 => Diagnosis {
            reason: format!("the server answered {words}{detail}"),
            retryable: true,
        },
        _ => Diagnosis {
            reason: format!("the server answered {words}{detail}"),
            retryable: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_failures_are_not_retried() {
        let not_found = diagnose_response(
            Some(404),
            "Not Found",
            Some("application/json"),
            Some("no task with id x"),
        );
        assert_eq!(
            not_found.reason,
            "the server answered 404 Not Found: no task with id x"
        );
        assert!(!not_found.retryable);
        assert!(!diagnose_response(Some(204), "", None, None).retryable);
        let html = diagnose_response(Some(200), "OK", Some("text/html"), None);
        assert!(html.reason.contains("text/html, not text/event-stream"));
        assert!(!html.retryable);
    }

    #[test]
    fn transient_failures_are_retried() {
        assert!(diagnose_response(Some(500), "Internal Server Error", None, None).retryable);
        assert!(diagnose_response(None, "", None, None).retryable);
        assert!(diagnose_response(Some(200), "OK", Some("text/event-stream"), None).retryable);
    }
}
