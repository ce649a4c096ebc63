//! [`StreamTarget`]: the URLs of what one stream reads, and where to cancel
//! it; a task API's URLs resolved against its server, and only `http(s)`
//! URLs streamed.

use crate::words::{Failure, FailureCode};
use sse_task_protocol::CreateTaskResponse;

/// What a stream reads, and where to cancel it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamTarget {
    /// The SSE URL.
    pub events_url: String,
    /// URL to `POST` to on stop, so the job stops on the server.
    pub cancel_url: Option<String>,
    /// URL of the task's state (`GET`), when it came from the task API.
    pub status_url: Option<String>,
    /// The task's id, when it came from the task API.
    pub task_id: Option<String>,
}

impl StreamTarget {
    /// A plain SSE URL with nothing to cancel.
    pub fn url(events_url: impl Into<String>) -> Self {
        Self {
            events_url: events_url.into(),
            cancel_url: None,
            status_url: None,
            task_id: None,
        }
    }

    /// The task the task API of `server` created: its URLs as the server
    /// gave them, a path resolved against `server`, an absolute URL (another
    /// origin) as it is.
    pub fn created(server: &str, task: &CreateTaskResponse) -> Self {
        let resolve = |url: &str| {
            if has_scheme(url) {
                url.to_owned()
            } else {
                format!("{}{url}", server.trim_end_matches('/'))
            }
        };
        Self {
            events_url: resolve(&task.events_url),
            cancel_url: Some(resolve(&task.cancel_url)),
            status_url: Some(resolve(&task.status_url)),
            task_id: Some(task.id.clone()),
        }
    }

    /// Task `id` on the task API of `server` (an origin, or empty for the
    /// page's own): its stream, cancel and state URLs.
    pub fn task(server: &str, id: &str) -> Self {
        let base = format!("{}/api/tasks/{id}", server.trim_end_matches('/'));
        Self {
            events_url: format!("{base}/events"),
            cancel_url: Some(format!("{base}/cancel")),
            status_url: Some(base),
            task_id: Some(id.to_owned()),
        }
    }
}

/// True when `url` starts with a scheme (`https:`, `javascript:`, ...).
fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Why `url` cannot be streamed: empty (it would be the page itself), or a
/// scheme other than `http` or `https` (a relative URL is the page's own
/// scheme).
pub(crate) fn unstreamable(url: &str) -> Option<Failure> {
    if url.trim().is_empty() {
        return Some(Failure::plain(FailureCode::NoUrl));
    }
    if !has_scheme(url) {
        return None;
    }
    let scheme = url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    (scheme != "http" && scheme != "https").then(|| {
        let shown: String = url.chars().take(60).collect();
        Failure::new(FailureCode::BadScheme, [shown])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created(events_url: &str) -> CreateTaskResponse {
        CreateTaskResponse {
            id: "t1".into(),
            events_url: events_url.into(),
            cancel_url: "/api/tasks/t1/cancel".into(),
            status_url: "/api/tasks/t1".into(),
        }
    }

    #[test]
    fn a_created_tasks_urls_resolve_against_the_server_unless_absolute() {
        let target = StreamTarget::created("http://a:1/", &created("/api/tasks/t1/events"));
        assert_eq!(target.events_url, "http://a:1/api/tasks/t1/events");
        assert_eq!(
            target.cancel_url.as_deref(),
            Some("http://a:1/api/tasks/t1/cancel")
        );
        let other = StreamTarget::created("http://a:1", &created("https://b.example/s?x=1"));
        assert_eq!(other.events_url, "https://b.example/s?x=1");
    }

    #[test]
    fn only_http_urls_are_streamed() {
        assert_eq!(unstreamable("/api/x"), None);
        assert_eq!(unstreamable("HTTPS://b/x"), None);
        assert_eq!(unstreamable("path/with:colon"), None);
        assert_eq!(
            unstreamable("javascript:alert(1)")
                .map(|f| f.english())
                .as_deref(),
            Some("\"javascript:alert(1)\" is not an http(s) URL, so it cannot be streamed")
        );
        assert!(unstreamable("data:text/event-stream,x").is_some());
        assert_eq!(
            unstreamable("  ").map(|f| f.english()).as_deref(),
            Some("no stream URL was given")
        );
    }
}
