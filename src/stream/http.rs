//! The hook's HTTP calls: create a task, cancel it, and ask a failed stream's
//! URL why it failed.

use gloo_net::http::Request;
use sse_task_protocol::{CreateTaskRequest, CreateTaskResponse, ErrorBody};
use thiserror::Error;
use web_sys::AbortController;

use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

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

/// `GET status_url`: whether the server still has the task.
pub async fn check_task(status_url: &str) -> Result<(), HttpError> {
    expect_ok(Request::get(status_url)).await
}

/// `POST cancel_url`.
pub async fn cancel_task(cancel_url: &str) -> Result<(), HttpError> {
    expect_ok(Request::post(cancel_url)).await
}

/// Sends `request`; an answer that is not 2xx is an error.
async fn expect_ok(request: gloo_net::http::RequestBuilder) -> Result<(), HttpError> {
    let response = request
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

/// Requests `url` once more to learn why its stream failed (`EventSource`
/// hides the answer). A stream answer is aborted as soon as its headers
/// arrive.
pub async fn diagnose(url: &str) -> Diagnosis {
    let abort = AbortController::new().ok();
    let init = RequestInit::new();
    if let Ok(headers) = Headers::new() {
        let _ = headers.set("Accept", "text/event-stream");
        init.set_headers(&headers);
    }
    init.set_signal(abort.as_ref().map(AbortController::signal).as_ref());
    let request = leptos::prelude::window().fetch_with_str_and_init(url, &init);
    let Ok(response) = JsFuture::from(request).await else {
        return Diagnosis::unreachable();
    };
    let diagnosis = describe_answer(&response.unchecked_into()).await;
    if let Some(abort) = abort {
        abort.abort();
    }
    diagnosis
}

/// What an answer that is not a stream says: its status, content type,
/// `Retry-After` and the `error` field of a JSON body. An answer that is a
/// stream is described as a closed connection.
pub async fn describe_answer(response: &Response) -> Diagnosis {
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten();
    let server_error = error_field(response, content_type.as_deref()).await;
    diagnose_response(FailedAnswer {
        status: Some(response.status()),
        status_text: &response.status_text(),
        content_type: content_type.as_deref(),
        server_error: server_error.as_deref(),
        retry_after: retry_after.as_deref(),
    })
}

/// The `error` field of a JSON error body, when there is one.
async fn error_field(response: &Response, content_type: Option<&str>) -> Option<String> {
    if response.status() < 400 || !content_type.is_some_and(|kind| kind.contains("json")) {
        return None;
    }
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    Reflect::get(&json, &"error".into()).ok()?.as_string()
}
