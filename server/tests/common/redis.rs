//! A real `redis-server` for one test, on a free loopback port, in a
//! folder of its own: killed when the test ends (dropped), and with the
//! test process should that die first (`PR_SET_PDEATHSIG`).

#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
pub struct Redis {
    child: Option<Child>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
    persistent: bool,
}

impl Redis {
    /// Starts one without persistence.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// Starts one; `persistent`: every write goes to its append-only file
    /// before it answers, so a restart keeps everything.
    pub fn start_with(persistent: bool) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self {
            child: None,
            port,
            dir: tempfile::tempdir().unwrap(),
            persistent,
        };
        redis.spawn();
        redis
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let mut command = Command::new("redis-server");
        command
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(self.dir.path());
        if self.persistent {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        command.stdout(Stdio::null()).stderr(Stdio::null());
        // SAFETY: prctl(PR_SET_PDEATHSIG) in the child before exec touches no
        // memory of the parent; it makes the kernel kill the child with us.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        self.child = Some(
            command
                .spawn()
                .expect("redis-server (apt: redis-server) is needed"),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it (SIGTERM: a persistent one writes its file) and starts it
    /// again on the same port and folder after `pause`.
    pub fn restart(&mut self, pause: Duration) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) on our own child's pid.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let _ = child.wait();
        }
        std::thread::sleep(pause);
        self.spawn();
    }

    /// `redis-cli`-like: runs `args` and returns the raw answer lines.
    pub fn query(&self, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
