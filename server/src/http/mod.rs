//! HTTP plumbing every route shares, and none of the task domain, public so
//! that an app's own SSE routes can share it: the JSON error answer
//! ([`ApiError`]), JSON bodies that must be objects ([`JsonObject`]), reading
//! a resume point ([`resume_from`]), SSE responses ([`sse_response`],
//! [`sse_bytes_response`]), who a request is ([`Caller`], as the app's
//! hook says), and the token and cross-origin guards ([`AccessPolicy`],
//! [`refuse_cross_origin_actions`]). The accept loop and
//! the closing of stalled clients are the server's own.

pub(crate) mod access;
pub(crate) mod caller;
mod dead_peers;
pub(crate) mod error;
pub(crate) mod json_body;
pub(crate) mod resume;
pub(crate) mod serve;
pub(crate) mod sse;
mod stall;

pub use access::{bearer_token, refuse_cross_origin_actions, same_secret, Access, AccessPolicy};
pub use caller::{Caller, Refusal};
pub use error::ApiError;
pub use json_body::JsonObject;
pub use resume::{last_event_id_header, resume_from, ResumeError, ResumeFrom};
pub use sse::{completion_event, retry_event, sse_bytes_response, sse_response};
