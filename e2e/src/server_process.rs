//! A server process owned by a scenario (the mock server, or one of the
//! task server's example apps): started with the scenario's arguments (its
//! stdout kept open), killed with SIGKILL; and a free loopback port to
//! start it on.

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use sse_task_e2e::page::PageError;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// A running server.
pub struct ServerProcess {
    child: Child,
    _stdout: BufReader<ChildStdout>,
}

impl ServerProcess {
    /// Starts the mock server `bin` on `127.0.0.1:port` with `args`; waits
    /// for "listening on".
    pub async fn start(bin: &Path, port: u16, args: &[OsString]) -> Result<Self, PageError> {
        let mut all: Vec<OsString> = vec!["--addr".into(), format!("127.0.0.1:{port}").into()];
        all.extend_from_slice(args);
        Self::spawn(bin, &all).await
    }

    /// Starts `bin` (a mock server, an example app) with `args`; waits until
    /// its first line says "listening on".
    pub async fn spawn(bin: &Path, args: &[OsString]) -> Result<Self, PageError> {
        let mut child = Command::new(bin)
            .args(args)
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
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A loopback port free right now.
pub fn free_port() -> Result<u16, PageError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| PageError::Unexpected(error.to_string()))
}
