//! One stream's engine, no Leptos: the [`TaskStream`] face, the controller
//! (which owns its state and carries out the connection rules), the pump
//! (every flow constant), the transports (`EventSource`, `fetch`, `fetch`
//! read in the stream worker, and either shared across tabs), the options,
//! the few browser services it needs, and the [`host`] through which the
//! controller asks for them (a fake one in the native tests).
//!
//! Messages go one way: transport → queue → pump → model → view.

mod browser;
mod clock;
mod controller;
#[cfg(test)]
mod controller_tests;
mod diagnosis;
mod fetch_options;
mod fingerprint;
mod host;
mod http;
mod model;
mod names;
mod options;
mod page_life;
mod pump;
mod replay;
mod rules;
mod stream_view;
mod target;
mod task_stream;
mod transport;

pub use fetch_options::{Credentials, FetchOptions, HeadersFn, RefreshFn, Transport};
pub use names::{ReaderKind, TransportKind};
pub use options::{
    HiddenTab, UseTaskStreamOptions, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_OPEN_TIMEOUT_MS,
};
pub use rules::ReconnectPolicy;
pub use stream_view::StreamView;
pub use target::StreamTarget;
pub use task_stream::TaskStream;
pub use transport::{runs_in_stream_worker, use_stream_worker_from};

// The engine's parts that the dashboard (the `leptos` feature) builds its
// stream from.
#[cfg(feature = "leptos")]
pub(crate) use {
    browser::warn,
    http::cancel_task,
    model::StreamModel,
    pump::{Pace, DASHBOARD_SHOW_EVERY_MS},
};
