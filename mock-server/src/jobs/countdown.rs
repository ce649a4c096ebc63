//! `countdown`: the companion server's second kind of job besides the
//! built-in `steps`, so that a page can start a job of its own kind with
//! parameters (`{"kind": "countdown", "from": 10, "interval_ms": 500}`).

use std::time::Duration;

use sse_task_server::{Job, JobContext, JobError, JobPlan};

/// Most seconds a countdown counts from.
pub const MAX_FROM: u64 = 10_000;
/// Longest pause between two counts, in ms.
pub const MAX_INTERVAL_MS: u64 = 60_000;
/// The pause when the task names none, in ms.
const DEFAULT_INTERVAL_MS: u64 = 1000;

/// Counts down from `from` to 0, one line per count, `interval_ms` apart.
#[derive(Debug, Clone, Copy, Default)]
pub struct Countdown;

/// The pause between counts a task asked for.
fn interval(params: &serde_json::Value) -> Result<Duration, String> {
    match params.get("interval_ms") {
        None | Some(serde_json::Value::Null) => Ok(Duration::from_millis(DEFAULT_INTERVAL_MS)),
        Some(value) => match value.as_u64() {
            Some(ms @ 0..=MAX_INTERVAL_MS) => Ok(Duration::from_millis(ms)),
            _ => Err(format!(
                "interval_ms must be a whole number from 0 to {MAX_INTERVAL_MS}"
            )),
        },
    }
}

impl Job for Countdown {
    fn plan(&self, params: &serde_json::Value) -> Result<JobPlan, String> {
        let Some(from @ 1..=MAX_FROM) = params.get("from").and_then(serde_json::Value::as_u64)
        else {
            return Err(format!("from must be a whole number from 1 to {MAX_FROM}"));
        };
        interval(params)?;
        if let Some(unknown) = params
            .as_object()
            .and_then(|fields| fields.keys().find(|k| *k != "from" && *k != "interval_ms"))
        {
            return Err(format!(
                "countdown takes from and interval_ms, not {unknown}"
            ));
        }
        Ok(JobPlan { steps: from as u32 })
    }

    fn run(&self, context: &JobContext) -> Result<(), JobError> {
        let pause = interval(context.params()).map_err(JobError::Failed)?;
        let from = context.steps();
        for step in context.resume_from() + 1..=from {
            context.sleep(pause)?;
            context.step(step, format!("{} left", from - step))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_plan_counts_from_and_refuses_what_it_cannot_run() {
        let plan = Countdown.plan(&json!({"from": 5, "interval_ms": 10}));
        assert_eq!(plan, Ok(JobPlan { steps: 5 }));
        for (params, says) in [
            (json!({}), "from must be"),
            (json!({"from": 0}), "from must be"),
            (json!({"from": 5, "interval_ms": -1}), "interval_ms must be"),
            (json!({"from": 5, "steps": 3}), "not steps"),
        ] {
            let refused = Countdown.plan(&params).unwrap_err();
            assert!(refused.contains(says), "{params}: {refused}");
        }
    }
}
