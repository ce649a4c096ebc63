//! Options of the fetch transport ([`crate::Transport::Fetch`]): method,
//! body, credentials, headers computed on every attempt, and a hook that
//! refreshes credentials after a 401 / 403.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Computes the request's extra headers; called before **every** attempt,
/// so a token that expired is replaced by the current one.
pub type HeadersFn = Arc<dyn Fn() -> Vec<(String, String)> + Send + Sync>;

/// Refreshes credentials after a 401 / 403; the attempt is retried once it
/// resolves (once per outage: a second 401 in a row fails the stream).
pub type RefreshFn = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>> + Send + Sync>;

/// Whether the request carries cookies and HTTP authentication
/// (`RequestInit.credentials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    /// Never.
    Omit,
    /// Only to the page's own origin. The default, as for `fetch`.
    #[default]
    SameOrigin,
    /// Also cross-origin (the server must allow credentials in CORS).
    Include,
}

/// How the fetch transport asks for the stream.
///
/// ## Usage
/// ```no_run
/// use sse_task_progress::{options::FetchOptions, Transport, UseTaskStreamOptions};
///
/// let token = std::sync::Arc::new(std::sync::Mutex::new(String::from("abc")));
/// let current = token.clone();
/// let options = UseTaskStreamOptions::default().transport(Transport::Fetch(
///     FetchOptions::default()
///         .json_body(r#"{"count": 100}"#)
///         .headers(move || {
///             let token = current.lock().map(|t| t.clone()).unwrap_or_default();
///             vec![("Authorization".into(), format!("Bearer {token}"))]
///         })
///         .on_unauthorized(move || {
///             let token = token.clone();
///             Box::pin(async move {
///                 // Ask your server for a new token here.
///                 if let Ok(mut t) = token.lock() { *t = "fresh".into(); }
///             })
///         }),
/// ));
/// ```
#[derive(Clone, Default)]
pub struct FetchOptions {
    /// HTTP method. Default: `GET` (`POST` once a body is set with
    /// [`FetchOptions::json_body`]).
    pub method: Option<String>,
    /// Request body, sent on every attempt. Default: none.
    pub body: Option<String>,
    /// `Content-Type` of the body. Default: none (`application/json` with
    /// [`FetchOptions::json_body`]).
    pub content_type: Option<String>,
    /// Cookies and HTTP authentication. Default: [`Credentials::SameOrigin`].
    pub credentials: Credentials,
    /// Extra headers, computed before every attempt. Default: none.
    pub headers: Option<HeadersFn>,
    /// Called once after a 401 / 403 before retrying. Default: none (a 401
    /// or 403 fails at once).
    pub on_unauthorized: Option<RefreshFn>,
    /// Reads and parses the stream in a worker, off the page's main thread
    /// (the page's own wasm started again in a dedicated worker); on the
    /// main thread where the worker cannot start. An app with its own start
    /// function returns early from it in the worker (see
    /// [`crate::runs_in_stream_worker`]). Default: false.
    pub off_main_thread: bool,
}

impl fmt::Debug for FetchOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchOptions")
            .field("method", &self.method())
            .field("body", &self.body.as_ref().map(String::len))
            .field("content_type", &self.content_type)
            .field("credentials", &self.credentials)
            .field("headers", &self.headers.is_some())
            .field("on_unauthorized", &self.on_unauthorized.is_some())
            .field("off_main_thread", &self.off_main_thread)
            .finish()
    }
}

impl FetchOptions {
    /// The method to send: the one set, else `POST` with a body, else `GET`.
    pub fn method(&self) -> &str {
        match (&self.method, &self.body) {
            (Some(method), _) => method,
            (None, Some(_)) => "POST",
            (None, None) => "GET",
        }
    }

    /// Uses this HTTP method.
    pub fn with_method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Sends `json` as the body with `Content-Type: application/json`
    /// (and `POST`, unless another method is set).
    pub fn json_body(mut self, json: impl Into<String>) -> Self {
        self.body = Some(json.into());
        self.content_type = Some("application/json".into());
        self
    }

    /// Sends cookies as `credentials` says.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Computes extra headers before every attempt.
    pub fn headers(
        mut self,
        headers: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static,
    ) -> Self {
        self.headers = Some(Arc::new(headers));
        self
    }

    /// Reads and parses in a worker (true) or on the main thread (false).
    pub fn off_main_thread(mut self, off: bool) -> Self {
        self.off_main_thread = off;
        self
    }

    /// Refreshes credentials after a 401 / 403, once per outage.
    pub fn on_unauthorized(
        mut self,
        refresh: impl Fn() -> Pin<Box<dyn Future<Output = ()>>> + Send + Sync + 'static,
    ) -> Self {
        self.on_unauthorized = Some(Arc::new(refresh));
        self
    }
}

/// Which transport the hook uses.
#[derive(Debug, Clone, Default)]
pub enum Transport {
    /// The browser's `EventSource` (the default): no headers, no body, the
    /// browser's own reconnects after a planned end.
    #[default]
    EventSource,
    /// `fetch` with our own parser: headers, body, credentials, and a main
    /// thread whose work per task is bounded.
    Fetch(FetchOptions),
}

impl Transport {
    /// The credentials hook, when the transport has one.
    pub fn on_unauthorized(&self) -> Option<RefreshFn> {
        match self {
            Self::EventSource => None,
            Self::Fetch(options) => options.on_unauthorized.clone(),
        }
    }

    /// Short name: `eventsource`, `fetch`, or `fetch-worker` off the main thread.
    pub fn name(&self) -> &'static str {
        match self {
            Self::EventSource => "eventsource",
            Self::Fetch(options) if options.off_main_thread => "fetch-worker",
            Self::Fetch(_) => "fetch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_method_follows_the_body_unless_set() {
        assert_eq!(FetchOptions::default().method(), "GET");
        let post = FetchOptions::default().json_body("{}");
        assert_eq!(post.method(), "POST");
        assert_eq!(post.content_type.as_deref(), Some("application/json"));
        assert_eq!(post.with_method("PUT").method(), "PUT");
    }
}
