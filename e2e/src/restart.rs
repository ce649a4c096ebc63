//! The crash scenario: the page streams a task from a server with a file
//! database; the server is killed with SIGKILL in the middle and restarted
//! on the same port; the page resumes and its log holds every step exactly
//! once.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::{DemoPage, PageError};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Steps of the task; 100 ms apart.
const STEPS: u32 = 30;

/// A server process owned by the scenario (its stdout kept open).
struct Server {
    child: Child,
    _stdout: BufReader<tokio::process::ChildStdout>,
}

impl Server {
    async fn start(bin: &Path, port: u16, dist: &Path, db: &Path) -> Result<Self, PageError> {
        let mut child = Command::new(bin)
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--static-dir")
            .arg(dist)
            .arg("--db")
            .arg(db)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| {
                PageError::Unexpected(format!("cannot start {}: {error}", bin.display()))
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| PageError::Unexpected("no server stdout".into()))?;
        let mut first = String::new();
        let mut stdout = BufReader::new(stdout);
        tokio::time::timeout(Duration::from_secs(10), stdout.read_line(&mut first))
            .await
            .map_err(|_| PageError::Unexpected("server did not start in 10 s".into()))?
            .map_err(|error| PageError::Unexpected(error.to_string()))?;
        if !first.contains("listening on") {
            return Err(PageError::Unexpected(format!("server said {first:?}")));
        }
        Ok(Self {
            child,
            _stdout: stdout,
        })
    }

    /// SIGKILL: no cleanup at all.
    async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Runs the scenario with `bin` serving `dist`; returns what passed.
pub async fn run(driver: &Driver, bin: &Path, dist: &Path) -> Result<String, PageError> {
    let dir = std::env::temp_dir().join(format!("sse-e2e-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|error| PageError::Unexpected(error.to_string()))?;
    let db: PathBuf = dir.join("events.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| PageError::Unexpected(error.to_string()))?
        .port();
    let server = Server::start(bin, port, dist, &db).await?;
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
    server.kill().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let restarted = Server::start(bin, port, dist, &db).await?;
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
        "server SIGKILLed mid-task and restarted: the page resumed, all {STEPS} steps exactly once"
    ))
}
