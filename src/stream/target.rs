//! [`StreamTarget`]: the URLs of what one stream reads, and where to cancel it.

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
