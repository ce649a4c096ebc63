//! Ready-made components, one per file: the whole [`TaskMonitor`] panel and
//! the parts it is built from.

mod controls;
mod log_view;
mod progress_bar;
mod status_badge;
mod task_monitor;

pub use controls::TaskControls;
pub use log_view::LogView;
pub use progress_bar::ProgressBar;
pub use status_badge::StatusBadge;
pub use task_monitor::TaskMonitor;
