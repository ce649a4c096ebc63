//! The hook's HTTP calls: create a task, cancel it, and ask a failed stream's
//! URL why it failed. On the page's `fetch` through `web-sys` (as the fetch
//! transport is), not an HTTP client crate: gloo-net's `http` module and the
//! stream and I/O code it brings weighed ~6 KB gzipped in the
//! `<task-monitor>` element for three requests.

use js_sys::Reflect;
use sse_task_protocol::CreateTaskResponse;
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, RequestCache, RequestInit, RequestRedirect, Response, ResponseType,
};

use super::browser::{error_words, global_field, page_url, window};
use super::diagnosis::{diagnose_response, Diagnosis, FailedAnswer};
use crate::words::{Failure, FailureCode};

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
    #[error("unexpected answer from the server (line {line}, column {column})")]
    Body {
        /// Where the JSON went wrong.
        line: usize,
        /// Where on that line.
        column: usize,
    },
}

impl HttpError {
    /// The failure it is, for the user.
    pub fn failure(&self) -> Failure {
        match self {
            Self::Network(_) => Failure::plain(FailureCode::Unreachable),
            Self::Status { status, message } => {
                Failure::new(FailureCode::HttpStatus, [status.to_string()])
                    .with_server_message(Some(message.clone()))
            }
            Self::Body { line, column } => Failure::new(
                FailureCode::BadAnswer,
                [line.to_string(), column.to_string()],
            ),
        }
    }
}

/// `POST {base}/api/tasks` with `body`, a JSON object.
pub async fn create_task(base: &str, body: &str) -> Result<CreateTaskResponse, HttpError> {
    let response = send("POST", &format!("{base}/api/tasks"), Some(body)).await?;
    let text = JsFuture::from(response.text().map_err(network_error)?)
        .await
        .map_err(network_error)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(body_error)
}

/// A body that is not the expected JSON, said by where it went wrong. Not
/// serde_json's own words: their formatting (escaped strings, floats)
/// weighed ~2.5 KB gzipped in the `<task-monitor>` element.
fn body_error(error: serde_json::Error) -> HttpError {
    HttpError::Body {
        line: error.line(),
        column: error.column(),
    }
}

/// `GET status_url`: whether the server still has the task.
pub async fn check_task(status_url: &str) -> Result<(), HttpError> {
    send("GET", status_url, None).await.map(drop)
}

/// `POST cancel_url`.
pub async fn cancel_task(cancel_url: &str) -> Result<(), HttpError> {
    send("POST", cancel_url, None).await.map(drop)
}

/// Sends `method url` (with a JSON body when given) with the page's
/// `fetch`; an answer that is not 2xx is an error carrying the server's
/// `error` field, or the status text.
async fn send(method: &str, url: &str, json_body: Option<&str>) -> Result<Response, HttpError> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = json_body {
        let headers = Headers::new().map_err(network_error)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(network_error)?;
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(body));
    }
    let window = window().ok_or_else(|| HttpError::Network("the page has no window".into()))?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(network_error)?
        .unchecked_into();
    if response.ok() {
        return Ok(response);
    }
    let message = json_error(&response)
        .await
        .unwrap_or_else(|| response.status_text());
    Err(HttpError::Status {
        status: response.status(),
        message,
    })
}

/// A request that did not reach the server, with the browser's words.
fn network_error(error: JsValue) -> HttpError {
    HttpError::Network(error_words(&error, "the request failed"))
}

/// Requests `url` once more to learn why its stream failed (`EventSource`
/// hides the answer). A stream answer is aborted as soon as its headers
/// arrive; a request that fails is asked why with [`why_unreachable`].
pub async fn diagnose(url: &str) -> Diagnosis {
    let Some((response, abort)) = probe(url, RequestRedirect::Follow).await else {
        return why_unreachable(url).await;
    };
    let diagnosis = describe_answer(&response).await;
    abort.abort();
    diagnosis
}

/// Why a request to `url` did not reach an answer: asked once more without
/// following redirects, a redirect says that the URL redirects without end
/// (the browser gives up after 20); anything else is an unreachable server.
pub async fn why_unreachable(url: &str) -> Diagnosis {
    match probe(url, RequestRedirect::Manual).await {
        Some((response, abort)) => {
            abort.abort();
            if response.type_() == ResponseType::Opaqueredirect {
                return Diagnosis::redirect_loop();
            }
            Diagnosis::unreachable()
        }
        None => Diagnosis::unreachable(),
    }
}

/// `GET url` asking for a stream, with an abort for its body.
async fn probe(url: &str, redirect: RequestRedirect) -> Option<(Response, AbortController)> {
    let abort = AbortController::new().ok()?;
    let init = RequestInit::new();
    if let Ok(headers) = Headers::new() {
        let _ = headers.set("Accept", "text/event-stream");
        init.set_headers(&headers);
    }
    init.set_redirect(redirect);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&abort.signal()));
    let request = window()?.fetch_with_str_and_init(url, &init);
    let response = JsFuture::from(request).await.ok()?;
    Some((response.unchecked_into(), abort))
}

/// What an answer that is not a stream says: its status, content type,
/// `Retry-After` and the `error` field of a JSON body. An answer that is a
/// stream is described as a closed connection.
pub async fn describe_answer(response: &Response) -> Diagnosis {
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten();
    let server_error = error_field(response, content_type.as_deref()).await;
    let redirected_to = response.redirected().then(|| shown_place(&response.url()));
    diagnose_response(FailedAnswer {
        status: Some(response.status()),
        status_text: &response.status_text(),
        content_type: content_type.as_deref(),
        server_error: server_error.as_deref(),
        retry_after: retry_after.as_deref(),
        redirected_to: redirected_to.as_deref(),
        now_epoch_ms: js_sys::Date::now(),
        parse_date: |value| Some(js_sys::Date::parse(value)).filter(|ms| ms.is_finite()),
    })
}

/// `url` as the user knows it: its path and query on the page's origin,
/// the whole URL on another.
fn shown_place(url: &str) -> String {
    let page_origin = global_field("location", "origin");
    match page_url(url) {
        Some(parsed) if Some(parsed.origin()) == page_origin => {
            format!("{}{}", parsed.pathname(), parsed.search())
        }
        _ => url.to_owned(),
    }
}

/// The `error` field of a JSON error body, when there is one.
async fn error_field(response: &Response, content_type: Option<&str>) -> Option<String> {
    if response.status() < 400 || !content_type.is_some_and(|kind| kind.contains("json")) {
        return None;
    }
    json_error(response).await
}

/// The `error` field of the body, when it is JSON with one.
async fn json_error(response: &Response) -> Option<String> {
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    Reflect::get(&json, &"error".into()).ok()?.as_string()
}
