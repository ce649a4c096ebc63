//! Jobs first: while a job runs flat out (it writes more than
//! `FLAT_OUT_EVENTS` (the job context's) events within
//! `RATE_WINDOW`, over 500 a second: a `steps`
//! task at interval 0 goes as fast as the database stores it), streams hold
//! back their next chunk until it stops, for at most a bounded wait.
//!
//! Every stream still gets every event in order (they wait, they never
//! skip), but the bytes a thousand viewers push through their sockets no
//! longer compete with the job and the database writer for the CPU; a
//! slower job leaves the CPU free and streams never wait for it. A stream that waited its bound sends one chunk and waits again,
//! so a long flat-out job does not silence its viewers: they see a chunk
//! (at most a page of events) per bound.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// A mark counts only while its job wrote within this long: a job that
/// went quiet (it computes, or waits) leaves the CPU to the streams.
pub const ACTIVE_FOR: Duration = Duration::from_millis(100);

/// Flat-out jobs running now, and the streams that wait for them.
#[derive(Debug)]
pub struct JobsFirst {
    /// Each mark's last write, in ms since `epoch`.
    marks: Mutex<Vec<Arc<AtomicU64>>>,
    ended: Notify,
    epoch: Instant,
    /// Longest a stream waits before it sends its next chunk anyway; zero
    /// turns the policy off.
    max_wait: Duration,
}

/// Held by a flat-out job while it runs; dropping it lets the streams go.
#[derive(Debug)]
pub struct FlatOut {
    jobs: Arc<JobsFirst>,
    last: Arc<AtomicU64>,
}

impl FlatOut {
    /// The job wrote just now.
    pub fn touch(&self) {
        self.last.store(self.jobs.now_ms(), Ordering::SeqCst);
    }
}

impl Drop for FlatOut {
    fn drop(&mut self) {
        if let Ok(mut marks) = self.jobs.marks.lock() {
            marks.retain(|mark| !Arc::ptr_eq(mark, &self.last));
        }
        self.jobs.ended.notify_waiters();
    }
}

impl JobsFirst {
    /// Streams wait at most `max_wait` for flat-out jobs (zero: never).
    pub fn new(max_wait: Duration) -> Arc<Self> {
        Arc::new(Self {
            marks: Mutex::new(Vec::new()),
            ended: Notify::new(),
            epoch: Instant::now(),
            max_wait,
        })
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Marks a job as flat out (as of now) until the guard is dropped.
    pub fn flat_out(self: &Arc<Self>) -> FlatOut {
        let last = Arc::new(AtomicU64::new(self.now_ms()));
        if let Ok(mut marks) = self.marks.lock() {
            marks.push(Arc::clone(&last));
        }
        FlatOut {
            jobs: Arc::clone(self),
            last,
        }
    }

    /// How many jobs run flat out now (marked, and wrote within [`ACTIVE_FOR`]).
    pub fn flat_out_jobs(&self) -> usize {
        let now = self.now_ms();
        let active = ACTIVE_FOR.as_millis() as u64;
        self.marks.lock().map_or(0, |marks| {
            marks
                .iter()
                .filter(|mark| now.saturating_sub(mark.load(Ordering::SeqCst)) < active)
                .count()
        })
    }

    /// Returns when no flat-out job runs, or after the bound.
    pub async fn turn(&self) {
        if self.max_wait.is_zero() {
            return;
        }
        let _ = tokio::time::timeout(self.max_wait, self.no_job_running()).await;
    }

    async fn no_job_running(&self) {
        loop {
            let ended = self.ended.notified();
            tokio::pin!(ended);
            // Registered before the check: an end between the two is not missed.
            ended.as_mut().enable();
            if self.flat_out_jobs() == 0 {
                return;
            }
            // A job that goes quiet stops counting without telling anyone.
            tokio::select! {
                () = ended => {}
                () = tokio::time::sleep(ACTIVE_FOR / 2) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn streams_wait_for_the_end_of_flat_out_jobs_at_most_the_bound() {
        let jobs = JobsFirst::new(Duration::from_secs(1));
        let start = Instant::now();
        jobs.turn().await;
        assert_eq!(start.elapsed(), Duration::ZERO, "no job: no wait");

        let first = jobs.flat_out();
        let second = jobs.flat_out();
        let waiting = tokio::spawn({
            let jobs = Arc::clone(&jobs);
            async move {
                jobs.turn().await;
                Instant::now()
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(first);
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(second);
        let released = waiting.await.unwrap();
        assert_eq!(
            released - start,
            Duration::from_millis(200),
            "released by the last end"
        );

        let _endless = jobs.flat_out();
        let start = Instant::now();
        jobs.turn().await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(1),
            "never more than the bound"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_bound_turns_the_policy_off() {
        let jobs = JobsFirst::new(Duration::ZERO);
        let _running = jobs.flat_out();
        let start = Instant::now();
        jobs.turn().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
