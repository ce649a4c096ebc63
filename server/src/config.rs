//! What the task server needs to know to run: the store, the job pool, the
//! streams' timing, the access posture and the connection limits.

use std::path::PathBuf;
use std::time::Duration;

use crate::http::access::AccessPolicy;
use crate::store::redis::RedisConfig;
use crate::tasks::Retention;

/// The task server's settings; [`Default`] gives an in-memory store, four
/// workers and the routes under `/api`.
#[derive(Debug, Clone)]
pub struct TaskServerConfig {
    /// Where the routes live: `/api` gives `/api/tasks`, `/api/tasks/{id}/events`
    /// and so on. Starts with `/`, no trailing `/` (`""` mounts at the root).
    pub base_path: String,
    /// SQLite file; `None` for a private in-memory database (tasks are then
    /// lost when the process ends). With a file, unfinished tasks resume on restart.
    pub db_path: Option<PathBuf>,
    /// Store the tasks in this Redis instead, shared by every server
    /// process that names it (several nodes); `db_path` is then unused.
    pub redis: Option<RedisConfig>,
    /// Origins whose pages may call the API (CORS, and the cross-origin
    /// guard); `*` allows any.
    pub allow_origins: Vec<String>,
    /// The origins the server's own pages are served at, when a reverse
    /// proxy in front of it rewrites `Host` (nginx does by default):
    /// `https://app.example.com`. Their pages may change state, as the
    /// server's own; no CORS is opened for them (they are the same origin).
    pub public_origins: Vec<String>,
    /// Jobs that run at the same time (the job threads).
    pub workers: u32,
    /// Interval of keep-alive comments on idle streams.
    pub keep_alive: Duration,
    /// Tasks that may wait for a worker; beyond it creation answers 429.
    pub queue_capacity: u32,
    /// Most active tasks (running or waiting) one user may have; beyond it
    /// their creation answers 429 while other users go on. 0: no limit.
    /// Counts only on a server that names its users
    /// ([`TaskServerBuilder::identify`](crate::TaskServerBuilder::identify)).
    pub max_active_per_user: u32,
    /// Serves `GET {base}/metrics` (Prometheus text: this node's tasks by
    /// state, open streams, events stored, write latency, queue depth) to
    /// an operator, or on a server that names no users to whoever passes
    /// its token. Off by default.
    pub metrics: bool,
    /// Runs the built-in demo job: the `steps` kind (a task without a
    /// `kind`) and `GET {base}/run`. Off by default: an app's own kinds
    /// are the only ones its users can start.
    pub demo_job: bool,
    /// The `retry:` sent at the start of task streams.
    pub retry: Duration,
    /// Token required on every route of the API (`Authorization: Bearer`,
    /// never in the URL); on a server that names no users its holder also
    /// sees labels.
    pub token: Option<String>,
    /// Time a client has to send a request's headers.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body.
    pub body_timeout: Duration,
    /// Time a response may wait for a client that does not read.
    pub stall_timeout: Duration,
    /// Connections served at once.
    pub max_connections: u32,
    /// Time connections get to end on shutdown.
    pub shutdown_grace: Duration,
    /// Which ended tasks are kept.
    pub retention: Retention,
    /// Pause between two retention sweeps.
    pub retention_sweep: Duration,
    /// Longest a stream holds back its next chunk while a job runs flat out
    /// (jobs first); zero turns it off.
    pub jobs_first: Duration,
}

impl Default for TaskServerConfig {
    fn default() -> Self {
        Self {
            base_path: "/api".into(),
            db_path: None,
            redis: None,
            allow_origins: Vec::new(),
            public_origins: Vec::new(),
            workers: 4,
            keep_alive: Duration::from_secs(15),
            queue_capacity: 256,
            max_active_per_user: 0,
            metrics: false,
            demo_job: false,
            retry: Duration::from_millis(1000),
            token: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(60),
            max_connections: 16_384,
            shutdown_grace: Duration::from_secs(5),
            retention: Retention {
                max_age: Duration::from_secs(86_400),
                max_count: 1000,
            },
            retention_sweep: Duration::from_secs(60),
            jobs_first: Duration::from_secs(1),
        }
    }
}

impl TaskServerConfig {
    /// The token and the allowed origins, as the HTTP guards take them.
    pub fn access_policy(&self) -> AccessPolicy {
        AccessPolicy {
            token: self.token.clone(),
            allow_origins: self.allow_origins.clone(),
            public_origins: self.public_origins.clone(),
            state_changing_gets: if self.demo_job {
                vec![self.path("/run")]
            } else {
                Vec::new()
            },
        }
    }

    /// `base_path` + `path` (`path` starts with `/`).
    pub fn path(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    /// Checks what the server cannot run with: a base path that is not a
    /// path, a zero worker count or queue.
    pub fn check(&self) -> Result<(), String> {
        let base = &self.base_path;
        if !base.is_empty() && (!base.starts_with('/') || base.ends_with('/')) {
            return Err(format!(
                "the base path must start with / and not end with one (or be empty), got {base:?}"
            ));
        }
        if base.contains(['{', '}', '*', '?', '#']) {
            return Err(format!("the base path must be a plain path, got {base:?}"));
        }
        if self.workers == 0 {
            return Err("at least one worker is needed".into());
        }
        if self.queue_capacity == 0 {
            return Err("the queue must hold at least one task".into());
        }
        Ok(())
    }
}
