//! The job runtime: the [`Job`] trait a kind of job implements, the
//! [`JobContext`] it reports through, the registry of kinds, the built-in
//! `steps` kind, and the queue whose threads run each task's job
//! (`runner.rs`). It sits on the store-neutral core (`tasks/`); the stores
//! sit on it.

mod context;
mod job;
mod kinds;
pub(crate) mod queue;
mod runner;
mod steps;

pub use context::{JobContext, Stopped};
pub use job::{parse_params, Job, JobError, JobPlan, OnRestart};
pub use kinds::JobKinds;
pub use steps::{Steps, STEPS_KIND};
