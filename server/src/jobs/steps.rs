//! The built-in kind `steps`: a synthetic task of `steps` steps with a
//! pause between them, failing on purpose at `fail_at`: what the demo,
//! the tests and the benchmarks run.

use std::time::Duration;

use serde::Deserialize;
use sse_task_protocol::{CreateTaskRequest, DEFAULT_INTERVAL_MS};

use super::context::JobContext;
use super::job::{parse_params, Job, JobError, JobPlan};
use crate::tasks::JobMessage;

/// The name of the built-in kind, and the kind of a task that names none.
pub const STEPS_KIND: &str = "steps";

/// `{"steps": N, "interval_ms": M, "fail_at": K}`: step `i` logs
/// "step i of N", then the job pauses `interval_ms`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Steps;

impl Job for Steps {
    fn plan(&self, params: &serde_json::Value) -> Result<JobPlan, String> {
        let params: StepsParams = parse_params(params)?;
        CreateTaskRequest {
            steps: params.steps,
            interval_ms: params.interval_ms,
            fail_at: params.fail_at,
            label: None,
        }
        .validate()
        .map_err(|error| error.to_string())?;
        Ok(JobPlan {
            steps: params.steps,
        })
    }

    fn run(&self, context: &JobContext) -> Result<(), JobError> {
        let params: StepsParams = parse_params(context.params()).map_err(JobError::Failed)?;
        let interval = Duration::from_millis(params.interval_ms);
        for step in context.resume_from() + 1..=params.steps {
            if params.fail_at == Some(step) {
                let words = format!("step {step} of {} failed", params.steps);
                let message = JobMessage::coded("step-failed", words).at_step(step);
                return Err(JobError::FailedWith(message));
            }
            let words = format!("step {step} of {}", params.steps);
            context.step(step, JobMessage::coded("step", words))?;
            if !interval.is_zero() && step < params.steps {
                context.sleep(interval)?;
            }
        }
        Ok(())
    }
}

/// The parameters of a `steps` task: [`CreateTaskRequest`] without its
/// label (the label belongs to every kind).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepsParams {
    steps: u32,
    #[serde(default = "default_interval_ms")]
    interval_ms: u64,
    #[serde(default)]
    fail_at: Option<u32>,
}

fn default_interval_ms() -> u64 {
    DEFAULT_INTERVAL_MS
}
