//! One connection for every tab: three tabs of one browser watch one task
//! through a `<task-monitor>` each, and the server holds one stream for
//! them; the first tab (the one holding it) is closed mid-task, another
//! takes over, and both remaining tabs reach 100 % with every step's line
//! once, in order.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use fantoccini::wd::WindowHandle;
use sse_task_e2e::driver::Driver;
use sse_task_e2e::element_page::ElementPage;
use sse_task_e2e::page::PageError;

use crate::server_process::{free_port, ServerProcess};

/// Steps of the task; at 100 ms each it outlives the tab that is closed.
const STEPS: u32 = 100;
const INTERVAL_MS: u32 = 100;

/// Runs the three tabs against `bin` serving `dist` (with the fault
/// endpoints, which count the open streams); returns what passed.
pub async fn run(driver: &Driver, bin: &Path, dist: &Path) -> Result<String, PageError> {
    let dir = std::env::temp_dir().join(format!("sse-e2e-tabs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|error| PageError::Unexpected(error.to_string()))?;
    let port = free_port()?;
    let args: Vec<OsString> = vec![
        "--static-dir".into(),
        dist.into(),
        "--db".into(),
        dir.join("events.db").into(),
        "--faults".into(),
    ];
    let server = ServerProcess::start(bin, port, &args).await?;
    let outcome = three_tabs(driver, &format!("http://127.0.0.1:{port}")).await;
    server.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn three_tabs(driver: &Driver, base: &str) -> Result<String, PageError> {
    let client = &driver.client;
    let page = ElementPage::new(client);
    let streams_before = task_streams(base).await?;
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/tasks"))
        .json(&serde_json::json!({ "steps": STEPS, "interval_ms": INTERVAL_MS, "label": "shared" }))
        .send()
        .await?
        .json()
        .await?;
    let id = created["id"]
        .as_str()
        .ok_or_else(|| PageError::Unexpected(format!("no task id in {created}")))?
        .to_owned();
    let first = client.window().await?;
    let mut tabs: Vec<WindowHandle> = vec![first.clone()];
    for tab in 0..3 {
        if tab > 0 {
            let opened = client.new_window(true).await?;
            client.switch_to_window(opened.handle.clone()).await?;
            tabs.push(opened.handle);
        }
        // A page that loads the element and holds other idle monitors.
        page.open(&format!("{base}/element/three.html")).await?;
        page.add_monitor("shared", serde_json::json!({ "task-id": id }))
            .await?;
        page.wait_until("the tab's monitor to show the task's lines", || async {
            Ok(page
                .lines("#shared")
                .await?
                .iter()
                .any(|l| l.contains("step")))
        })
        .await?;
    }
    // Three tabs following, one stream on the server, for a while.
    for _ in 0..5 {
        let open = task_streams(base).await?;
        if open != streams_before + 1 {
            let progress = page.text("#shared", "progress-label").await?;
            return Err(PageError::Unexpected(format!(
                "three tabs on one task (at {progress}) hold {} task streams on the server, not 1",
                open - streams_before
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Close the first tab (it opened the connection): the others go on.
    client.switch_to_window(first).await?;
    client.close_window().await?;
    let progress_at_close = {
        client.switch_to_window(tabs[1].clone()).await?;
        page.text("#shared", "progress-label").await?
    };
    for tab in &tabs[1..] {
        client.switch_to_window(tab.clone()).await?;
        page.wait_for_status("#shared", "completed").await?;
        let label = page.text("#shared", "progress-label").await?;
        let steps: Vec<String> = page
            .lines("#shared")
            .await?
            .into_iter()
            .filter(|line| line.starts_with("shared: step "))
            .collect();
        let expected: Vec<String> = (1..=STEPS)
            .map(|step| format!("shared: step {step} of {STEPS}"))
            .collect();
        if label != "100%" || steps != expected {
            return Err(PageError::Unexpected(format!(
                "after the first tab closed (at {progress_at_close}) a tab shows {label} and \
                 the steps {steps:?}, not every step once"
            )));
        }
        page.no_errors("in a tab sharing the stream").await?;
    }
    // Back to one tab for the steps after this one.
    client.switch_to_window(tabs[2].clone()).await?;
    client.close_window().await?;
    client.switch_to_window(tabs[1].clone()).await?;
    Ok(format!(
        "three tabs on one task shared one stream on the server; with the first closed at \
         {progress_at_close} the other two went on to 100 % with each of the {STEPS} steps once"
    ))
}

/// Task streams open on the server now.
async fn task_streams(base: &str) -> Result<i64, PageError> {
    let streams: serde_json::Value = reqwest::get(format!("{base}/faults/streams"))
        .await?
        .json()
        .await?;
    Ok(streams["task_streams"].as_i64().unwrap_or(-1))
}
