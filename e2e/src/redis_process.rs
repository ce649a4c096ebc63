//! A real `redis-server` for a scenario, on a free loopback port, without
//! persistence: killed when dropped, and with the e2e process should that
//! die first (`PR_SET_PDEATHSIG`).

use std::process::Stdio;
use std::time::Duration;

use sse_task_e2e::page::PageError;
use tokio::process::{Child, Command};

use crate::server_process::free_port;

/// A running `redis-server`.
pub struct RedisProcess {
    _child: Child,
    port: u16,
}

impl RedisProcess {
    /// Starts one and waits until it accepts connections.
    pub async fn start() -> Result<Self, PageError> {
        let port = free_port()?;
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        // SAFETY: prctl(PR_SET_PDEATHSIG) in the child before exec touches no
        // memory of the parent; the kernel then kills the child with us.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn().map_err(|error| {
            PageError::Unexpected(format!("cannot start redis-server: {error}"))
        })?;
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(Self {
                    _child: child,
                    port,
                });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(PageError::Unexpected(
            "redis-server did not start in 5 s".into(),
        ))
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}
