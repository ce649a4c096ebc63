//! The job of one task, on a job thread: queue each step's write, keep at
//! most a window of writes waiting for the database, pause between steps,
//! and stop at once on cancel, failure or shutdown. A task at interval 0
//! runs flat out: streams hold back until its last write is stored (see
//! `jobs_first.rs`).

use std::sync::Arc;
use std::time::Duration;

use super::handle::TaskHandle;
use super::jobs_first::JobsFirst;
use crate::db::Writer;

/// Runs task `handle` from the step after `done_steps` to its end (or
/// until it must stop).
pub fn run(handle: Arc<TaskHandle>, done_steps: u32, writer: &Writer, jobs_first: &Arc<JobsFirst>) {
    let Some((steps, interval)) = handle.plan() else {
        return;
    };
    let flat_out = interval.is_zero().then(|| jobs_first.flat_out());
    run_steps(&handle, writer, done_steps, steps, interval);
    if let Some(flat_out) = flat_out {
        // Streams go once the job's last write is stored, not merely queued.
        handle.wait_until_stored();
        drop(flat_out);
    }
}

fn run_steps(
    handle: &Arc<TaskHandle>,
    writer: &Writer,
    done_steps: u32,
    steps: u32,
    interval: Duration,
) {
    if !handle.submit_start(writer) {
        return;
    }
    if done_steps >= steps {
        handle.submit_completion(writer);
        return;
    }
    for step in done_steps + 1..=steps {
        if !handle.submit_step(writer, step) || !handle.wait_for_room() {
            return;
        }
        if !interval.is_zero() && !handle.pause(interval) {
            return;
        }
    }
}
