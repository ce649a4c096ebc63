//! The end-to-end scenario: a task to 100 %, a task stopped on the server, a
//! seed endpoint to completion, a screenshot, and the fetch transport.

use std::path::Path;

use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::{wait_for_server_state, DemoPage, PageError};

/// Runs every step; returns what passed.
pub async fn run(driver: &Driver, base: &str, screenshot: &Path) -> Result<Vec<String>, PageError> {
    let page = DemoPage::new(&driver.client);
    let mut passed = Vec::new();

    page.open(&format!("{base}/?steps=8&interval_ms=150"))
        .await?;
    page.click("start").await?;
    page.wait_for_status("completed").await?;
    expect_completed(&page).await?;
    passed.push("Start Long Task ran to 100 % with \"Process complete\"".to_owned());

    // Start again, longer, and stop it in the middle.
    page.fill("interval", "50").await?;
    stop_a_long_task(&page).await?;
    let lines = page.lines().await?;
    if lines.last().map(String::as_str) != Some("Interrupted") {
        return Err(PageError::Unexpected(format!(
            "the log does not end with Interrupted: {lines:?}"
        )));
    }
    let status_url = page.text("task-status-url").await?;
    let state = wait_for_server_state(base, &status_url, "cancelled").await?;
    passed.push(format!(
        "Stop Task logged \"Interrupted\" and the server says {state}"
    ));

    // A seed endpoint: the coreBOS page's source.php.
    page.select("source-kind", "corebos").await?;
    if page.displayed("steps").await? || !page.displayed("interval").await? {
        return Err(PageError::Unexpected(
            "the coreBOS source should show the interval field and hide the task API's steps"
                .into(),
        ));
    }
    page.fill("interval", "100").await?;
    page.click("start").await?;
    page.wait_until("the first iteration", || async {
        Ok(page
            .lines()
            .await?
            .iter()
            .any(|l| l == "on iteration 4 of 10"))
    })
    .await?;
    save(screenshot, &page.screenshot().await?)?;
    page.wait_for_status("completed").await?;
    expect_completed(&page).await?;
    let lines = page.lines().await?;
    if lines.first().map(String::as_str) != Some("on iteration 1 of 10") {
        return Err(PageError::Unexpected(format!(
            "unexpected coreBOS log: {lines:?}"
        )));
    }
    passed.push("the coreBOS seed endpoint ran to completion".to_owned());

    server_job(&page, base).await?;
    passed.push(
        "a job of the server's own kind (the form named its /api/kinds) ran with its parameters; Stop cancelled it on the server"
            .to_owned(),
    );

    fetch_transport(&page).await?;
    passed.push(
        "the fetch transport: a bearer-token stream across token expiries, the task API, Stop"
            .to_owned(),
    );
    Ok(passed)
}

/// The job source: the form names the server's kinds (`/api/kinds`: the
/// built-in `steps` and the companion server's `countdown`); a countdown
/// from 300 shows its own lines, and Stop cancels it on the server.
async fn server_job(page: &DemoPage<'_>, base: &str) -> Result<(), PageError> {
    page.select("source-kind", "job").await?;
    page.wait_until("the server's job kinds", || async {
        let listed = page.text("job-kinds").await?;
        Ok(listed.contains("countdown") && listed.contains("steps"))
    })
    .await?;
    page.fill("job-kind", "countdown").await?;
    page.fill("job-params", r#"{"from": 300, "interval_ms": 50}"#)
        .await?;
    page.click("start").await?;
    page.wait_until("three counts", || async {
        Ok(page.lines().await?.len() >= 3)
    })
    .await?;
    let lines = page.lines().await?;
    if lines[..2] != ["299 left", "298 left"] {
        return Err(PageError::Unexpected(format!(
            "the countdown's first lines: {lines:?}"
        )));
    }
    page.click("stop").await?;
    page.wait_for_status("stopped").await?;
    let status_url = page.text("task-status-url").await?;
    wait_for_server_state(base, &status_url, "cancelled").await?;
    Ok(())
}

/// The demo's fetch-only source (tokens that expire every 3 s) forces the
/// fetch transport and runs to completion across token refreshes; then the
/// task API over fetch, picked in the menu, to completion and then stopped.
async fn fetch_transport(page: &DemoPage<'_>) -> Result<(), PageError> {
    page.select("source-kind", "secure").await?;
    let (transport, disabled) = (
        page.prop("transport", "value").await?,
        page.prop("transport", "disabled").await?,
    );
    if transport != "fetch" || disabled != "true" {
        return Err(PageError::Unexpected(format!(
            "the secure source should force fetch: transport {transport:?}, disabled {disabled:?}"
        )));
    }
    // 40 ticks 100 ms apart: 4 s, past the first token's 3 s.
    page.fill("steps", "40").await?;
    page.fill("interval", "100").await?;
    page.click("start").await?;
    page.wait_for_status("completed").await?;
    let ticks: Vec<String> = page
        .lines()
        .await?
        .iter()
        .filter(|l| l.starts_with("tick "))
        .map(|l| l.split(" of ").next().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = (1..=40).map(|i| format!("tick {i}")).collect();
    if ticks != expected {
        return Err(PageError::Unexpected(format!(
            "the secure stream did not show every tick once: {ticks:?}"
        )));
    }
    page.select("source-kind", "task-api").await?;
    page.select("transport", "fetch").await?;
    page.fill("steps", "6").await?;
    page.fill("interval", "50").await?;
    page.click("start").await?;
    page.wait_for_status("completed").await?;
    expect_completed(page).await?;
    // Stop over fetch aborts the request: the console stays clean (checked
    // at the end of the run).
    stop_a_long_task(page).await
}

/// Starts a task of 400 steps and stops it after its first few lines.
async fn stop_a_long_task(page: &DemoPage<'_>) -> Result<(), PageError> {
    page.fill("steps", "400").await?;
    page.click("start").await?;
    page.wait_until("a few steps", || async {
        Ok(page.lines().await?.len() >= 3)
    })
    .await?;
    page.click("stop").await?;
    page.wait_for_status("stopped").await
}

async fn expect_completed(page: &DemoPage<'_>) -> Result<(), PageError> {
    let label = page.text("progress-label").await?;
    let lines = page.lines().await?;
    if label != "100%" || !lines.iter().any(|l| l == "Process complete") {
        return Err(PageError::Unexpected(format!(
            "completed but the bar says {label:?} and the log is {lines:?}"
        )));
    }
    Ok(())
}

fn save(path: &Path, png: &[u8]) -> Result<(), PageError> {
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)
    };
    write()
        .map_err(|error| PageError::Unexpected(format!("cannot save {}: {error}", path.display())))
}
