//! An app with a job of its own: SHA-256 of every file of a folder (or of
//! one of its subfolders, `{"folder": "name"}`), one step per file, shown by
//! `<task-monitor>` on the app's page.
//!
//! `cargo run -p sse-task-server --example folder_hashes -- FOLDER ELEMENT_DIR [PORT]`
//! (ELEMENT_DIR: the built element, `dist/element` after `scripts/build-element.sh`).

use std::path::{Path, PathBuf};

use axum::{response::Html, routing::get, Router};
use sha2::{Digest, Sha256};
use sse_task_server::{parse_params, Job, JobContext, JobError, JobPlan, TaskServer};

#[derive(serde::Deserialize)]
struct Params {
    #[serde(default)]
    folder: String,
}

struct HashFolder(PathBuf);

impl HashFolder {
    /// The files of the folder the parameters name, a direct subfolder at most.
    fn files(&self, params: &serde_json::Value) -> Result<Vec<PathBuf>, String> {
        let Params { folder } = parse_params(params)?;
        if folder.contains(['/', '\\']) || folder == ".." {
            return Err(format!("folder must name a subfolder, got {folder:?}"));
        }
        let dir =
            std::fs::read_dir(self.0.join(&folder)).map_err(|e| format!("{folder:?}: {e}"))?;
        let mut files: Vec<PathBuf> = dir
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        Ok(files)
    }
}

impl Job for HashFolder {
    fn plan(&self, params: &serde_json::Value) -> Result<JobPlan, String> {
        match self.files(params)?.len() {
            0 => Err("the folder has no files".into()),
            count => Ok(JobPlan {
                steps: count as u32,
            }),
        }
    }

    fn run(&self, context: &JobContext) -> Result<(), JobError> {
        let files = self.files(context.params()).map_err(JobError::Failed)?;
        for (index, file) in files
            .iter()
            .enumerate()
            .skip(context.resume_from() as usize)
        {
            let bytes = std::fs::read(file).map_err(|e| JobError::Failed(e.to_string()))?;
            let name = file.file_name().map(Path::new).unwrap_or(file).display();
            context.step(
                index as u32 + 1,
                format!("{name} {:x}", Sha256::digest(&bytes)),
            )?;
        }
        Ok(())
    }
}

const PAGE: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Folder hashes</title>
<script type="module" src="/element/task-monitor.js"></script></head><body><main><h1>Folder hashes</h1>
<button id="hash">Hash the folder</button><task-monitor aria-label="Hashes"></task-monitor></main><script>
document.getElementById("hash").onclick = async () => {
  const answer = await fetch("/api/tasks", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ kind: "hash-folder" }) });
  const monitor = document.querySelector("task-monitor");
  monitor.setAttribute("src", (await answer.json()).events_url);
  monitor.start();
};</script></body></html>"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (folder, element) = (
        args.next().ok_or("FOLDER?")?,
        args.next().ok_or("ELEMENT_DIR?")?,
    );
    let port: u16 = args.next().unwrap_or_else(|| "3000".into()).parse()?;
    let job = HashFolder(folder.into());
    let server = TaskServer::builder(Default::default())
        .job("hash-folder", job)
        .build()
        .await?;
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .nest_service("/element", tower_http::services::ServeDir::new(element))
        .merge(server.router());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    server
        .serve(listener, app, async {
            tokio::signal::ctrl_c().await.unwrap_or(())
        })
        .await?;
    Ok(())
}
