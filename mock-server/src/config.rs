//! Command-line flags and the server configuration they produce.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use sse_task_server::{RedisConfig, Retention, TaskServerConfig};

/// The companion mock event server: long-running tasks over Server-Sent Events,
/// every seed's wire format, lossless resume.
#[derive(Debug, Clone, Parser)]
#[command(name = "sse-mock-server", version)]
pub struct Cli {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Serve this folder (the trunk `dist/`) at `/` (`index.html` for a
    /// folder; a path that is neither a route nor a file is a 404).
    #[arg(long, value_name = "DIR")]
    pub static_dir: Option<PathBuf>,
    /// SQLite file for tasks and events; an in-memory database when absent.
    /// With a file, tasks that were running when the server stopped resume on restart.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Store the tasks in this Redis (`redis://127.0.0.1:6379`), shared by
    /// every server started with it: several nodes serve and run every task.
    /// `--db` is then unused.
    #[arg(long, env = "SSE_REDIS_URL", value_name = "URL")]
    pub redis: Option<String>,
    /// Prefix of the Redis keys (deployments sharing one Redis pick their own).
    #[arg(long, default_value = "sse-task:", value_name = "PREFIX")]
    pub redis_prefix: String,
    /// Milliseconds a job stays with a node that stopped renewing it (it died)
    /// before another node takes it over.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(300..=600_000))]
    pub redis_lease_ms: u64,
    /// Allow this origin to call the API and open the streams (CORS); `*` allows any.
    /// Repeat the flag for several origins.
    #[arg(long, value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,
    /// The origin this server's pages are served at behind a reverse proxy
    /// that rewrites `Host` (e.g. `https://app.example.com`): its pages may
    /// change state as the server's own. Repeat for several.
    #[arg(long, value_name = "ORIGIN")]
    pub public_origin: Vec<String>,
    /// A user, `NAME:TOKEN` (or `NAME:TOKEN:operator`, who sees every task);
    /// repeat for several. With users, every task belongs to the user who
    /// created it, and a request is a user by `Authorization: Bearer TOKEN`
    /// or by the session cookie of `POST /session`.
    #[arg(long = "user", value_name = "NAME:TOKEN")]
    pub users: Vec<String>,
    /// Serve `GET /api/metrics` (Prometheus text) to an operator, or without
    /// `--user` to whoever passes `--token`.
    #[arg(long)]
    pub metrics: bool,
    /// Most active tasks (running or waiting) one user may have; 0: no limit.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub max_active_per_user: u32,
    /// Number of tasks that run at the same time (the background job pool).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub workers: u32,
    /// Seconds between keep-alive comments on idle streams.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub keep_alive_secs: u64,
    /// Tasks that may wait for a worker; beyond it `POST /api/tasks` answers 429.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub queue_capacity: u32,
    /// The `retry:` sent at the start of task streams, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub retry_ms: u64,
    /// Require this token on `/api/` (`Authorization: Bearer`, never in the
    /// URL); the token holder also sees every task's label. Not with `--user`.
    #[arg(
        long,
        env = "SSE_MOCK_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// Serve the fault endpoints (`/faults/*`), for tests and benchmarks.
    #[arg(long)]
    pub faults: bool,
    /// Seconds a client has to send a request's headers (also closes idle connections).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout_secs: u64,
    /// Seconds a response may wait for a client that does not read it before the
    /// connection is closed.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub stall_timeout_secs: u64,
    /// Connections served at once; more wait to be accepted (kept below the
    /// open-file limit).
    #[arg(long, default_value_t = 16_384, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// On SIGTERM/SIGINT, seconds open connections get to end before the process exits.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_grace_secs: u64,
    /// Ended tasks kept at most (older ones, and their events, are removed).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub retain_tasks: u32,
    /// Seconds an ended task is kept.
    #[arg(long, default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub retain_secs: u64,
    /// Milliseconds a stream holds back its next chunk while a job runs flat out
    /// (over 500 events a second: jobs first; every event still arrives, in order); 0: never.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub jobs_first_ms: u64,
}

/// What the server needs to know to run; built from [`Cli`] or by tests.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The task server's part: the API under `/api`, the store, the jobs,
    /// the posture and the limits.
    pub server: TaskServerConfig,
    /// Folder served at `/`.
    pub static_dir: Option<PathBuf>,
    /// Serve `/faults/*`.
    pub faults: bool,
    /// How long one `/seeds/delta` connection stays open (the seed's 10 s).
    pub delta_connection_cap: Duration,
    /// Pause between `/seeds/delta` polls of the `messages` table.
    pub delta_poll: Duration,
    /// The `--user` flags, as given.
    pub users: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            // The demo's pages and the seeds run the built-in job.
            server: TaskServerConfig {
                demo_job: true,
                ..TaskServerConfig::default()
            },
            static_dir: None,
            faults: false,
            delta_connection_cap: Duration::from_secs(10),
            delta_poll: Duration::from_millis(500),
            users: Vec::new(),
        }
    }
}

impl ServerConfig {
    /// This configuration with `change` made to its task-server part.
    pub fn with_tasks(mut self, change: impl FnOnce(&mut TaskServerConfig)) -> Self {
        change(&mut self.server);
        self
    }
}

impl From<&Cli> for ServerConfig {
    fn from(cli: &Cli) -> Self {
        let defaults = Self::default();
        Self {
            server: TaskServerConfig {
                db_path: cli.db.clone(),
                redis: cli
                    .redis
                    .clone()
                    .filter(|url| !url.is_empty())
                    .map(|url| RedisConfig {
                        prefix: cli.redis_prefix.clone(),
                        lease: Duration::from_millis(cli.redis_lease_ms),
                        ..RedisConfig::new(url)
                    }),
                allow_origins: cli.allow_origin.clone(),
                public_origins: cli.public_origin.clone(),
                max_active_per_user: cli.max_active_per_user,
                metrics: cli.metrics,
                workers: cli.workers,
                keep_alive: Duration::from_secs(cli.keep_alive_secs),
                queue_capacity: cli.queue_capacity,
                retry: Duration::from_millis(cli.retry_ms),
                token: cli.token.clone().filter(|token| !token.is_empty()),
                header_timeout: Duration::from_secs(cli.header_timeout_secs),
                body_timeout: Duration::from_secs(cli.body_timeout_secs),
                stall_timeout: Duration::from_secs(cli.stall_timeout_secs),
                max_connections: cli.max_connections,
                shutdown_grace: Duration::from_secs(cli.shutdown_grace_secs),
                retention: Retention {
                    max_age: Duration::from_secs(cli.retain_secs),
                    max_count: cli.retain_tasks as usize,
                },
                jobs_first: Duration::from_millis(cli.jobs_first_ms),
                ..defaults.server
            },
            static_dir: cli.static_dir.clone(),
            faults: cli.faults,
            users: cli.users.clone(),
            ..defaults
        }
    }
}
