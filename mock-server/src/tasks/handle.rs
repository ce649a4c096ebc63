//! One task in memory: its row, the channel that announces new events, and
//! the token that wakes its job when it is cancelled.

use std::sync::{Mutex, MutexGuard};

use sse_task_protocol::{
    ProgressData, TaskSnapshot, TaskState, CLOSE_EVENT_ID, EVENT_CANCELLED, EVENT_FAILED,
    EVENT_MESSAGE,
};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::now_rfc3339;
use crate::db::{Db, DbError, StoredEvent, TaskRow};

/// What one call of [`TaskHandle::run_step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStep {
    /// The step ran; more follow.
    Continue,
    /// The task ended (completed, failed, or was already cancelled).
    Finished,
}

/// A task shared by its job, its streams and the API.
pub struct TaskHandle {
    row: Mutex<TaskRow>,
    last_seq: watch::Sender<u64>,
    cancel: CancellationToken,
}

impl TaskHandle {
    /// Wraps a row read from or written to the database.
    pub fn new(row: TaskRow) -> Self {
        let last_seq = row.last_seq;
        Self {
            row: Mutex::new(row),
            last_seq: watch::Sender::new(last_seq),
            cancel: CancellationToken::new(),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, TaskRow>, DbError> {
        self.row.lock().map_err(|_| DbError::Poisoned)
    }

    /// The task's id.
    pub fn id(&self) -> String {
        self.lock().map(|row| row.id.clone()).unwrap_or_default()
    }

    /// A copy of the row.
    pub fn row(&self) -> Result<TaskRow, DbError> {
        Ok(self.lock()?.clone())
    }

    /// True when the task has ended and `seq` is its last event: a stream
    /// that has sent `seq` is done. Checked under the lock, without copying
    /// the row (streams call it on every wake-up).
    pub fn has_ended_by(&self, seq: u64) -> bool {
        self.lock()
            .map(|row| row.state.is_terminal() && row.last_seq <= seq)
            .unwrap_or(true)
    }

    /// The API's view of the task.
    pub fn snapshot(&self) -> Result<TaskSnapshot, DbError> {
        let row = self.lock()?;
        Ok(TaskSnapshot {
            id: row.id.clone(),
            label: row.label.clone(),
            state: row.state,
            step: row.step,
            steps: row.steps,
            progress: percent(row.step, row.steps),
            last_event_id: row.last_seq,
            message: row.message.clone(),
            created_at: row.created_at.clone(),
            started_at: row.started_at.clone(),
            finished_at: row.finished_at.clone(),
        })
    }

    /// Subscribes to the seq of the newest stored event.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.last_seq.subscribe()
    }

    /// Fires when the task is cancelled.
    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Marks a queued task running. Returns false when it already ended.
    pub fn start(&self, db: &Db) -> Result<bool, DbError> {
        let mut row = self.lock()?;
        if row.state.is_terminal() {
            return Ok(false);
        }
        row.state = TaskState::Running;
        if row.started_at.is_none() {
            row.started_at = Some(now_rfc3339());
        }
        db.update_task(&row)?;
        Ok(true)
    }

    /// Runs step `step`: stores its event (and the completion or failure event).
    ///
    /// Holding the row's lock while writing guarantees that no step event can
    /// follow a `cancelled` event.
    pub fn run_step(&self, db: &Db, step: u32) -> Result<TaskStep, DbError> {
        let mut row = self.lock()?;
        if row.state.is_terminal() {
            return Ok(TaskStep::Finished);
        }
        let progress = percent(step, row.steps);
        if row.fail_at == Some(step) {
            let message = format!("{}step {step} of {} failed", prefix(&row), row.steps);
            self.finish(
                db,
                &mut row,
                TaskState::Failed,
                EVENT_FAILED,
                message,
                progress,
            )?;
            return Ok(TaskStep::Finished);
        }
        let message = format!("{}step {step} of {}", prefix(&row), row.steps);
        row.step = step;
        let seq = row.last_seq + 1;
        row.last_seq = seq;
        let data = ProgressData::new(message, Some(progress));
        self.append(db, &row, seq, seq.to_string(), EVENT_MESSAGE, &data)?;
        if step < row.steps {
            return Ok(TaskStep::Continue);
        }
        self.complete_locked(db, &mut row)?;
        Ok(TaskStep::Finished)
    }

    /// Stores the completion event of a task whose last step is done (used when
    /// a server was killed between the last step and its completion event).
    pub fn complete(&self, db: &Db) -> Result<(), DbError> {
        let mut row = self.lock()?;
        if row.state.is_terminal() {
            return Ok(());
        }
        self.complete_locked(db, &mut row)
    }

    fn complete_locked(&self, db: &Db, row: &mut TaskRow) -> Result<(), DbError> {
        row.state = TaskState::Completed;
        row.finished_at = Some(now_rfc3339());
        row.message = Some("Process complete".to_owned());
        let seq = row.last_seq + 1;
        row.last_seq = seq;
        let data = ProgressData::new("Process complete", None);
        self.append(
            db,
            row,
            seq,
            CLOSE_EVENT_ID.to_owned(),
            EVENT_MESSAGE,
            &data,
        )
    }

    /// Cancels the task: stores a `cancelled` event and wakes its job.
    ///
    /// Returns the state the task had already reached when it was terminal.
    pub fn cancel(&self, db: &Db) -> Result<Result<TaskSnapshot, TaskState>, DbError> {
        {
            let mut row = self.lock()?;
            if row.state.is_terminal() {
                return Ok(Err(row.state));
            }
            let message = format!(
                "{}cancelled at step {} of {}",
                prefix(&row),
                row.step,
                row.steps
            );
            let progress = percent(row.step, row.steps);
            self.finish(
                db,
                &mut row,
                TaskState::Cancelled,
                EVENT_CANCELLED,
                message,
                progress,
            )?;
        }
        self.cancel.cancel();
        Ok(Ok(self.snapshot()?))
    }

    fn finish(
        &self,
        db: &Db,
        row: &mut TaskRow,
        state: TaskState,
        kind: &str,
        message: String,
        progress: f64,
    ) -> Result<(), DbError> {
        row.state = state;
        row.finished_at = Some(now_rfc3339());
        row.message = Some(message.clone());
        let seq = row.last_seq + 1;
        row.last_seq = seq;
        let data = ProgressData::new(message, Some(progress));
        self.append(db, row, seq, seq.to_string(), kind, &data)
    }

    fn append(
        &self,
        db: &Db,
        row: &TaskRow,
        seq: u64,
        wire_id: String,
        kind: &str,
        data: &ProgressData,
    ) -> Result<(), DbError> {
        let event = StoredEvent {
            seq,
            wire_id,
            kind: kind.to_owned(),
            data: data.to_json(),
        };
        db.append_event(row, &event)?;
        self.last_seq.send_replace(seq);
        Ok(())
    }
}

fn prefix(row: &TaskRow) -> String {
    match row.label.as_deref() {
        Some(label) if !label.is_empty() => format!("{label}: "),
        _ => String::new(),
    }
}

/// Percentage of `step` out of `steps`, rounded to two decimals.
pub fn percent(step: u32, steps: u32) -> f64 {
    if steps == 0 {
        return 0.0;
    }
    (f64::from(step) * 10_000.0 / f64::from(steps)).round() / 100.0
}
