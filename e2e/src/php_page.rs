//! The README's plain-page recipe, followed as a newcomer would: the
//! element's files (`dist/element/`) copied next to the coreBOS seed's
//! `source.php`, one HTML page with two `<task-monitor>` tags and a
//! `<script type="module">`, served by PHP's built-in server (`php -S`).
//! One element streams `source.php` (PHP's own output); the other runs a
//! task on the mock server's task API, another origin that the server
//! allows with `--allow-origin`. Both reach 100 %.

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use sse_task_e2e::driver::Driver;
use sse_task_e2e::element_page::ElementPage;
use sse_task_e2e::page::PageError;
use tokio::process::{Child, Command};

use crate::server_process::{free_port, ServerProcess};

/// The page, as the README shows it; `{API}` is the mock server's origin.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Import</title>
  <script type="module" src="element/task-monitor.js"></script>
</head>
<body>
  <task-monitor id="seed" src="source.php?interval_ms=100"></task-monitor>
  <task-monitor id="api" server="{API}" steps="8" interval-ms="50"></task-monitor>
</body>
</html>
"#;

/// Runs the recipe with the server `bin` and the built `dist`; returns what passed.
pub async fn run(driver: &Driver, bin: &Path, dist: &Path) -> Result<String, PageError> {
    let dir = std::env::temp_dir().join(format!("sse-e2e-php-{}", std::process::id()));
    let php_port = free_port()?;
    let api_port = free_port()?;
    let api = format!("http://127.0.0.1:{api_port}");
    write_site(&dir, dist, &api).map_err(|error| {
        PageError::Unexpected(format!(
            "cannot write the page in {}: {error}",
            dir.display()
        ))
    })?;
    let args: Vec<OsString> = vec![
        "--allow-origin".into(),
        format!("http://127.0.0.1:{php_port}").into(),
    ];
    let server = ServerProcess::start(bin, api_port, &args).await?;
    let php = start_php(&dir, php_port).await?;
    let result = drive(driver, php_port).await;
    let group = php.group;
    drop(php);
    server.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    let passed = result?;
    if group_alive(group).await {
        return Err(PageError::Unexpected(format!(
            "php -S left processes of its group {group} running after it was stopped"
        )));
    }
    Ok(passed)
}

/// `php -S` and its workers, in a process group of their own: dropping it
/// kills the whole group (killing the parent alone leaves the workers).
struct PhpServer {
    _child: Child,
    /// The group's id (the parent's pid).
    group: u32,
}

impl Drop for PhpServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.group)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// True while a process of group `group` still runs, zombies aside (for up
/// to 2 s after the kill, the time the kernel may take).
async fn group_alive(group: u32) -> bool {
    for _ in 0..20 {
        if !group_running(group) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    true
}

/// True when `/proc` lists a process of group `group` that is not a zombie.
fn group_running(group: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // After the command's ")": state, ppid, pgrp, ...
        let mut fields = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|pgrp| pgrp.parse::<u32>().ok());
        pgrp == Some(group) && state != Some("Z")
    })
}

async fn drive(driver: &Driver, php_port: u16) -> Result<String, PageError> {
    let page = ElementPage::new(&driver.client);
    page.open(&format!("http://127.0.0.1:{php_port}/index.html"))
        .await?;
    page.click("#seed", "start").await?;
    page.click("#api", "start").await?;
    for monitor in ["#seed", "#api"] {
        page.wait_for_status(monitor, "completed").await?;
        let label = page.text(monitor, "progress-label").await?;
        if label != "100%" {
            return Err(PageError::Unexpected(format!(
                "{monitor} completed at {label}"
            )));
        }
    }
    let seed = page.lines("#seed").await?;
    let iterations: Vec<String> = (1..=10)
        .map(|i| format!("on iteration {i} of 10"))
        .collect();
    let api = page.lines("#api").await?;
    let steps: Vec<String> = (1..=8).map(|i| format!("step {i} of 8")).collect();
    if seed
        .iter()
        .filter(|l| l.starts_with("on iteration"))
        .ne(iterations.iter())
        || api
            .iter()
            .filter(|l| l.starts_with("step "))
            .ne(steps.iter())
    {
        return Err(PageError::Unexpected(format!(
            "the php -S page's logs: source.php {seed:?}, task API {api:?}"
        )));
    }
    Ok("a plain page under php -S: <task-monitor> on the seed's source.php and on the mock server's task API (another origin) both reached 100 %".to_owned())
}

/// `dir/index.html`, `dir/source.php` (the seed's, from `bench/php/`) and
/// `dir/element/` (a copy of the built element).
fn write_site(dir: &Path, dist: &Path, api: &str) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("index.html"), PAGE.replace("{API}", api))?;
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/php/source.php"),
        dir.join("source.php"),
    )?;
    copy_dir(&dist.join("element"), &dir.join("element"))
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// `php -S 127.0.0.1:port` serving `dir`, once it accepts connections. A
/// few workers, so that a page can load while `source.php` streams.
async fn start_php(dir: &Path, port: u16) -> Result<PhpServer, PageError> {
    let child = Command::new("php")
        .arg("-S")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-t")
        .arg(dir)
        .env("PHP_CLI_SERVER_WORKERS", "4")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .process_group(0)
        .spawn()
        .map_err(|error| {
            PageError::Unexpected(format!(
                "cannot start php -S ({error}); scripts/install-tools.sh installs php-cli"
            ))
        })?;
    let group = child
        .id()
        .ok_or_else(|| PageError::Unexpected("php -S exited at once".into()))?;
    let php = PhpServer {
        _child: child,
        group,
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(php);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(PageError::Unexpected(format!(
        "php -S did not listen on port {port} within 10 s"
    )))
}
