//! HTTP plumbing every route shares, and none of the task domain: the
//! token and cross-origin guard ([`access`]), the JSON error answer
//! ([`error`]), JSON bodies that must be objects ([`json_body`]), reading a
//! resume point ([`resume`]), SSE responses ([`sse`]), the accept loop
//! ([`serve`]) and closing stalled clients ([`stall`]), and the counts of
//! requests and open streams ([`counters`]).

pub mod access;
pub mod counters;
pub mod error;
pub mod json_body;
pub mod resume;
pub mod serve;
pub mod sse;
pub mod stall;
