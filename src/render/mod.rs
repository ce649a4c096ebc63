//! The DOM without a framework, shared by the Leptos components and the
//! `<task-monitor>` element: the log written in place ([`LogRenderer`]),
//! and the block plan it follows.

mod log_blocks;
mod log_renderer;

pub use log_renderer::LogRenderer;
