//! The job of one task: wait for a worker, then run its steps with their
//! pauses, stopping at once on cancel or server shutdown.

use std::sync::Arc;
use std::time::Duration;

use super::handle::{TaskHandle, TaskStep};
use super::registry::TaskRegistry;

/// Runs `handle`'s steps after `done_steps` (0 for a new task).
pub async fn run(registry: Arc<TaskRegistry>, handle: Arc<TaskHandle>, done_steps: u32) {
    let workers = registry.workers();
    let permit = tokio::select! {
        permit = workers.acquire_owned() => permit,
        () = handle.cancel_token().cancelled() => { registry.leave_queue(); return; }
        () = registry.shutdown_token().cancelled() => { registry.leave_queue(); return; }
    };
    registry.leave_queue();
    let Ok(_permit) = permit else { return };
    let db = registry.db();
    let (steps, interval) = match handle.row() {
        Ok(row) => (row.steps, Duration::from_millis(row.interval_ms)),
        Err(error) => {
            tracing::error!(%error, "cannot read task");
            return;
        }
    };
    match handle.start(db) {
        Ok(true) => {}
        Ok(false) => return,
        Err(error) => {
            tracing::error!(task = %handle.id(), %error, "cannot start task");
            return;
        }
    }
    if done_steps >= steps {
        if let Err(error) = handle.complete(db) {
            tracing::error!(task = %handle.id(), %error, "cannot complete task");
        }
        return;
    }
    for step in done_steps + 1..=steps {
        match handle.run_step(db, step) {
            Ok(TaskStep::Continue) => {}
            Ok(TaskStep::Finished) => return,
            Err(error) => {
                tracing::error!(task = %handle.id(), step, %error, "step failed to store");
                return;
            }
        }
        if interval.is_zero() {
            tokio::task::yield_now().await;
            if handle.cancel_token().is_cancelled() || registry.shutdown_token().is_cancelled() {
                return;
            }
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = handle.cancel_token().cancelled() => return,
            () = registry.shutdown_token().cancelled() => return,
        }
    }
}
