//! The single writer of a store: a dedicated thread that owns the store's
//! write side, so no write ever runs on (or waits behind) the async runtime's
//! threads. What it writes to is a [`BatchStore`] (SQLite's transactions,
//! Redis's pipelines).
//!
//! Commands queue in a channel; the thread takes every waiting command (up to
//! [`MAX_BATCH`]) into one transaction, commits, and only then calls each
//! command's reply: callers change their in-memory state after the data is
//! stored, never before. A batch that fails is retried a bounded number of
//! times ([`RETRY_PAUSES`]), then every command in it is answered with the
//! failure. Before each batch the file's identity is checked: a database
//! file that was deleted or replaced under the server breaks the writer for
//! good (every later write fails with that reason) instead of writing to a
//! file nobody will ever read.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use thiserror::Error;

use super::error::StoreError;
use super::rows::{FeedRow, FeedSink, StoredEvent, TaskRow};

/// Most commands in one transaction.
pub const MAX_BATCH: usize = 1024;
/// Pauses before the second and third attempt of a failed batch.
pub const RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(400)];

/// A write the writer could not do, with the reason a user can read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct WriteFailure(pub String);

impl WriteFailure {
    pub(crate) fn writer_stopped() -> Self {
        Self("the database writer has stopped".into())
    }
}

/// An app's statements for [`Write::Exec`]: run on the store's write side
/// inside the batch's transaction (again, if the batch is retried). The
/// store hands them its connection as `dyn Any` (SQLite: a
/// `rusqlite::Connection`; see the SQLite store's `exec`); a store that
/// has no such connection refuses them.
#[derive(Clone)]
pub struct ExecFn(pub(crate) Arc<Statements>);

/// What an [`ExecFn`] runs: statements on the store's write connection,
/// returning a number.
pub(crate) type Statements = dyn Fn(&dyn std::any::Any) -> Result<u64, StoreError> + Send + Sync;

impl std::fmt::Debug for ExecFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExecFn")
    }
}

/// One change to the database.
#[derive(Debug)]
pub enum Write {
    /// A new task row.
    InsertTask(TaskRow),
    /// New values of a task's changing columns.
    UpdateTask(TaskRow),
    /// An event of a task and the task's columns after it.
    Append {
        /// The event.
        event: StoredEvent,
        /// The task's row once the event is stored.
        row: TaskRow,
    },
    /// An app's own statements, in the batch's transaction; what they
    /// return is answered as [`Written::Value`] (say, a row id).
    Exec(ExecFn),
    /// Tasks (and their events) to remove.
    DeleteTasks(Vec<String>),
    /// Nothing: answered once every earlier command is committed.
    Barrier,
}

/// What a successful write returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Stored.
    Done,
    /// Stored, and it ended its task: `finished_at` as stored, stamped in
    /// the transaction that stores the end (not when the end was planned).
    Ended {
        /// The stored end time (RFC 3339).
        finished_at: String,
    },
    /// What an [`Write::Exec`] returned.
    Value(u64),
}

/// Called on the writer thread once the command's transaction committed or
/// failed. The flag is true when no later command of the same batch shares
/// this command's `skip` flag (the same task): the moment to publish.
pub type Reply = Box<dyn FnOnce(Result<Written, WriteFailure>, bool) + Send>;

struct Command {
    write: Write,
    /// When set and true, the command is not written (its task already ended
    /// in memory because an earlier write failed).
    skip: Option<Arc<AtomicBool>>,
    reply: Reply,
}

/// What a stored batch answers: each command's outcome, in order, and the
/// feed rows the batch added.
pub struct BatchOutcome {
    /// One per command: a refused command fails alone.
    pub writes: Vec<Result<Written, WriteFailure>>,
    /// The feed rows added, in order.
    pub feed: Vec<FeedRow>,
}

/// What a batch of writes goes to: one transaction per batch.
pub trait BatchStore: Send + 'static {
    /// Writes `batch` at once; `last_of_task[i]` is true when no later
    /// command of the batch is about the same task. Each command's outcome
    /// (a refused command fails alone), and the feed rows the batch added.
    /// `Err` fails the whole batch (it is retried).
    fn write_batch(
        &mut self,
        batch: &[&Write],
        last_of_task: &[bool],
    ) -> Result<BatchOutcome, StoreError>;

    /// Pauses before the later attempts of a failed batch.
    fn retry_pauses(&self) -> &[Duration] {
        &RETRY_PAUSES
    }
}

/// What the writer tells whoever measures it: each stored event, and how
/// long each batch took to store.
pub struct WriteObserver {
    /// Counts the events stored.
    pub events_stored: metrics::Counter,
    /// Each batch's time to store, in seconds (its retries included).
    pub write_seconds: metrics::Histogram,
}

/// Handle to the writer thread; cheap to clone. The thread ends when every
/// handle is dropped.
#[derive(Clone)]
pub struct Writer {
    commands: mpsc::Sender<Command>,
    observer: Arc<OnceLock<WriteObserver>>,
}

impl Writer {
    /// Starts the writer thread on `store`; `feed` is told each committed
    /// batch's feed rows.
    pub fn start_on(store: impl BatchStore, feed: Option<FeedSink>) -> Result<Self, StoreError> {
        let (commands, queue) = mpsc::channel();
        let observer = Arc::new(OnceLock::new());
        let observed = Arc::clone(&observer);
        std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || {
                WriterThread {
                    store,
                    broken: None,
                    feed,
                    observer: observed,
                }
                .run(&queue)
            })
            .map_err(|error| StoreError::Thread(error.to_string()))?;
        Ok(Self { commands, observer })
    }

    /// From now on tells `observer` what is stored (once; a second
    /// observer is ignored).
    pub fn observe(&self, observer: WriteObserver) {
        let _ = self.observer.set(observer);
    }

    /// Queues `write`; `reply` runs on the writer thread after the commit (or
    /// the failure). Commands are written in the order they are submitted.
    pub fn submit(&self, write: Write, skip: Option<Arc<AtomicBool>>, reply: Reply) {
        let command = Command { write, skip, reply };
        if let Err(mpsc::SendError(command)) = self.commands.send(command) {
            (command.reply)(Err(WriteFailure::writer_stopped()), true);
        }
    }

    /// Queues `write` and waits for its commit.
    pub async fn write(&self, write: Write) -> Result<Written, WriteFailure> {
        let (done, answer) = tokio::sync::oneshot::channel();
        self.submit(
            write,
            None,
            Box::new(move |result, _| {
                let _ = done.send(result);
            }),
        );
        answer
            .await
            .unwrap_or_else(|_| Err(WriteFailure::writer_stopped()))
    }
}

struct WriterThread<S> {
    store: S,
    /// Set once the file is gone: every later write fails with it.
    broken: Option<WriteFailure>,
    /// Told each committed batch's feed rows.
    feed: Option<FeedSink>,
    observer: Arc<OnceLock<WriteObserver>>,
}

impl<S: BatchStore> WriterThread<S> {
    fn run(mut self, queue: &mpsc::Receiver<Command>) {
        while let Ok(first) = queue.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(command) => batch.push(command),
                    Err(_) => break,
                }
            }
            let (skipped, batch): (Vec<_>, Vec<_>) = batch.into_iter().partition(|command| {
                command
                    .skip
                    .as_ref()
                    .is_some_and(|skip| skip.load(Ordering::SeqCst))
            });
            for command in skipped {
                (command.reply)(
                    Err(WriteFailure("skipped: the task already ended".into())),
                    true,
                );
            }
            let flushes = last_of_each_target(&batch);
            let started = std::time::Instant::now();
            let written = self.write_with_retry(&batch, &flushes);
            if let Some(observer) = self.observer.get() {
                observer
                    .write_seconds
                    .record(started.elapsed().as_secs_f64());
                if written.is_ok() {
                    let events = batch
                        .iter()
                        .filter(|command| matches!(command.write, Write::Append { .. }))
                        .count();
                    observer.events_stored.increment(events as u64);
                }
            }
            match written {
                Ok(BatchOutcome {
                    writes: outcomes,
                    feed: feed_rows,
                }) => {
                    for ((command, outcome), flush) in batch.into_iter().zip(outcomes).zip(flushes)
                    {
                        (command.reply)(outcome, flush);
                    }
                    // After the replies: a task's state is never behind the
                    // feed's position (a snapshot may only be ahead of it).
                    if let (Some(feed), false) = (&self.feed, feed_rows.is_empty()) {
                        feed(feed_rows);
                    }
                }
                Err(failure) => {
                    tracing::error!(error = %failure, commands = batch.len(), "database write failed");
                    for (command, flush) in batch.into_iter().zip(flushes) {
                        (command.reply)(Err(failure.clone()), flush);
                    }
                }
            }
        }
    }

    fn write_with_retry(
        &mut self,
        batch: &[Command],
        flushes: &[bool],
    ) -> Result<BatchOutcome, WriteFailure> {
        if let Some(broken) = &self.broken {
            return Err(broken.clone());
        }
        let writes: Vec<&Write> = batch.iter().map(|command| &command.write).collect();
        let mut attempt = 0;
        loop {
            match self.store.write_batch(&writes, flushes) {
                Ok(outcomes) => return Ok(outcomes),
                Err(StoreError::FileGone(path)) => {
                    let failure = WriteFailure(format!(
                        "the database file {path} was deleted or replaced while the server ran; \
                         nothing more can be stored (restart the server)"
                    ));
                    self.broken = Some(failure.clone());
                    return Err(failure);
                }
                Err(error) if attempt < self.store.retry_pauses().len() => {
                    tracing::warn!(%error, attempt, "database write failed, retrying");
                    std::thread::sleep(self.store.retry_pauses()[attempt]);
                    attempt += 1;
                }
                Err(error) => {
                    return Err(WriteFailure(format!(
                        "{error} (after {} attempts)",
                        attempt + 1
                    )))
                }
            }
        }
    }
}

/// For each command: true when no later command in `batch` has the same
/// `skip` flag (commands without one are each their own target).
fn last_of_each_target(batch: &[Command]) -> Vec<bool> {
    let mut seen = std::collections::HashSet::new();
    let mut flags: Vec<bool> = batch
        .iter()
        .rev()
        .map(|command| match &command.skip {
            Some(skip) => seen.insert(Arc::as_ptr(skip) as usize),
            None => true,
        })
        .collect();
    flags.reverse();
    flags
}

/// A writer over a store that refuses every batch with `reason`, without
/// pauses between its attempts: for tests of what a failed write does.
#[cfg(test)]
pub(crate) fn writer_that_fails(reason: &'static str) -> Writer {
    struct Fails(&'static str);
    impl BatchStore for Fails {
        fn write_batch(&mut self, _: &[&Write], _: &[bool]) -> Result<BatchOutcome, StoreError> {
            Err(StoreError::Sqlite(self.0.into()))
        }
        fn retry_pauses(&self) -> &[Duration] {
            &[]
        }
    }
    Writer::start_on(Fails(reason), None).expect("the writer thread starts")
}

/// A writer over a store that keeps nothing and answers every write as
/// stored: for tests of what sits above the writer (the job runtime).
#[cfg(test)]
pub(crate) fn writer_that_keeps_nothing() -> Writer {
    struct KeepsNothing;
    impl BatchStore for KeepsNothing {
        fn write_batch(
            &mut self,
            batch: &[&Write],
            _last_of_task: &[bool],
        ) -> Result<BatchOutcome, StoreError> {
            Ok(BatchOutcome {
                writes: batch.iter().map(|_| Ok(Written::Done)).collect(),
                feed: Vec::new(),
            })
        }
    }
    Writer::start_on(KeepsNothing, None).expect("the writer thread starts")
}
