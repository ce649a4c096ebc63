//! What a task monitor streams: a task created through the server's task
//! API, or any SSE URL; and what a task id may look like.

use sse_task_protocol::CreateTaskRequest;

/// Longest task id kept (a UUID is 36 characters).
const MAX_ID_CHARS: usize = 64;

/// True for a task id worth streaming or keeping in a URL: 1 to 64 ASCII
/// letters, digits or `-`.
pub fn is_task_id(id: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The source of a `TaskMonitor` (or of `TaskStream::start_source`).
#[derive(Debug, Clone, PartialEq)]
pub enum TaskSource {
    /// `POST {server}/api/tasks` with `request`, then stream the new task;
    /// Stop cancels it on the server.
    TaskApi {
        /// Origin of the server (`http://127.0.0.1:8080`), or empty for the page's own.
        server: String,
        /// The task to create.
        request: CreateTaskRequest,
    },
    /// Stream this SSE URL as it is.
    Url {
        /// The URL.
        url: String,
    },
}

impl Default for TaskSource {
    fn default() -> Self {
        Self::TaskApi {
            server: String::new(),
            request: CreateTaskRequest {
                steps: 10,
                interval_ms: 1000,
                fail_at: None,
                label: None,
            },
        }
    }
}
