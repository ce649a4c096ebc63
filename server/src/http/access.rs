//! Who may do what: the optional API token and the cross-origin guard.
//!
//! - With a token configured, every request of the API must carry it as
//!   `Authorization: Bearer <token>`; otherwise 401. Never in the URL: a
//!   query lands in access logs and browser histories. An `EventSource`,
//!   which cannot send headers, is let in by what the browser sends by
//!   itself: the app's session cookie, which its identify hook reads.
//! - Whatever the token: a request that changes state (any method but
//!   `GET`/`HEAD`/`OPTIONS`, and the demo's `GET {base}/run`, which creates a task) sent by
//!   a page of another origin is refused with 403 unless `--allow-origin`
//!   names that origin. Browsers always say where such a request comes from
//!   (`Origin`, or `Sec-Fetch-Site` for a plain `GET`), so a page cannot make
//!   a visitor's browser act on the server; programs that send neither are
//!   let through (they could not be stopped by a header check anyway).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;

/// Who may call: the token every request must carry (when set) and the
/// origins whose pages may change state (`*`: any).
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    /// Token required on every request of the routes it guards.
    pub token: Option<String>,
    /// Origins whose pages may change state; `*` allows any.
    pub allow_origins: Vec<String>,
    /// The origins the server's own pages are served at when a proxy in
    /// front of it rewrites `Host` (e.g. `https://app.example.com`).
    pub public_origins: Vec<String>,
    /// Paths whose `GET` changes state (it creates a task), guarded as a
    /// `POST` is.
    pub state_changing_gets: Vec<String>,
}

/// What the request proved, for routes that show more to the token holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// No token configured, or none presented.
    #[default]
    Open,
    /// The request carried the server's token.
    Token,
}

impl<S: Send + Sync> FromRequestParts<S> for Access {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Access>()
            .copied()
            .unwrap_or_default())
    }
}

/// Middleware of `/api/`: 401 without the token when one is configured.
pub async fn require_token(
    State(config): State<Arc<AccessPolicy>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(expected) = config.token.as_deref() else {
        return next.run(request).await;
    };
    let presented = bearer_token(request.headers()).unwrap_or_default();
    if !same_secret(presented.as_bytes(), expected.as_bytes()) {
        let reason = if presented.is_empty() {
            "this server requires a token: send Authorization: Bearer <token>"
        } else {
            "the token is not valid for this server"
        };
        return ApiError::Unauthorized(reason.into()).into_response();
    }
    request.extensions_mut().insert(Access::Token);
    next.run(request).await
}

/// Middleware of every route: 403 for a state-changing request from a page
/// of another origin that `--allow-origin` does not name.
pub async fn refuse_cross_origin_actions(
    State(config): State<Arc<AccessPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || config.state_changing_gets.iter().any(|get| get == path);
    if changes_state {
        if let Err(error) = check_origin(request.headers(), &config) {
            return error.into_response();
        }
    }
    next.run(request).await
}

/// Ok when the request comes from this server's own pages (its `Host`, or
/// a public origin), from an allowed origin, or from a program that is not
/// a browser page.
fn check_origin(headers: &HeaderMap, policy: &AccessPolicy) -> Result<(), ApiError> {
    let allowed = &policy.allow_origins;
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let host = text(header::HOST).unwrap_or_default();
    match text(header::ORIGIN) {
        Some(origin) => {
            let own = origin
                .split_once("://")
                .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(&host));
            let public = policy
                .public_origins
                .iter()
                .any(|public| public.trim_end_matches('/').eq_ignore_ascii_case(&origin));
            if own
                || public
                || allowed
                    .iter()
                    .any(|allowed| allowed == "*" || *allowed == origin)
            {
                Ok(())
            } else {
                Err(ApiError::Forbidden(format!(
                    "a page of another origin ({origin}) may not change this server's state: allow it \
                     (--allow-origin), or, when it is this server's own address behind a proxy \
                     that rewrites Host, name it as a public origin (--public-origin)"
                )))
            }
        }
        None => match text(HeaderName::from_static("sec-fetch-site")).as_deref() {
            Some("cross-site" | "same-site") if !allowed.iter().any(|a| a == "*") => {
                Err(ApiError::Forbidden(
                    "a page of another site may not change this server's state".into(),
                ))
            }
            _ => Ok(()),
        },
    }
}

/// The token of `Authorization: Bearer <token>`, if the request has one.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Compares two secrets in time that depends only on their lengths.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn own_pages_and_programs_pass_other_origins_do_not() {
        let own = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        let none = AccessPolicy::default();
        let allowing = |origin: &str| AccessPolicy {
            allow_origins: vec![origin.into()],
            ..AccessPolicy::default()
        };
        assert!(check_origin(&own, &none).is_ok());
        assert!(check_origin(&headers(&[("host", "127.0.0.1:8080")]), &none).is_ok());
        let other = headers(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.test")]);
        assert!(check_origin(&other, &none).is_err());
        assert!(check_origin(&other, &allowing("http://evil.test")).is_ok());
        let image = headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")]);
        assert!(check_origin(&image, &none).is_err());
    }

    #[test]
    fn behind_a_proxy_that_rewrites_host_the_public_origin_is_the_servers_own() {
        // nginx's default: Host is the upstream's address.
        let proxied = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://app.example.com"),
        ]);
        assert!(check_origin(&proxied, &AccessPolicy::default()).is_err());
        let public = AccessPolicy {
            public_origins: vec!["https://app.example.com/".into()],
            ..AccessPolicy::default()
        };
        assert!(check_origin(&proxied, &public).is_ok());
    }

    #[test]
    fn the_token_comes_from_the_header() {
        assert_eq!(
            bearer_token(&headers(&[("authorization", "Bearer s3cret")])).as_deref(),
            Some("s3cret")
        );
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
    }
}
