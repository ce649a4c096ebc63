//! A chromedriver process on a free loopback port and a fantoccini session
//! with headless Chromium; both are stopped by [`Driver::stop`]. The
//! browser's console is logged, and [`Driver::console_errors`] reads the
//! uncaught errors of every page the session showed.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use thiserror::Error;
use tokio::process::{Child, Command};

/// Why the browser could not be started.
#[derive(Debug, Error)]
pub enum DriverError {
    /// chromedriver did not start.
    #[error("cannot start {path}: {source} (install it with scripts/install-tools.sh)")]
    Spawn {
        /// The binary.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// No WebDriver session could be opened.
    #[error("cannot open a WebDriver session: {0}")]
    Session(String),
}

/// chromedriver and one browser session.
pub struct Driver {
    process: Child,
    /// The browser session.
    pub client: Client,
}

impl Driver {
    /// Starts chromedriver and opens a headless Chromium session.
    pub async fn start(chromedriver: &Path, chromium: &Path) -> Result<Self, DriverError> {
        Self::start_with_args(chromedriver, chromium, &[]).await
    }

    /// [`Driver::start`] with extra Chromium flags.
    pub async fn start_with_args(
        chromedriver: &Path,
        chromium: &Path,
        extra_args: &[&str],
    ) -> Result<Self, DriverError> {
        let port = free_port().map_err(|source| DriverError::Spawn {
            path: chromedriver.display().to_string(),
            source,
        })?;
        let process = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| DriverError::Spawn {
                path: chromedriver.display().to_string(),
                source,
            })?;
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=900,1000",
        ];
        args.extend_from_slice(extra_args);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium.display().to_string(),
                "args": args,
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        // chromedriver needs a moment to listen: retry for up to 10 s.
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Ok(Self { process, client }),
                Err(error) => last_error = error.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(DriverError::Session(last_error))
    }

    /// The errors and warnings logged since the last call, on every page
    /// the session showed: uncaught exceptions and rejections,
    /// `console.error`, `console.warn` and the browser's own warnings (a
    /// page's markup, its assets). Failed requests, which a test makes on
    /// purpose, are the network's entries and not counted.
    pub async fn console_errors(&self) -> Result<Vec<String>, fantoccini::error::CmdError> {
        let entries = self.client.issue_cmd(BrowserLog).await?;
        Ok(entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| {
                matches!(entry["level"].as_str(), Some("SEVERE" | "WARNING"))
                    && entry["source"] != "network"
            })
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect())
    }

    /// Closes the session and stops chromedriver.
    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.process.kill().await;
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// chromedriver's `POST /session/{id}/se/log` for the browser's console
/// (not in the W3C protocol, so not in fantoccini).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}
