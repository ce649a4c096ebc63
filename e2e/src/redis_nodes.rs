//! Two server processes on one real Redis, in the browser: a task created
//! on node A while A is the only node (so A's worker runs it), then node B
//! started; the demo on B reattaches to it from `?task=` and a
//! `<task-monitor task-id>` on the same page follows it too; A is SIGKILLed
//! mid-task, B takes the job over after its lease, and both show every
//! step exactly once to 100 %.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use sse_task_e2e::driver::Driver;
use sse_task_e2e::element_page::ElementPage;
use sse_task_e2e::page::{DemoPage, PageError};

use crate::redis_process::RedisProcess;
use crate::server_process::{free_port, ServerProcess};

/// Steps of the task; 100 ms apart.
const STEPS: u32 = 40;

/// Runs the scenario with `bin` serving `dist`; returns what passed.
pub async fn run(driver: &Driver, bin: &Path, dist: &Path) -> Result<String, PageError> {
    let redis = RedisProcess::start().await?;
    let args: Vec<OsString> = vec![
        "--static-dir".into(),
        dist.into(),
        "--redis".into(),
        redis.url().into(),
        "--redis-lease-ms".into(),
        "1000".into(),
    ];
    let (port_a, port_b) = (free_port()?, free_port()?);
    let a = ServerProcess::start(bin, port_a, &args).await?;
    let task = create_task(port_a).await?;
    let id = task["id"].as_str().unwrap_or_default().to_owned();
    let b = ServerProcess::start(bin, port_b, &args).await?;

    let demo = DemoPage::new(&driver.client);
    demo.open(&format!("http://127.0.0.1:{port_b}/?task={id}"))
        .await?;
    driver
        .client
        .execute(
            "const monitor = document.createElement('task-monitor');\
             monitor.id = 'on-b';\
             monitor.setAttribute('task-id', arguments[0]);\
             document.body.append(monitor);\
             import('/element/task-monitor.js');",
            vec![id.clone().into()],
        )
        .await?;
    let element = ElementPage::new(&driver.client);
    element.wait_ready().await?;
    demo.wait_until("five steps on node B", || async {
        Ok(demo.lines().await?.len() >= 5 && element.lines("#on-b").await?.len() >= 5)
    })
    .await?;
    a.kill().await;
    demo.wait_for_status("completed").await?;
    element.wait_for_status("#on-b", "completed").await?;
    let expected: Vec<String> = (1..=STEPS)
        .map(|step| format!("step {step} of {STEPS}"))
        .collect();
    for (who, lines) in [
        ("the demo", demo.lines().await?),
        ("the element", element.lines("#on-b").await?),
    ] {
        let steps: Vec<String> = lines
            .iter()
            .filter(|line| line.starts_with("step "))
            .cloned()
            .collect();
        if steps != expected || !lines.iter().any(|line| line == "Process complete") {
            return Err(PageError::Unexpected(format!(
                "{who} on node B after node A was killed: {lines:?}"
            )));
        }
    }
    b.kill().await;
    Ok(format!(
        "two nodes on one Redis: the demo and <task-monitor task-id> on node B followed a task whose job ran on node A; A SIGKILLed mid-task, B took the job over: all {STEPS} steps exactly once in both"
    ))
}

async fn create_task(port: u16) -> Result<serde_json::Value, PageError> {
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/tasks"))
        .json(&json!({"steps": STEPS, "interval_ms": 100}))
        .send()
        .await
        .map_err(|error| PageError::Unexpected(error.to_string()))?;
    let task: serde_json::Value = response
        .json()
        .await
        .map_err(|error| PageError::Unexpected(error.to_string()))?;
    // The job starts on A, the only node, before B joins.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(task)
}
