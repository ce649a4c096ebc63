//! WebDriver plumbing shared by the end-to-end test (`sse-task-e2e`) and the
//! browser benchmark (`sse-task-bench`): a chromedriver process with a
//! headless Chromium session, and the demo page and the `<task-monitor>`
//! pages as a user sees them.

pub mod driver;
pub mod element_page;
pub mod page;
