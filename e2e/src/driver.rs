//! A WebDriver process on a free loopback port and a fantoccini session with
//! its browser: headless Chromium (chromedriver), headless Firefox
//! (geckodriver) or WebKit's MiniBrowser (WebKitWebDriver, on the display
//! its wrapper gives it); both are stopped by [`Driver::stop`]. In Chromium
//! the browser's console is logged, and [`Driver::console_errors`] reads
//! the uncaught errors of every page the session showed (the other engines'
//! drivers cannot: pages there collect their own, see `element_page`).

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

/// Which browser engine a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Chromium, through chromedriver.
    Chromium,
    /// Firefox, through geckodriver.
    Firefox,
    /// WebKit (Safari's engine), through WebKitWebDriver.
    WebKit,
}

/// A WebDriver process and one browser session.
pub struct Driver {
    process: Child,
    /// The engine it drives.
    pub engine: Engine,
    /// The browser session.
    pub client: Client,
}

/// The Chromium flags of every session.
const CHROMIUM_ARGS: [&str; 9] = [
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
        Self::start_chromium(chromedriver, chromium, extra_args, serde_json::Map::new()).await
    }

    /// [`Driver::start_with_args`] with extra W3C capabilities (e.g.
    /// `pageLoadStrategy`).
    pub async fn start_chromium(
        chromedriver: &Path,
        chromium: &Path,
        extra_args: &[&str],
        mut capabilities: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, DriverError> {
        let mut args = CHROMIUM_ARGS.to_vec();
        args.extend_from_slice(extra_args);
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium.display().to_string(),
                "args": args,
            }),
        );
        Self::connect(
            Engine::Chromium,
            chromedriver,
            |port| vec![format!("--port={port}")],
            capabilities,
        )
        .await
    }

    /// Starts geckodriver and opens a headless Firefox session (`firefox`:
    /// the browser's binary).
    pub async fn start_firefox(geckodriver: &Path, firefox: &Path) -> Result<Self, DriverError> {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "moz:firefoxOptions".into(),
            json!({
                "binary": firefox.display().to_string(),
                "args": ["-headless", "--width=900", "--height=1000"],
            }),
        );
        Self::connect(
            Engine::Firefox,
            geckodriver,
            |port| vec!["--port".into(), port.to_string()],
            capabilities,
        )
        .await
    }

    /// Starts WebKitWebDriver (`driver`: it, or a wrapper that gives it a
    /// display) and opens a MiniBrowser session.
    pub async fn start_webkit(driver: &Path) -> Result<Self, DriverError> {
        Self::connect(
            Engine::WebKit,
            driver,
            |port| vec![format!("--port={port}")],
            serde_json::Map::new(),
        )
        .await
    }

    /// Starts `driver` on a free port (`port_args` says how it is told the
    /// port) and opens a session with `capabilities`.
    async fn connect(
        engine: Engine,
        driver: &Path,
        port_args: impl Fn(u16) -> Vec<String>,
        capabilities: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, DriverError> {
        let spawn_error = |source| DriverError::Spawn {
            path: driver.display().to_string(),
            source,
        };
        let port = free_port().map_err(spawn_error)?;
        let process = Command::new(driver)
            .args(port_args(port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(spawn_error)?;
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        // The driver needs a moment to listen: retry for up to 10 s.
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Ok(Self {
                        process,
                        engine,
                        client,
                    })
                }
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
    /// Outside Chromium: none (those drivers have no log to read).
    pub async fn console_errors(&self) -> Result<Vec<String>, fantoccini::error::CmdError> {
        if self.engine != Engine::Chromium {
            return Ok(Vec::new());
        }
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

    /// Closes the session and stops the driver.
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
