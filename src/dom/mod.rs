//! DOM rendering without a framework, shared by the Leptos components and
//! the `<task-monitor>` element: the log, appended to in place.

mod log_renderer;

pub use log_renderer::LogRenderer;
