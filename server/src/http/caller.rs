//! Who a request is. The app says it with a hook over the request's parts
//! (it reads what the app's own middleware found: a session, a bearer
//! token), which answers a [`Caller`] or the app's own rejection (a 401,
//! a redirect to its sign-in page). Without a hook every request is the
//! same anonymous caller, on a server that names no users.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Who a request is, as the app's hook says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caller {
    name: Option<String>,
    operator: bool,
}

impl Caller {
    /// A user, who reaches only the tasks they created. `name` is how the
    /// app names them (stored with each task; not empty).
    pub fn user(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            operator: false,
        }
    }

    /// A user who reaches every task (an admin dashboard); the tasks they
    /// create are theirs.
    pub fn operator(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            operator: true,
        }
    }

    /// The caller of a server without a hook: every request is the same
    /// one and reaches every task.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// The user's name (`None` when anonymous).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// True for an operator.
    pub fn is_operator(&self) -> bool {
        self.operator
    }
}

/// The app's answer to a request it cannot identify: any response (a 401,
/// a redirect to its sign-in page), made with `.into()`.
#[derive(Debug)]
pub struct Refusal(Box<Response>);

impl<T: IntoResponse> From<T> for Refusal {
    fn from(refusal: T) -> Self {
        Self(Box::new(refusal.into_response()))
    }
}

/// The app's hook: who the request in `parts` is, or its refusal.
pub type Identify = Arc<dyn Fn(&Parts) -> Result<Caller, Refusal> + Send + Sync>;

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_default())
    }
}

/// Middleware of the task API: asks the hook who the request is and keeps
/// the answer for the routes, or answers with the hook's rejection.
pub async fn identify_caller(
    State(identify): State<Identify>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    match identify(&parts) {
        Ok(caller) => {
            parts.extensions.insert(caller);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(Refusal(refusal)) => *refusal,
    }
}
