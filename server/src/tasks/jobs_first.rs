//! Jobs first: while a job runs flat out (it writes more than
//! [`FLAT_OUT_EVENTS`](crate::jobs::FLAT_OUT_EVENTS) events within
//! [`RATE_WINDOW`](crate::jobs::RATE_WINDOW), over 500 a second: a `steps`
//! task at interval 0 goes as fast as the database stores it), streams hold
//! back their next chunk until it stops, for at most a bounded wait.
//!
//! Every stream still gets every event in order (they wait, they never
//! skip), but the bytes a thousand viewers push through their sockets no
//! longer compete with the job and the database writer for the CPU; a
//! slower job leaves the CPU free and streams never wait for it. A stream that waited its bound sends one chunk and waits again,
//! so a long flat-out job does not silence its viewers: they see a chunk
//! (at most a page of events) per bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

/// Flat-out jobs running now, and the streams that wait for them.
#[derive(Debug)]
pub struct JobsFirst {
    running: AtomicUsize,
    ended: Notify,
    /// Longest a stream waits before it sends its next chunk anyway; zero
    /// turns the policy off.
    max_wait: Duration,
}

/// Held by a flat-out job while it runs; dropping it lets the streams go.
#[derive(Debug)]
pub struct FlatOut(Arc<JobsFirst>);

impl Drop for FlatOut {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.ended.notify_waiters();
        }
    }
}

impl JobsFirst {
    /// Streams wait at most `max_wait` for flat-out jobs (zero: never).
    pub fn new(max_wait: Duration) -> Arc<Self> {
        Arc::new(Self {
            running: AtomicUsize::new(0),
            ended: Notify::new(),
            max_wait,
        })
    }

    /// Marks a flat-out job as running until the guard is dropped.
    pub fn flat_out(self: &Arc<Self>) -> FlatOut {
        self.running.fetch_add(1, Ordering::SeqCst);
        FlatOut(Arc::clone(self))
    }

    /// How many jobs run flat out now.
    pub fn flat_out_jobs(&self) -> usize {
        self.running.load(Ordering::SeqCst)
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
            if self.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            ended.await;
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
