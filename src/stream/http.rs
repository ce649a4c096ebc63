//! The hook's HTTP calls: create a task, cancel it, and ask a failed stream's
//! URL why it failed.

use gloo_net::http::Request;
use sse_task_protocol::{CreateTaskRequest, CreateTaskResponse, ErrorBody};
use thiserror::Error;
use web_sys::AbortController;

use crate::task::{diagnose_response, Diagnosis, FailedAnswer};

/// What can go wrong calling the task API.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HttpError {
    /// The request did not reach the server.
    #[error("cannot reach the server ({0})")]
    Network(String),
    /// The server answered with an error status.
    #[error("the server answered {status}: {message}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The server's `error` field, or the status text.
        message: String,
    },
    /// The answer was not the expected JSON.
    #[error("unexpected answer from the server ({0})")]
    Body(String),
}

/// `POST {base}/api/tasks`.
pub async fn create_task(
    base: &str,
    request: &CreateTaskRequest,
) -> Result<CreateTaskResponse, HttpError> {
    let response = Request::post(&format!("{base}/api/tasks"))
        .json(request)
        .map_err(|error| HttpError::Body(error.to_string()))?
        .send()
        .await
        .map_err(|error| HttpError::Network(error.to_string()))?;
    if !response.ok() {
        return Err(status_error(response).await);
    }
    response
        .json()
        .await
        .map_err(|error| HttpError::Body(error.to_string()))
}

/// `POST cancel_url`.
pub async fn cancel_task(cancel_url: &str) -> Result<(), HttpError> {
    let response = Request::post(cancel_url)
        .send()
        .await
        .map_err(|error| HttpError::Network(error.to_string()))?;
    if response.ok() {
        Ok(())
    } else {
        Err(status_error(response).await)
    }
}

async fn status_error(response: gloo_net::http::Response) -> HttpError {
    let status = response.status();
    let message = match response.json::<ErrorBody>().await {
        Ok(body) => body.error,
        Err(_) => response.status_text(),
    };
    HttpError::Status { status, message }
}

/// Requests `url` once more to learn why its stream failed. A stream answer
/// is aborted as soon as its headers arrive.
pub async fn diagnose(url: &str) -> Diagnosis {
    let abort = AbortController::new().ok();
    let request = Request::get(url)
        .header("Accept", "text/event-stream")
        .abort_signal(abort.as_ref().map(|a| a.signal()).as_ref());
    let response = match request.send().await {
        Ok(response) => response,
        Err(_) => return Diagnosis::unreachable(),
    };
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let retry_after = response.headers().get("retry-after");
    let server_error = if status >= 400 {
        response
            .json::<ErrorBody>()
            .await
            .ok()
            .map(|body| body.error)
    } else {
        None
    };
    if let Some(abort) = abort {
        abort.abort();
    }
    diagnose_response(FailedAnswer {
        status: Some(status),
        status_text: &response.status_text(),
        content_type: content_type.as_deref(),
        server_error: server_error.as_deref(),
        retry_after: retry_after.as_deref(),
    })
}
