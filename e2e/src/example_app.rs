//! The task server's example app as its user runs it: the
//! `folder_hashes` example (an axum app with a job of its own) on a folder
//! of files, its page with `<task-monitor>`, the button that starts the
//! job. The monitor ends `completed` at 100 % with one line per file, each
//! the file's SHA-256 as computed here.

use std::ffi::OsString;
use std::path::Path;

use sha2::{Digest, Sha256};
use sse_task_e2e::driver::Driver;
use sse_task_e2e::element_page::ElementPage;
use sse_task_e2e::page::PageError;

use crate::server_process::{free_port, ServerProcess};

/// Files hashed: enough for several steps, each with its own content.
const FILES: usize = 12;

/// Runs the example on a fresh folder; returns what passed.
pub async fn run(driver: &Driver, example: &Path, dist: &Path) -> Result<String, PageError> {
    let folder = std::env::temp_dir().join(format!("sse-e2e-hashes-{}", std::process::id()));
    let result = hash_folder(driver, example, dist, &folder).await;
    let _ = std::fs::remove_dir_all(&folder);
    result
}

async fn hash_folder(
    driver: &Driver,
    example: &Path,
    dist: &Path,
    folder: &Path,
) -> Result<String, PageError> {
    std::fs::create_dir_all(folder).map_err(io_error)?;
    let mut expected = Vec::new();
    for index in 0..FILES {
        let name = format!("file-{index:02}.txt");
        let content = format!("content of file {index}\n").repeat(index + 1);
        std::fs::write(folder.join(&name), &content).map_err(io_error)?;
        expected.push(format!("{name} {:x}", Sha256::digest(content.as_bytes())));
    }
    let port = free_port()?;
    let args: Vec<OsString> = vec![
        folder.into(),
        dist.join("element").into(),
        port.to_string().into(),
    ];
    let app = ServerProcess::spawn(example, &args).await?;
    let page = ElementPage::new(&driver.client);
    let outcome = async {
        page.open(&format!("http://127.0.0.1:{port}/")).await?;
        page.click_page("#hash").await?;
        page.wait_for_status("task-monitor", "completed").await?;
        let lines = page.lines("task-monitor").await?;
        let hashes: Vec<String> = lines
            .into_iter()
            .filter(|line| line.starts_with("file-"))
            .collect();
        if hashes != expected {
            return Err(PageError::Unexpected(format!(
                "the example's log is not one line per file with its hash: {hashes:#?}"
            )));
        }
        let bar = page.text("task-monitor", "progress-label").await?;
        if !bar.contains("100") {
            return Err(PageError::Unexpected(format!("the bar ended at {bar:?}")));
        }
        Ok(format!(
            "the task server's example app: its own job hashed {FILES} files, one line each, to 100 %"
        ))
    }
    .await;
    app.kill().await;
    outcome
}

fn io_error(error: std::io::Error) -> PageError {
    PageError::Unexpected(error.to_string())
}
