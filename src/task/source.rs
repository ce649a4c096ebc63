//! What a task monitor streams: a task created through the server's task
//! API, or any SSE URL.

use sse_task_protocol::CreateTaskRequest;

/// The source of a [`crate::components::TaskMonitor`].
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
