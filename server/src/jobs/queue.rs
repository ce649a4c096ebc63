//! The job queue: a bounded number of tasks wait, a fixed pool of job threads
//! runs them. A job holds a [`QueueSlot`] while it waits; the slot goes back
//! when the job is dropped or starts, whatever path it takes.
//!
//! Jobs run on threads of their own (created at start-up, outside the async
//! runtime), so streams and requests on the runtime never delay a step.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use super::kinds::JobKinds;
use super::runner;
use crate::tasks::{JobsFirst, StoreError, TaskHandle, Writer};

/// A place in the queue, given back on drop.
pub struct QueueSlot {
    waiting: Arc<AtomicUsize>,
}

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A task to run, from the step after `done_steps`.
pub struct Job {
    /// The task.
    pub handle: Arc<TaskHandle>,
    /// Steps already stored (0 for a new task).
    pub done_steps: u32,
    /// Its place in the queue, given back when the job starts.
    pub slot: QueueSlot,
    /// Called on the job thread once the job returned (a job dropped
    /// unstarted at shutdown never calls it): a shared store acknowledges
    /// the task or leaves it for another node.
    pub on_done: Option<Box<dyn FnOnce() + Send>>,
}

/// The queue and its job threads.
pub struct JobQueue {
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    waiting: Arc<AtomicUsize>,
    capacity: usize,
    closed: Arc<AtomicBool>,
}

impl JobQueue {
    /// Starts `workers` job threads that run the jobs of `kinds`, write
    /// through `writer` and tell `jobs_first` while a job runs flat out.
    pub fn start(
        workers: u32,
        capacity: u32,
        writer: &Writer,
        jobs_first: Arc<JobsFirst>,
        kinds: Arc<JobKinds>,
    ) -> Result<Self, StoreError> {
        let (sender, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let closed = Arc::new(AtomicBool::new(false));
        for index in 0..workers {
            let jobs = Arc::clone(&jobs);
            let closed = Arc::clone(&closed);
            let writer = writer.clone();
            let jobs_first = Arc::clone(&jobs_first);
            let kinds = Arc::clone(&kinds);
            std::thread::Builder::new()
                .name(format!("job-{index}"))
                .spawn(move || loop {
                    let next = match jobs.lock() {
                        Ok(jobs) => jobs.recv(),
                        Err(_) => return,
                    };
                    let Ok(next) = next else { return };
                    if closed.load(Ordering::SeqCst) {
                        continue;
                    }
                    let Job {
                        handle,
                        done_steps,
                        slot,
                        on_done,
                    } = next;
                    // The job leaves the queue as it starts.
                    drop(slot);
                    runner::run(handle, done_steps, &writer, &jobs_first, &kinds);
                    if let Some(on_done) = on_done {
                        on_done();
                    }
                })
                .map_err(|error| StoreError::Thread(error.to_string()))?;
        }
        Ok(Self {
            sender: Mutex::new(Some(sender)),
            waiting: Arc::new(AtomicUsize::new(0)),
            capacity: capacity as usize,
            closed,
        })
    }

    /// Takes a place in the queue; `Err(n)` when `n` tasks already wait.
    pub fn reserve(&self) -> Result<QueueSlot, usize> {
        let waiting = self.waiting.fetch_add(1, Ordering::SeqCst);
        let slot = QueueSlot {
            waiting: Arc::clone(&self.waiting),
        };
        if waiting >= self.capacity {
            return Err(waiting);
        }
        Ok(slot)
    }

    /// A place in the queue even when it is full (tasks recovered at start-up).
    pub fn force_reserve(&self) -> QueueSlot {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        QueueSlot {
            waiting: Arc::clone(&self.waiting),
        }
    }

    /// Queues `job`; dropped when the queue is closed.
    pub fn push(&self, job: Job) {
        if let Ok(sender) = self.sender.lock() {
            if let Some(sender) = sender.as_ref() {
                let _ = sender.send(job);
            }
        }
    }

    /// Stops taking jobs: waiting jobs are dropped, the threads end after
    /// their current job.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Ok(mut sender) = self.sender.lock() {
            sender.take();
        }
    }
}
