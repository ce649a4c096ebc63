//! Ready-made components, one per file: the whole [`TaskMonitor`] panel and
//! the parts it is built from.

mod controls;
mod log_view;
mod progress_bar;
mod status_badge;
mod task_log_panel;
mod task_monitor;
mod task_rows;
mod tasks_dashboard;

pub use controls::{TaskControls, TaskControlsProps};
pub use log_view::{LogView, LogViewProps};
pub use progress_bar::{ProgressBar, ProgressBarProps};
pub use status_badge::{StatusBadge, StatusBadgeProps};
pub use task_log_panel::{TaskLogPanel, TaskLogPanelProps};
pub use task_monitor::{TaskMonitor, TaskMonitorProps};
pub use tasks_dashboard::{TasksDashboard, TasksDashboardProps};
