//! The job of one task, on a job thread: queue each step's write, keep at
//! most a window of writes waiting for the database, pause between steps,
//! and stop at once on cancel, failure or shutdown.

use super::queue::Job;
use crate::db::Writer;

/// Runs `job` to its end (or until it must stop).
pub fn run(job: Job, writer: &Writer) {
    let Job {
        handle,
        done_steps,
        slot,
    } = job;
    drop(slot);
    let Some((steps, interval)) = handle.plan() else {
        return;
    };
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
