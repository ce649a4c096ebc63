//! What a kind of job is: it checks its parameters, says how many steps it
//! has, and runs on a job thread of its own, reporting through a
//! [`JobContext`].

use serde::de::DeserializeOwned;
use thiserror::Error;

use super::context::{JobContext, Stopped};
use crate::json::from_json;
use crate::tasks::JobMessage;

/// A kind of job the server runs, registered under a name
/// ([`TaskServerBuilder::job`](crate::TaskServerBuilder::job)); a task
/// names it in `POST {base}/tasks` as `"kind"`, the other fields of the
/// body (but `label`) are its parameters.
///
/// [`run`](Job::run) runs on a thread of the job pool, not on the async
/// runtime: it may block (read files, call a database, compute). It reports
/// each step with [`JobContext::step`], whose `?` returns when the task is
/// cancelled or the server shuts down.
pub trait Job: Send + Sync + 'static {
    /// Checks the parameters before the task is stored: `Err` is the reason
    /// the request is refused (a 422 with it as the `error`). `Ok` gives the
    /// number of steps the progress bar counts.
    fn plan(&self, params: &serde_json::Value) -> Result<JobPlan, String>;

    /// Does the work, from the step after [`JobContext::resume_from`].
    /// `Ok` ends the task `completed`; [`JobError::Failed`] ends it `failed`
    /// with the reason; [`JobError::Stopped`] (what the context returns on
    /// cancel or shutdown) leaves the end to whoever stopped it.
    fn run(&self, context: &JobContext) -> Result<(), JobError>;

    /// What a task of this kind does when the server restarts in its middle.
    fn on_restart(&self) -> OnRestart {
        OnRestart::Resume
    }
}

/// What [`Job::plan`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobPlan {
    /// Steps of the task, at least 1: its progress is `step / steps`.
    pub steps: u32,
}

/// What a task whose server restarted in its middle does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnRestart {
    /// Goes on from the step after the last stored one
    /// ([`JobContext::resume_from`]).
    Resume,
    /// Starts over from step 1 ([`JobContext::resume_from`] is 0); the events
    /// already sent stay, later ones count again from the first step.
    StartOver,
}

/// How a job ended without completing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JobError {
    /// The work failed: the task ends `failed` with this reason.
    #[error("{0}")]
    Failed(String),
    /// The work failed: the task ends `failed` with this message, whose
    /// code clients say in the page's language.
    #[error("{}", .0.text)]
    FailedWith(JobMessage),
    /// The task was cancelled, the server is shutting down, or the task's
    /// progress could not be stored: the job must return.
    #[error("the task was stopped")]
    Stopped,
}

impl From<Stopped> for JobError {
    fn from(_: Stopped) -> Self {
        Self::Stopped
    }
}

/// Reads a job's parameters as `T`; `Err` names the field that is wrong
/// ("folder is required", "limit: invalid type: ..."), ready for
/// [`Job::plan`] to return.
pub fn parse_params<T: DeserializeOwned>(params: &serde_json::Value) -> Result<T, String> {
    from_json(params.clone())
}
