//! One task in memory, shared by its job, its streams and the API.
//!
//! Two rows: `planned` (after every write handed to the writer, which the job
//! builds the next event from) and `committed` (what is stored: what the API
//! shows and the streams send). The writer's reply moves a task forward only
//! after the commit; a write that fails ends the task `failed` once, keeping
//! its last stored id, and every later write of the task is skipped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, Weak};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use sse_task_protocol::{TaskSnapshot, TaskState};
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;

use super::batch::Batch;
use super::error::StoreError;
use super::events::{self, percent};
use super::message::JobMessage;
use super::rows::{StoredEvent, TaskRow};
use super::streams_read::{Read, StreamsRead};
use super::writer::{Write, WriteFailure, Writer, Written};

/// Writes of one task that may wait for the writer at a time; the job pauses
/// beyond it (interval-0 tasks are paced by the database, not by memory).
pub const WINDOW: u64 = 2048;

/// What a cancel request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// The `cancelled` event has this seq; wait for it to be stored.
    Submitted(u64),
    /// The task had already ended (or its end is being stored) in this state.
    AlreadyEnded(TaskState),
}

struct Inner {
    planned: TaskRow,
    committed: TaskRow,
    /// Rows and frames stored in the current batch, published at its end.
    staged: Option<Batch>,
    interrupted: bool,
}

/// A task shared by its job, its streams and the API.
pub struct TaskHandle {
    id: String,
    /// Whose task it is (never changes).
    owner: String,
    inner: Mutex<Inner>,
    /// What streams read, under a lock of its own.
    for_streams: RwLock<StreamsRead>,
    /// Keeps submissions in order (held while handing a write to the writer).
    submitting: Mutex<()>,
    /// Wakes the job: room in the window, cancel, failure, shutdown.
    wake: Condvar,
    /// Bumped on every change streams must see; holds the committed last seq.
    published: watch::Sender<u64>,
    /// Wakes the relay that bumps `published` on the runtime (see [`relay`]).
    changed: Arc<Notify>,
    /// False when no runtime ran the relay: the writer bumps `published` itself.
    relayed: AtomicBool,
    /// Set once a write failed: later writes of this task are skipped.
    doomed: Arc<AtomicBool>,
    /// Fires when the job must stop.
    stop: CancellationToken,
    /// Each stored event's frame joins the handle's tail, which the store's
    /// streams read (SQLite); a store whose streams read elsewhere (Redis,
    /// after `XREAD`) keeps none, so no frame is encoded twice.
    keeps_frames: bool,
}

impl TaskHandle {
    /// Wraps a row that is stored, for a store whose streams read the
    /// handle's tail of encoded frames.
    pub fn new(row: TaskRow) -> Arc<Self> {
        Self::wrap(row, true)
    }

    /// Wraps a row that is stored, for a store whose streams read the
    /// stored events elsewhere: no frame is encoded or kept here.
    pub fn without_frames(row: TaskRow) -> Arc<Self> {
        Self::wrap(row, false)
    }

    /// A task that has not ended gets its relay (when a runtime is there to
    /// run it).
    fn wrap(row: TaskRow, keeps_frames: bool) -> Arc<Self> {
        let ended = row.state.is_terminal();
        let handle = Arc::new(Self {
            id: row.id.clone(),
            owner: row.owner.clone(),
            published: watch::Sender::new(row.last_seq),
            for_streams: RwLock::new(StreamsRead::new(row.last_seq, ended)),
            inner: Mutex::new(Inner {
                planned: row.clone(),
                committed: row,
                staged: None,
                interrupted: false,
            }),
            submitting: Mutex::new(()),
            wake: Condvar::new(),
            changed: Arc::new(Notify::new()),
            relayed: AtomicBool::new(false),
            doomed: Arc::new(AtomicBool::new(false)),
            stop: CancellationToken::new(),
            keeps_frames,
        });
        if !ended {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(relay(Arc::downgrade(&handle), Arc::clone(&handle.changed)));
                handle.relayed.store(true, Ordering::SeqCst);
            }
        }
        handle
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::Poisoned)
    }

    /// The task's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whose task it is.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// True until the task ended (running or waiting for a worker).
    pub fn is_active(&self) -> bool {
        self.lock()
            .map(|inner| !inner.committed.state.is_terminal())
            .unwrap_or(false)
    }

    /// A copy of the stored row.
    pub fn row(&self) -> Result<TaskRow, StoreError> {
        Ok(self.lock()?.committed.clone())
    }

    /// The last frame of a task whose end could not be stored.
    pub fn unstored_end(&self) -> Option<Bytes> {
        self.for_streams.read().ok()?.unstored_end()
    }

    /// The API's view of the task (what is stored).
    pub fn snapshot(&self) -> Result<TaskSnapshot, StoreError> {
        Ok(snapshot_of(&self.lock()?.committed))
    }

    /// Subscribes to changes (the value is the newest stored seq).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }

    /// At most `limit` events after `cursor`, from memory when they are there.
    pub fn read_after(&self, cursor: u64, limit: usize) -> Result<Read, StoreError> {
        let view = self.for_streams.read().map_err(|_| StoreError::Poisoned)?;
        Ok(view.read_after(cursor, limit))
    }

    /// Queues the `running` state. False when the task already ended.
    pub fn submit_start(self: &Arc<Self>, writer: &Writer) -> bool {
        self.submit(writer, |planned| {
            let row = events::started(planned);
            Some((Write::UpdateTask(row.clone()), row))
        })
    }

    /// Queues step `step` with its log line. False when the task ended.
    pub fn submit_step(self: &Arc<Self>, writer: &Writer, step: u32, message: JobMessage) -> bool {
        self.submit(writer, |planned| {
            Some(append(events::step(planned, step, &message)))
        })
    }

    /// Queues a log line at the current step. False when the task ended.
    pub fn submit_line(self: &Arc<Self>, writer: &Writer, message: JobMessage) -> bool {
        self.submit(writer, |planned| {
            Some(append(events::line(planned, &message)))
        })
    }

    /// Queues the completion event (`id: CLOSE`).
    pub fn submit_completion(self: &Arc<Self>, writer: &Writer) {
        self.submit(writer, |planned| Some(append(events::completion(planned))));
    }

    /// Queues the `failed` event of a job that failed for `reason`.
    pub fn submit_failure(self: &Arc<Self>, writer: &Writer, reason: &JobMessage) {
        self.submit(writer, |planned| {
            Some(append(events::failure(planned, reason)))
        });
    }

    /// Fires when the job must stop: cancel, shutdown, a failed write.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Queues the `cancelled` event.
    pub fn cancel(self: &Arc<Self>, writer: &Writer) -> Result<Cancel, StoreError> {
        let mut outcome = None;
        self.submit(writer, |planned| {
            let (event, row) = events::cancellation(planned);
            outcome = Some(Cancel::Submitted(row.last_seq));
            Some(append((event, row)))
        });
        match outcome {
            Some(cancel) => {
                self.stop.cancel();
                self.wake.notify_all();
                Ok(cancel)
            }
            None => Ok(Cancel::AlreadyEnded(self.lock()?.planned.state)),
        }
    }

    /// Waits until the write that gives seq `seq` is stored, or the task
    /// ended without it (its write failed).
    pub async fn wait_stored(&self, seq: u64) {
        let mut changes = self.subscribe();
        loop {
            let done = self
                .for_streams
                .read()
                .map(|view| view.has_stored(seq))
                .unwrap_or(true);
            if done || changes.changed().await.is_err() {
                return;
            }
        }
    }

    /// Plans the next write from the planned row, unless the task ended,
    /// and hands it to the writer. True when a write was queued.
    fn submit(
        self: &Arc<Self>,
        writer: &Writer,
        plan: impl FnOnce(&TaskRow) -> Option<(Write, TaskRow)>,
    ) -> bool {
        let Ok(_order) = self.submitting.lock() else {
            return false;
        };
        let (write, row, frame) = {
            let Ok(mut inner) = self.lock() else {
                return false;
            };
            if inner.planned.state.is_terminal() {
                return false;
            }
            let Some((write, row)) = plan(&inner.planned) else {
                return false;
            };
            inner.planned = row.clone();
            let frame = match &write {
                Write::Append { event, .. } if self.keeps_frames => Some(frame_of(event)),
                _ => None,
            };
            (write, row, frame)
        };
        let me = Arc::clone(self);
        writer.submit(
            write,
            Some(Arc::clone(&self.doomed)),
            Box::new(move |result, flush| me.on_written(result, flush, row, frame)),
        );
        true
    }

    /// The writer's reply: stage the stored row (and frame), publish at the
    /// end of the batch; or end the task on a failure.
    fn on_written(
        &self,
        result: Result<Written, WriteFailure>,
        flush: bool,
        row: TaskRow,
        frame: Option<(u64, Vec<u8>)>,
    ) {
        let Ok(mut inner) = self.lock() else {
            return;
        };
        match result {
            Ok(written) => {
                let mut row = row;
                if let Written::Ended { finished_at } = written {
                    row.finished_at = Some(finished_at);
                }
                let staged = inner.staged.get_or_insert_with(|| Batch::new(row.clone()));
                staged.add(row, frame);
                if !flush {
                    // Staged only: nothing a stream, the API or the job's
                    // window sees changed until the batch's last reply.
                    return;
                }
                self.publish(&mut inner);
            }
            Err(failure) => {
                if self.doomed.swap(true, Ordering::SeqCst) {
                    return;
                }
                self.stop.cancel();
                self.publish(&mut inner);
                tracing::error!(task = %self.id, error = %failure, "task stopped: its progress could not be stored");
                let (row, frame) = events::unstored_failure(&inner.committed, &failure.0);
                inner.planned = row.clone();
                inner.committed = row;
                if let Ok(mut view) = self.for_streams.write() {
                    view.end_unstored(inner.committed.last_seq, frame.into());
                }
            }
        }
        let seq = inner.committed.last_seq;
        drop(inner);
        self.wake.notify_all();
        if self.relayed.load(Ordering::SeqCst) {
            self.changed.notify_one();
        } else {
            self.published.send_replace(seq);
        }
    }

    /// Waits (on the job's thread) until fewer than `WINDOW` writes wait
    /// for the writer. False when the job must stop (ended, cancelled, shutdown).
    pub fn wait_for_room(&self) -> bool {
        let Ok(inner) = self.lock() else {
            return false;
        };
        self.wake
            .wait_while(inner, |inner| {
                !must_stop(inner) && inner.planned.last_seq - inner.committed.last_seq >= WINDOW
            })
            .is_ok_and(|inner| !must_stop(&inner))
    }

    /// Waits (on the job's thread) until every write handed to the writer
    /// is stored, or the task failed, or the server is shutting down.
    pub fn wait_until_stored(&self) {
        let Ok(inner) = self.lock() else {
            return;
        };
        // The guard (or a poisoned lock) is released at once: only the wait matters.
        drop(self.wake.wait_while(inner, |inner| {
            !inner.interrupted && inner.planned.last_seq > inner.committed.last_seq
        }));
    }

    /// Sleeps `interval` (on the job's thread). False when the job must stop.
    pub fn pause(&self, interval: Duration) -> bool {
        let deadline = Instant::now() + interval;
        let Ok(mut inner) = self.lock() else {
            return false;
        };
        loop {
            if must_stop(&inner) {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            inner = match self.wake.wait_timeout(inner, left) {
                Ok((inner, _)) => inner,
                Err(_) => return false,
            };
        }
    }

    /// Stops the job between two steps (server shutdown); the task stays
    /// unfinished in the database and resumes after a restart.
    pub fn interrupt(&self) {
        if let Ok(mut inner) = self.lock() {
            inner.interrupted = true;
        }
        self.stop.cancel();
        self.wake.notify_all();
    }

    /// Moves the staged row and frames to `committed` and the streams' tail.
    fn publish(&self, inner: &mut Inner) {
        let Some(batch) = inner.staged.take() else {
            return;
        };
        let row = batch.row.clone();
        if let Ok(mut view) = self.for_streams.write() {
            view.publish(batch);
        }
        inner.committed = row;
    }

    /// The task's number of steps.
    pub fn steps(&self) -> u32 {
        self.lock().map_or(0, |inner| inner.planned.steps)
    }

    /// The task's kind of job and its parameters (JSON text).
    pub fn job(&self) -> Option<(String, String)> {
        let inner = self.lock().ok()?;
        Some((inner.planned.kind.clone(), inner.planned.params.clone()))
    }
}

/// Bumps `published` on the runtime each time the writer says something
/// changed: waking a thousand streams costs the writer thread one wake-up,
/// and changes that come faster than the relay runs are announced once.
async fn relay(handle: Weak<TaskHandle>, changed: Arc<Notify>) {
    loop {
        changed.notified().await;
        let Some(handle) = handle.upgrade() else {
            return;
        };
        // From what streams read, not `inner`: this runs on a viewer thread
        // and must not hold the lock the job and the writer take.
        let Ok((seq, ended)) = handle.for_streams.read().map(|view| view.newest()) else {
            return;
        };
        handle.published.send_replace(seq);
        if ended {
            return;
        }
    }
}

fn must_stop(inner: &Inner) -> bool {
    inner.interrupted || inner.planned.state.is_terminal()
}

fn append((event, row): (StoredEvent, TaskRow)) -> (Write, TaskRow) {
    (
        Write::Append {
            event,
            row: row.clone(),
        },
        row,
    )
}

/// `event`'s seq and SSE frame, for the tail.
fn frame_of(event: &StoredEvent) -> (u64, Vec<u8>) {
    let mut frame = Vec::with_capacity(event.data.len() + 32);
    events::encode(event, &mut frame);
    (event.seq, frame)
}

/// The API's view of a stored task row.
pub fn snapshot_of(row: &TaskRow) -> TaskSnapshot {
    TaskSnapshot {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::writer::{writer_that_fails, writer_that_keeps_nothing};

    fn running(steps: u32) -> TaskRow {
        let mut row = TaskRow::sample("t", TaskState::Running, None);
        row.steps = steps;
        row
    }

    fn text(bytes: &Bytes) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    async fn until_stored(handle: &TaskHandle, seq: u64) {
        let mut changes = handle.subscribe();
        while *changes.borrow_and_update() < seq {
            changes.changed().await.unwrap();
        }
    }

    #[tokio::test]
    async fn stored_steps_reach_the_streams_in_order_and_the_end_once() {
        let writer = writer_that_keeps_nothing();
        let handle = TaskHandle::new(running(2));
        assert!(handle.submit_step(&writer, 1, "one".into()));
        assert!(handle.submit_step(&writer, 2, "two".into()));
        handle.submit_completion(&writer);
        until_stored(&handle, 3).await;
        // The tail answers one committed batch at a time, as a cursor reads it.
        let (mut frames, mut cursor) = (String::new(), 0);
        while cursor < 3 {
            let Read::Frames(bytes, last) = handle.read_after(cursor, 100).unwrap() else {
                panic!("the stored events are not in the tail");
            };
            frames.push_str(&text(&bytes));
            cursor = last;
        }
        assert!(frames.starts_with("id: 1\n"), "{frames}");
        assert!(frames.contains("id: 2\n"), "{frames}");
        assert!(frames.contains("id: CLOSE\n"), "{frames}");
        assert_eq!(handle.row().unwrap().state, TaskState::Completed);
        assert_eq!(handle.snapshot().unwrap().progress, 100.0);
        // Nothing is written after the end.
        assert!(!handle.submit_step(&writer, 3, "late".into()));
        assert_eq!(handle.read_after(3, 100).unwrap(), Read::Ended(None));
    }

    #[tokio::test]
    async fn a_store_that_keeps_no_frames_encodes_none() {
        let writer = writer_that_keeps_nothing();
        let handle = TaskHandle::without_frames(running(1));
        assert!(handle.submit_step(&writer, 1, "one".into()));
        until_stored(&handle, 1).await;
        assert_eq!(handle.row().unwrap().last_seq, 1);
        assert!(
            !matches!(handle.read_after(0, 100).unwrap(), Read::Frames(..)),
            "the handle kept a frame no stream reads"
        );
    }

    #[tokio::test]
    async fn a_write_that_fails_ends_the_task_failed_once_without_inventing_an_id() {
        let writer = writer_that_fails("disk full");
        let handle = TaskHandle::new(running(10));
        assert!(handle.submit_step(&writer, 1, "one".into()));
        handle.stop_token().cancelled().await;
        let row = handle.row().unwrap();
        assert_eq!(row.state, TaskState::Failed);
        assert_eq!(row.last_seq, 0, "no id is invented for what was not stored");
        let Read::Ended(Some(frame)) = handle.read_after(0, 100).unwrap() else {
            panic!("streams are not told how the task ended");
        };
        let frame = text(&frame);
        assert!(frame.starts_with("event: failed\ndata: "), "{frame}");
        assert!(!frame.contains("\nid:"), "{frame}");
        assert!(
            frame.contains("could not be stored (database error: disk full"),
            "{frame}"
        );
        assert!(handle.unstored_end().is_some());
        assert!(
            !handle.submit_step(&writer, 2, "two".into()),
            "the task ended"
        );
    }
}
