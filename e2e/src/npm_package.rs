//! The element as an npm package, used as a page author would: `npm pack`
//! of the built element (`dist/element/`, with its `package.json`), `npm
//! install` of that tarball into a fresh folder (offline: the package has
//! no dependencies), one page with one `<script type="module">` from
//! `node_modules/`, served by the mock server (`--static-dir` on that
//! folder). The element runs the coreBOS source to 100 %.

use std::ffi::OsString;
use std::path::Path;

use sse_task_e2e::driver::Driver;
use sse_task_e2e::element_page::ElementPage;
use sse_task_e2e::page::PageError;
use tokio::process::Command;

use crate::server_process::{free_port, ServerProcess};

/// The page: the package's one script and one element.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <link rel="icon" href="data:," />
  <title>From npm</title>
  <script type="module" src="node_modules/sse-task-monitor/task-monitor.js"></script>
</head>
<body>
  <task-monitor id="npm" src="/seeds/corebos/source?interval_ms=50"></task-monitor>
</body>
</html>
"#;

/// The files the tarball must carry (under `package/`).
const PACKAGED: [&str; 6] = [
    "package.json",
    "task-monitor.js",
    "task_monitor_element.js",
    "task_monitor_element_bg.wasm",
    "README.md",
    "LICENSE-MIT",
];

/// Packs, installs and drives the page; returns what passed.
pub async fn run(driver: &Driver, bin: &Path, dist: &Path) -> Result<String, PageError> {
    let dir = std::env::temp_dir().join(format!("sse-e2e-npm-{}", std::process::id()));
    let result = pack_install_and_drive(driver, bin, dist, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn pack_install_and_drive(
    driver: &Driver,
    bin: &Path,
    dist: &Path,
    dir: &Path,
) -> Result<String, PageError> {
    let site = dir.join("site");
    std::fs::create_dir_all(&site).map_err(io_error)?;
    let element = std::fs::canonicalize(dist.join("element")).map_err(io_error)?;
    let listing = npm(
        dir,
        &["pack", "--json", "--pack-destination"],
        Some(dir),
        &element,
    )
    .await?;
    let listing: serde_json::Value = serde_json::from_str(&listing)
        .map_err(|error| PageError::Unexpected(format!("npm pack --json: {error}")))?;
    let packed = &listing[0];
    let tarball = dir.join(packed["filename"].as_str().unwrap_or_default());
    let files: Vec<&str> = packed["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|file| file["path"].as_str())
        .collect();
    for must in PACKAGED {
        if !files.contains(&must) {
            return Err(PageError::Unexpected(format!(
                "the npm package lacks {must}: {files:?}"
            )));
        }
    }
    if files.iter().any(|file| file.ends_with(".html")) {
        return Err(PageError::Unexpected(format!(
            "the npm package carries the example pages: {files:?}"
        )));
    }
    std::fs::write(site.join("package.json"), r#"{ "private": true }"#).map_err(io_error)?;
    std::fs::write(site.join("index.html"), PAGE).map_err(io_error)?;
    npm(
        &site,
        &["install", "--offline", "--no-audit", "--no-fund"],
        None,
        &tarball,
    )
    .await?;

    let port = free_port()?;
    let args: Vec<OsString> = vec!["--static-dir".into(), site.into_os_string()];
    let server = ServerProcess::start(bin, port, &args).await?;
    let result = drive(driver, port).await;
    server.kill().await;
    result?;
    Ok(format!(
        "the element from npm: `npm pack` ({}, {} files), `npm install` of the tarball, one \
         <script type=\"module\"> from node_modules: the coreBOS source ran to 100 %",
        packed["filename"].as_str().unwrap_or_default(),
        files.len()
    ))
}

/// Runs `npm {args} [destination] {last}` in `cwd`; returns its stdout.
async fn npm(
    cwd: &Path,
    args: &[&str],
    destination: Option<&Path>,
    last: &Path,
) -> Result<String, PageError> {
    let mut command = Command::new("npm");
    command.current_dir(cwd).args(args);
    if let Some(destination) = destination {
        command.arg(destination);
    }
    let output = command
        .arg(last)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|error| PageError::Unexpected(format!("cannot run npm: {error}")))?;
    if !output.status.success() {
        return Err(PageError::Unexpected(format!(
            "npm {args:?} {} failed: {}",
            last.display(),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

async fn drive(driver: &Driver, port: u16) -> Result<(), PageError> {
    let page = ElementPage::new(&driver.client);
    page.open(&format!("http://127.0.0.1:{port}/index.html"))
        .await?;
    page.click("#npm", "start").await?;
    page.wait_for_status("#npm", "completed").await?;
    let label = page.text("#npm", "progress-label").await?;
    let lines = page.lines("#npm").await?;
    if label != "100%" || !lines.iter().any(|line| line == "on iteration 10 of 10") {
        return Err(PageError::Unexpected(format!(
            "the npm page completed at {label} with {lines:?}"
        )));
    }
    Ok(())
}

fn io_error(error: std::io::Error) -> PageError {
    PageError::Unexpected(format!("cannot write the npm page: {error}"))
}
