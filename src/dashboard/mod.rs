//! The multiplexed view: every task of a server over one connection. Its
//! state ([`Dashboard`], pure), the rows' plan and their plain DOM, the hook
//! (a stream on the same engine, rules and transports as a task's) and the
//! table with its log panel.

mod board;
mod hook;
mod log_panel;
mod row_dom;
mod rows;
mod table;

pub use board::{Dashboard, DashboardTask, FeedError};
pub use hook::{
    use_tasks_dashboard, use_tasks_dashboard_with_options, DashboardConnection,
    TasksDashboardOptions, UseTasksDashboardReturn,
};
pub use log_panel::{TaskLogPanel, TaskLogPanelProps};
pub use table::{TasksDashboard, TasksDashboardProps};
