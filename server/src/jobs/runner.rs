//! Running one task's job on a job thread: find its kind, mark it
//! running, hand it a [`JobContext`], and write how it ended: completed,
//! failed with its reason (a panic included), or nothing when it was
//! stopped (cancel wrote its own end; a shutdown leaves it to resume).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::context::JobContext;
use super::job::{JobError, OnRestart};
use super::kinds::JobKinds;
use crate::tasks::{JobsFirst, TaskHandle, Writer};

/// Runs task `handle` from the step after `done_steps` to its end (or
/// until it must stop).
pub fn run(
    handle: Arc<TaskHandle>,
    done_steps: u32,
    writer: &Writer,
    jobs_first: &Arc<JobsFirst>,
    kinds: &JobKinds,
) {
    let Some((kind, params)) = handle.job() else {
        return;
    };
    if !handle.submit_start(writer) {
        return;
    }
    let Some(job) = kinds.get(&kind) else {
        handle.submit_failure(
            writer,
            &format!("this server has no job of kind {kind:?} to run the task").into(),
        );
        return;
    };
    let params = match serde_json::from_str(&params) {
        Ok(params) => params,
        Err(error) => {
            handle.submit_failure(
                writer,
                &format!("the task's stored parameters: {error}").into(),
            );
            return;
        }
    };
    let resume_from = match job.on_restart() {
        OnRestart::Resume => done_steps,
        OnRestart::StartOver => 0,
    };
    let context = JobContext::new(
        Arc::clone(&handle),
        writer.clone(),
        params,
        resume_from,
        Arc::clone(jobs_first),
    );
    let outcome = catch_unwind(AssertUnwindSafe(|| job.run(&context))).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(JobError::Failed(format!("the {kind} job panicked: {why}")))
    });
    match outcome {
        Ok(()) => handle.submit_completion(writer),
        Err(JobError::Failed(reason)) => handle.submit_failure(writer, &reason.into()),
        Err(JobError::FailedWith(reason)) => handle.submit_failure(writer, &reason),
        Err(JobError::Stopped) => {}
    }
    context.finish();
}
