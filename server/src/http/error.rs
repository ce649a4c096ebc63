//! The JSON error answer of every API route: `{"error": "..."}` with a 4xx/5xx status.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sse_task_protocol::ErrorBody;
use thiserror::Error;

use crate::http::resume::ResumeError;

/// Every way a request can fail, each mapped to one HTTP status.
#[derive(Debug, Error)]
pub enum ApiError {
    /// Malformed input: bad JSON syntax, a `Last-Event-ID` that is not a number, ...
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed input with values out of range.
    #[error("{0}")]
    Unprocessable(String),
    /// Missing, unknown or expired credentials: 401 with `WWW-Authenticate: Bearer`.
    #[error("{0}")]
    Unauthorized(String),
    /// The request is not allowed from where it comes (another origin's page).
    #[error("{0}")]
    Forbidden(String),
    /// The task existed and was removed.
    #[error("{0}")]
    Gone(String),
    /// The server cannot store what the request needs now (its database failed).
    #[error("{0}")]
    Unavailable(String),
    /// The route exists, not with this method.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// No such task, session or route.
    #[error("{0}")]
    NotFound(String),
    /// The request does not fit the resource's state (cancel of a finished task).
    #[error("{0}")]
    Conflict(String),
    /// Too many tasks waiting; try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests {
        /// What is full.
        message: String,
        /// Value of the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// An extractor refused the request (wrong content type, body too large, ...).
    #[error("{message}")]
    Rejected {
        /// The status the extractor chose.
        status: StatusCode,
        /// Its explanation.
        message: String,
    },
    /// The server failed (its store, say): a 500 with the reason.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Gone(_) => StatusCode::GONE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Rejected { status, .. } => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self::Rejected {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl From<ResumeError> for ApiError {
    fn from(error: ResumeError) -> Self {
        Self::BadRequest(error.to_string())
    }
}

impl From<sse_task_protocol::ValidationError> for ApiError {
    fn from(error: sse_task_protocol::ValidationError) -> Self {
        Self::Unprocessable(error.to_string())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let bearer = matches!(self, Self::Unauthorized(_));
        let retry_after = match &self {
            Self::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.to_string(),
            }),
        )
            .into_response();
        if bearer {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
