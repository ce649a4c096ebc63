//! Wire types shared by the task-progress front-end and the mock event server.
//!
//! Everything here is plain data with serde: no web-sys, no tokio, so both the
//! Wasm client and the native server compile it. The contract it encodes (the
//! README's "The mock server" section shows it on the wire):
//!
//! - progress events are the default `message` event with data
//!   `{"message": "...", "progress": 0..100}` ([`ProgressData`]), exactly as the
//!   coreBOS seed's `source.php` prints it;
//! - completion is an event with `id: CLOSE` ([`CLOSE_EVENT_ID`]) or the data
//!   `__CLOSE_SSE__` ([`CLOSE_DATA`]);
//! - failure and cancellation are the named events [`EVENT_FAILED`] and
//!   [`EVENT_CANCELLED`];
//! - an idle stream gets a `: keep-alive` comment and a [`EVENT_HEARTBEAT`]
//!   event ([`KEEP_ALIVE_FRAME`]); a resume point the server no longer has
//!   gets a [`EVENT_HISTORY_LOST`] event first;
//! - frames are encoded by [`encode_frame`]; the feed of every task speaks
//!   [`FeedMessage`];
//! - the task API speaks [`CreateTaskRequest`], [`CreateTaskResponse`],
//!   [`TaskSnapshot`] and [`ErrorBody`].
//!
//! # Layout
//! - [`events`]: event names, ids and the progress payload.
//! - [`frame`]: the SSE frame encoding.
//! - [`feed`]: the typed messages of the feed of every task.
//! - [`task`]: the task API's requests, responses and limits.

/// The README's example, compiled and run by `cargo test --doc`.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctest;

pub mod events;
pub mod feed;
pub mod frame;
pub mod task;

pub use events::{
    HistoryLost, ProgressData, CLOSE_DATA, CLOSE_EVENT_ID, EVENT_CANCELLED, EVENT_DELTA,
    EVENT_FAILED, EVENT_HEARTBEAT, EVENT_HISTORY_LOST, EVENT_MESSAGE,
};
pub use feed::{FeedEventData, FeedMessage, FEED_CREATED, FEED_SNAPSHOT, FEED_SYNCED};
pub use frame::{encode_frame, normalize_newlines, retry_frame, KEEP_ALIVE_FRAME};
pub use task::{
    validate_interval_ms, CreateTaskRequest, CreateTaskResponse, ErrorBody, KindsResponse,
    TaskSnapshot, TaskState, ValidationError, DEFAULT_INTERVAL_MS, MAX_INTERVAL_MS,
    MAX_LABEL_CHARS, MAX_STEPS,
};
