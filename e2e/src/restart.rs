//! The fresh server and crash scenario: on a server with no task yet, the
//! Tasks view says so and its button creates one; then the page streams a
//! task whose steps were typed in the form, from a server with a file
//! database; the page is reloaded in the middle (it reattaches from its URL
//! and its form shows the task's steps), then the server is killed with
//! SIGKILL and restarted on the same port; the page resumes and its log
//! holds every step exactly once.

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
    let fresh = empty_tasks_view(driver, &page, port).await?;
    page.open(&format!("http://127.0.0.1:{port}/?interval_ms=100"))
        .await?;
    page.fill("steps", &STEPS.to_string()).await?;
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
    let steps_shown = page.prop("steps", "value").await?;
    if steps_shown != STEPS.to_string() {
        return Err(PageError::Unexpected(format!(
            "the reloaded form shows {steps_shown} steps for a task of {STEPS}"
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
        "{fresh}; page reloaded mid-task (reattached from ?task=, the form showing its {STEPS} steps), then the server SIGKILLed and restarted: all {STEPS} steps exactly once"
    ))
}

/// The Tasks view of a server with no task: it says so, and its button
/// creates a task that appears in the table.
async fn empty_tasks_view(
    driver: &Driver,
    page: &DemoPage<'_>,
    port: u16,
) -> Result<String, PageError> {
    driver
        .client
        .goto(&format!(
            "http://127.0.0.1:{port}/?view=tasks&steps=3&interval_ms=50"
        ))
        .await?;
    page.wait_until("the empty state", || async {
        Ok(page.displayed("dashboard-empty").await.unwrap_or(false))
    })
    .await?;
    page.click("new-task").await?;
    page.wait_until("the new task's row, completed", || async {
        let state = driver
            .client
            .execute(
                "var r = document.querySelector(\"[data-testid='task-row']\");\
                 return r ? r.getAttribute('data-state') : '';",
                vec![],
            )
            .await?;
        Ok(state.as_str() == Some("completed") && !page.displayed("dashboard-empty").await?)
    })
    .await?;
    Ok("a fresh server's Tasks view said it had no task and its button created one".into())
}
