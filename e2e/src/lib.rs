//! WebDriver plumbing shared by the end-to-end test (`sse-task-e2e`) and the
//! browser benchmark (`sse-task-bench`): a chromedriver process with a
//! headless Chromium session, and the demo page as a user sees it.

pub mod driver;
pub mod page;
