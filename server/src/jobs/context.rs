//! What a running job sees: its parameters, its steps, where to resume, a
//! way to report progress and log lines, and whether it must stop.
//!
//! Every report is stored before any viewer sees it. A report waits while
//! too many of the task's writes wait for the database (the job goes as
//! fast as the store, never faster), and returns [`Stopped`] once the task
//! was cancelled, the server is shutting down or a write failed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio_util::sync::CancellationToken;

use crate::tasks::{FlatOut, JobMessage, JobsFirst, TaskHandle, Writer};

/// A job writing this many events within [`RATE_WINDOW`] runs flat out
/// (over 500 events a second): while it does, streams hold back their next
/// chunk so that the job and the database get the CPU first (jobs first).
/// A job counts as flat out from its start until a window shows it slower,
/// it sleeps, or it goes quiet for [`ACTIVE_FOR`](crate::tasks::jobs_first::ACTIVE_FOR).
pub const FLAT_OUT_EVENTS: u32 = 50;
/// The window over which a job's event rate is measured.
pub const RATE_WINDOW: Duration = Duration::from_millis(100);

/// Handed to [`Job::run`](super::Job::run).
pub struct JobContext {
    handle: Arc<TaskHandle>,
    writer: Writer,
    params: serde_json::Value,
    resume_from: u32,
    rate: Mutex<Rate>,
}

/// The job's event rate, and its flat-out mark while it is high.
struct Rate {
    jobs_first: Arc<JobsFirst>,
    window_start: Instant,
    events: u32,
    flat_out: Option<FlatOut>,
}

impl JobContext {
    pub(crate) fn new(
        handle: Arc<TaskHandle>,
        writer: Writer,
        params: serde_json::Value,
        resume_from: u32,
        jobs_first: Arc<JobsFirst>,
    ) -> Self {
        Self {
            handle,
            writer,
            params,
            resume_from,
            rate: Mutex::new(Rate {
                flat_out: Some(jobs_first.flat_out()),
                jobs_first,
                window_start: Instant::now(),
                events: 0,
            }),
        }
    }

    /// The task's id.
    pub fn task_id(&self) -> &str {
        self.handle.id()
    }

    /// The parameters the task was created with (the body's fields but
    /// `kind` and `label`), as [`Job::plan`](super::Job::plan) accepted them.
    pub fn params(&self) -> &serde_json::Value {
        &self.params
    }

    /// The task's number of steps, as planned.
    pub fn steps(&self) -> u32 {
        self.handle.steps()
    }

    /// The last step stored before the server restarted (0 for a new task,
    /// and for a kind that starts over): the job goes on from the step after it.
    pub fn resume_from(&self) -> u32 {
        self.resume_from
    }

    /// Reports step `step` done (progress `step / steps`, `step` capped at
    /// the task's steps) with `message` as its log line.
    pub fn step(&self, step: u32, message: impl Into<JobMessage>) -> Result<(), Stopped> {
        let queued = self
            .handle
            .submit_step(&self.writer, step.min(self.steps()), message.into());
        self.after_submit(queued)
    }

    /// Writes a log line without moving the progress.
    pub fn log(&self, message: impl Into<JobMessage>) -> Result<(), Stopped> {
        let queued = self.handle.submit_line(&self.writer, message.into());
        self.after_submit(queued)
    }

    /// Sleeps `pause`, waking at once when the job must stop.
    pub fn sleep(&self, pause: Duration) -> Result<(), Stopped> {
        if let Ok(mut rate) = self.rate.lock() {
            // A job that pauses leaves the CPU to the streams.
            rate.flat_out = None;
            rate.events = 0;
            rate.window_start = Instant::now() + pause;
        }
        if self.handle.pause(pause) {
            Ok(())
        } else {
            Err(Stopped)
        }
    }

    /// True once the job must stop (cancel, shutdown, a failed write).
    pub fn is_stopped(&self) -> bool {
        self.handle.stop_token().is_cancelled()
    }

    /// Fires when the job must stop: for work that waits on something else
    /// (`token.cancelled().await`, or `is_cancelled()` in a loop).
    pub fn stop_token(&self) -> CancellationToken {
        self.handle.stop_token()
    }

    fn after_submit(&self, queued: bool) -> Result<(), Stopped> {
        if !queued {
            return Err(Stopped);
        }
        self.count_event();
        if self.handle.wait_for_room() {
            Ok(())
        } else {
            Err(Stopped)
        }
    }

    /// Counts one event in the rate window: above [`FLAT_OUT_EVENTS`] the
    /// job is marked flat out; a window below it clears the mark.
    fn count_event(&self) {
        let Ok(mut rate) = self.rate.lock() else {
            return;
        };
        let now = Instant::now();
        if now.saturating_duration_since(rate.window_start) >= RATE_WINDOW {
            if rate.events < FLAT_OUT_EVENTS {
                rate.flat_out = None;
            }
            rate.window_start = now;
            rate.events = 0;
        }
        rate.events += 1;
        if rate.events >= FLAT_OUT_EVENTS && rate.flat_out.is_none() {
            rate.flat_out = Some(rate.jobs_first.flat_out());
        }
        if let Some(flat_out) = &rate.flat_out {
            flat_out.touch();
        }
    }

    /// At the job's end: a flat-out job lets the streams go once its last
    /// write is stored, not merely queued.
    pub(crate) fn finish(&self) {
        let flat_out = self
            .rate
            .lock()
            .ok()
            .and_then(|mut rate| rate.flat_out.take());
        if let Some(flat_out) = flat_out {
            self.handle.wait_until_stored();
            drop(flat_out);
        }
    }
}

/// Returned by the [`JobContext`] once the job must stop (cancel, shutdown,
/// or a write that failed); `?` turns it into [`JobError::Stopped`](crate::JobError::Stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the task was stopped")]
pub struct Stopped;

#[cfg(test)]
mod tests {
    use sse_task_protocol::TaskState;

    use super::*;
    use crate::tasks::writer::writer_that_keeps_nothing;
    use crate::tasks::TaskRow;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_is_flat_out_while_it_writes_over_the_rate_and_not_once_it_pauses() {
        let writer = writer_that_keeps_nothing();
        let mut row = TaskRow::sample("t", TaskState::Running, None);
        row.steps = 1000;
        let jobs_first = JobsFirst::new(Duration::from_secs(1));
        let context = JobContext::new(
            TaskHandle::new(row),
            writer,
            serde_json::json!({}),
            0,
            Arc::clone(&jobs_first),
        );
        let flat_out = tokio::task::spawn_blocking(move || {
            let mut seen = Vec::new();
            // Flat out from the start, as long as it writes.
            seen.push(jobs_first.flat_out_jobs());
            for step in 1..=FLAT_OUT_EVENTS {
                context.step(step, "fast").unwrap();
            }
            seen.push(jobs_first.flat_out_jobs());
            // Quiet (computing) for a while: not flat out meanwhile.
            std::thread::sleep(crate::tasks::jobs_first::ACTIVE_FOR + Duration::from_millis(50));
            seen.push(jobs_first.flat_out_jobs());
            context.sleep(Duration::from_millis(1)).unwrap();
            seen.push(jobs_first.flat_out_jobs());
            // 100 events a second: never flat out.
            for step in 0..15 {
                context.step(100 + step, "slow").unwrap();
                std::thread::sleep(Duration::from_millis(10));
            }
            seen.push(jobs_first.flat_out_jobs());
            for step in 200..300 {
                context.step(step, "fast again").unwrap();
            }
            seen.push(jobs_first.flat_out_jobs());
            context.finish();
            seen.push(jobs_first.flat_out_jobs());
            seen
        })
        .await
        .unwrap();
        assert_eq!(flat_out, [1, 1, 0, 0, 0, 1, 0]);
    }
}
