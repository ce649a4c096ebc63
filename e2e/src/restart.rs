//! The reload and crash scenario: the page streams a task from a server
//! with a file database; the page is reloaded in the middle (it reattaches
//! from its URL), then the server is killed with SIGKILL and restarted on
//! the same port; the page resumes and its log holds every step exactly
//! once.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::{DemoPage, PageError};

use crate::server_process::{free_port, ServerProcess};

/// Steps of the task; 100 ms apart.
const STEPS: u32 = 30;

/// Runs the scenario with `bin` serving `dist`; returns what passed.
pub async fn run(driver: &Driver, bin: &Path, dist: &Path) -> Result<String, PageError> {
    let dir = std::env::temp_dir().join(format!("sse-e2e-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|error| PageError::Unexpected(error.to_string()))?;
    let db: PathBuf = dir.join("events.db");
    let port = free_port()?;
    let args: Vec<OsString> = vec![
        "--static-dir".into(),
        dist.into(),
        "--db".into(),
        db.clone().into(),
    ];
    let server = ServerProcess::start(bin, port, &args).await?;
    let page = DemoPage::new(&driver.client);
    page.open(&format!(
        "http://127.0.0.1:{port}/?steps={STEPS}&interval_ms=100"
    ))
    .await?;
    page.click("start").await?;
    page.wait_until("five steps", || async {
        Ok(page.lines().await?.len() >= 5)
    })
    .await?;
    // A reload mid-task: the page reattaches from its URL (`?task=`),
    // shows the log so far once, and goes on.
    let before = page.lines().await?;
    driver.client.refresh().await?;
    page.wait_until("the reloaded page to show the log so far", || async {
        let lines = page.lines().await?;
        Ok(lines.len() >= before.len() && lines[..before.len()] == before[..])
    })
    .await?;
    let query = driver.client.current_url().await?;
    if !query.as_str().contains("task=") {
        return Err(PageError::Unexpected(format!(
            "the page URL does not name its task: {query}"
        )));
    }
    server.kill().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let restarted = ServerProcess::start(bin, port, &args).await?;
    page.wait_for_status("completed").await?;
    let lines = page.lines().await?;
    let steps: Vec<&String> = lines
        .iter()
        .filter(|line| line.starts_with("step "))
        .collect();
    let expected: Vec<String> = (1..=STEPS)
        .map(|i| format!("step {i} of {STEPS}"))
        .collect();
    restarted.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    if steps
        .iter()
        .map(|s| s.as_str())
        .ne(expected.iter().map(String::as_str))
    {
        return Err(PageError::Unexpected(format!(
            "after the restart the log is {lines:?}"
        )));
    }
    if !lines.iter().any(|line| line == "Process complete") {
        return Err(PageError::Unexpected(format!(
            "no Process complete in {lines:?}"
        )));
    }
    Ok(format!(
        "page reloaded mid-task (reattached from ?task=), then the server SIGKILLed and restarted: all {STEPS} steps exactly once"
    ))
}
