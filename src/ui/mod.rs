//! Leptos: the hook over one stream's signals, and the components of the
//! task panel, one per file.

mod controls;
mod hook;
mod log_view;
mod page_memory;
mod page_query;
mod progress_bar;
mod signal_view;
mod status_badge;
mod styles;
mod task_monitor;

pub use controls::{TaskControls, TaskControlsProps};
pub use hook::{use_task_stream, use_task_stream_with_options, UseTaskStreamReturn};
pub use log_view::{LogView, LogViewProps};
pub use progress_bar::{ProgressBar, ProgressBarProps};
pub use status_badge::{StatusBadge, StatusBadgeProps};
pub use styles::{TaskStyles, TaskStylesProps};
pub use task_monitor::{TaskMonitor, TaskMonitorProps};
