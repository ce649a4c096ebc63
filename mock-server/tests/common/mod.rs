//! Helpers of the companion server's tests: the server on a real loopback
//! socket (in this process, or the real binary), and the SSE helpers the
//! library's tests share (`server/tests/common/sse.rs`).

#![allow(dead_code)]

#[path = "../../../server/tests/common/sse.rs"]
mod sse;
pub use sse::*;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use sse_mock_server::{run, ServerConfig};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Starts the real binary on a free port with `args`; returns it with its base URL.
pub fn spawn_server(args: &[&OsStr]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sse-mock-server"))
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("sse-mock-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, base)
}

/// A server running in this test's runtime.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    /// Resolves when `run` returned.
    pub done: JoinHandle<Result<(), sse_mock_server::ServerError>>,
}

impl TestServer {
    /// Starts a server with `config` on 127.0.0.1:0.
    pub async fn start(config: ServerConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(run(listener, config, async move {
            let _ = stopped.await;
        }));
        Self {
            base,
            stop: Some(stop),
            done,
        }
    }

    /// Starts a server with the default configuration and the fault endpoints on.
    pub async fn default() -> Self {
        Self::start(ServerConfig {
            faults: true,
            ..ServerConfig::default()
        })
        .await
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Triggers the graceful shutdown.
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Served for TestServer {
    fn base(&self) -> &str {
        &self.base
    }
}
