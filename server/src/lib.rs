//! The server half of live task progress over Server-Sent Events: an axum
//! [`Router`](axum::Router) that runs your long jobs on a pool of threads, stores every
//! event before anyone sees it (SQLite, embedded), and streams each task
//! with lossless resume (`Last-Event-ID`), to the `sse-task-progress`
//! components, the `<task-monitor>` element or any `EventSource`.
//!
//! A job is a [`Job`]: it checks its parameters ([`Job::plan`]) and runs,
//! reporting its steps through a [`JobContext`], which also tells it when
//! the task was cancelled. Register it under a kind, mount the router
//! beside your own routes, serve:
//!
//! ```no_run
//! use sse_task_server::{Job, JobContext, JobError, JobPlan, TaskServer, TaskServerConfig};
//!
//! struct Countdown;
//!
//! impl Job for Countdown {
//!     fn plan(&self, params: &serde_json::Value) -> Result<JobPlan, String> {
//!         match params["from"].as_u64() {
//!             Some(from @ 1..=1000) => Ok(JobPlan { steps: from as u32 }),
//!             _ => Err("from must be a number of 1 to 1000".into()),
//!         }
//!     }
//!
//!     fn run(&self, context: &JobContext) -> Result<(), JobError> {
//!         let steps = context.steps();
//!         for step in context.resume_from() + 1..=steps {
//!             context.sleep(std::time::Duration::from_millis(100))?;
//!             context.step(step, format!("{} left", steps - step))?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let server = TaskServer::builder(TaskServerConfig::default())
//!         .job("countdown", Countdown)
//!         .build()
//!         .await?;
//!     let app = axum::Router::new()
//!         .route("/", axum::routing::get(|| async { "my app" }))
//!         .merge(server.router());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     // POST /api/tasks {"kind": "countdown", "from": 20}, then
//!     // GET /api/tasks/{id}/events streams it.
//!     server.serve(listener, app, std::future::pending()).await?;
//!     Ok(())
//! }
//! ```
//!
//! # What the router serves (under [`TaskServerConfig::base_path`], `/api`)
//! - `POST /api/tasks` `{"kind": K, "label"?: L, ...K's parameters}`: 201
//!   with the task's URLs; 422 with the job's reason when [`Job::plan`]
//!   refuses; 429 when the queue is full. Without `kind`: the built-in
//!   [`Steps`] (`{"steps": N, "interval_ms"?: M, "fail_at"?: K}`).
//! - `GET /api/tasks/{id}/events`: the task's SSE stream, resumable from any
//!   event; `GET /api/tasks/events`: every task's events in one stream.
//! - `GET /api/tasks`, `GET /api/tasks/{id}`, `POST /api/tasks/{id}/cancel`.
//!
//! # Guarantees
//! - Write first, then publish: an event is committed before any stream
//!   sends it, so a reconnect replays exactly what was sent; a write that
//!   fails ends the task `failed` once, with the reason.
//! - With [`TaskServerConfig::db_path`], unfinished tasks resume after a
//!   restart from the step after their last stored one (or start over:
//!   [`OnRestart`]).
//! - Jobs first: while a job writes more than 500 events a second, streams
//!   hold back for at most [`TaskServerConfig::jobs_first`] (every viewer
//!   still sees its progress at least that often) so the job keeps the CPU.
//! - Several nodes: with [`TaskServerConfig::redis`] every process on the
//!   same Redis serves every task; a node that dies has its jobs taken over
//!   from their last stored step, nothing lost or doubled.
//! - Posture: an optional token on every route, cross-origin pages refused
//!   for anything that changes state unless allowed, bodies bounded and
//!   timed, connections capped, graceful shutdown that lets jobs stop
//!   between two steps.
//!
//! # What is public
//! The crate root: [`TaskServer`] and its builder, [`TaskServerConfig`]
//! (with [`RedisConfig`] and [`Retention`]), the [`Job`] trait with its
//! [`JobContext`] and [`JobPlan`], the errors, and [`Database`] for an
//! app's own tables in the SQLite store. [`http`] holds the plumbing an
//! app's own SSE routes can share (errors, resume points, SSE responses,
//! the cross-origin guard). Everything else is private.
//!
//! # Layout (each layer imports only the ones below it)
//! - `lib.rs`, `server.rs`, `config.rs`, `state.rs`: the builder, the
//!   server, its settings and what the routes share.
//! - `routes/`: the task API's handlers (tasks, the feed of every task).
//! - `store/`: where tasks live: `sqlite/` (embedded) and `redis/` (several
//!   nodes) side by side, and the answers both give (`answers.rs`).
//! - `jobs/`: the job runtime: the [`Job`] trait, its context, the kinds,
//!   the built-in [`Steps`], the queue and its threads, the runner.
//! - `tasks/`: the store-neutral core: rows, events, the writer, the
//!   handle and its tail, the stream cursor, the feed, retention, jobs first.
//! - `http/`, `json.rs`: HTTP plumbing that knows no task.

#![deny(missing_docs)]

/// The README's examples, compiled by `cargo test --doc`.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctest;

mod config;
pub mod http;
mod jobs;
mod json;
mod metrics;
mod routes;
mod server;
mod state;
mod store;
mod tasks;

pub use config::TaskServerConfig;
pub use jobs::{
    parse_params, Job, JobContext, JobError, JobPlan, OnRestart, Steps, Stopped, STEPS_KIND,
};
pub use server::{ServerError, TaskServer, TaskServerBuilder, MAX_BODY_BYTES};
pub use store::answers::TaskError;
pub use store::redis::RedisConfig;
pub use store::sqlite::{rusqlite, Database};
pub use tasks::JobMessage;
pub use tasks::{Retention, StoreError, WriteFailure};
