//! The DOM without a framework, shared by the Leptos components and the
//! `<task-monitor>` element: the log written in place ([`LogRenderer`]),
//! the block plan it follows, and the labels both views show.

mod labels;
mod log_blocks;
mod log_renderer;

pub use labels::{dropped_notice, format_percent, whole_percent};
pub use log_renderer::LogRenderer;
