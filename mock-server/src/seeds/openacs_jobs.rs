//! The OpenACS seed's jobs, one per session id: each job queues its messages
//! in its session, and a stream delivers each message once.
//!
//! Bounded by design: at most [`MAX_SESSIONS`] sessions; a session is
//! forgotten [`SESSION_TTL`] after its job finished (read or not), and when
//! the table is full the finished ones go first. Only running jobs can fill
//! it, and a job runs for a few seconds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sse_task_protocol::CLOSE_DATA;
use thiserror::Error;
use tokio::sync::watch;

/// Sessions kept at most.
pub const MAX_SESSIONS: usize = 10_000;
/// How long a session is kept after its job finished.
pub const SESSION_TTL: Duration = Duration::from_secs(60);

/// Why a job could not start.
#[derive(Debug, Error)]
pub enum SessionError {
    /// Every session holds a running job.
    #[error("{MAX_SESSIONS} OpenACS jobs are running; retry later")]
    Full,
    /// A thread panicked while holding the table.
    #[error("the session table is unavailable")]
    Poisoned,
}

/// The job's messages: four list items as in the seed, then a two-line summary.
pub fn job_messages() -> Vec<String> {
    let mut messages: Vec<String> = (1..=4)
        .map(|i| format!("<li>finish {i}: ...(Demo User)</li>"))
        .collect();
    messages.push("job summary\n4 of 4 steps finished".to_owned());
    messages.push(CLOSE_DATA.to_owned());
    messages
}

/// One session: its job's messages and how many were delivered.
#[derive(Default)]
pub struct Session {
    messages: Mutex<Vec<String>>,
    delivered: Mutex<usize>,
    all_delivered: AtomicBool,
    job_finished_at: Mutex<Option<Instant>>,
    changes: watch::Sender<usize>,
}

impl Session {
    /// The next message nobody received yet, marking it delivered.
    pub fn take_next(&self) -> Option<String> {
        let queue = self.messages.lock().ok()?;
        let mut delivered = self.delivered.lock().ok()?;
        let next = queue.get(*delivered).cloned()?;
        *delivered += 1;
        if next == CLOSE_DATA {
            self.all_delivered.store(true, Ordering::SeqCst);
        }
        Some(next)
    }

    /// True once the closing message was delivered.
    pub fn all_delivered(&self) -> bool {
        self.all_delivered.load(Ordering::SeqCst)
    }

    /// Wakes on every queued message.
    pub fn subscribe(&self) -> watch::Receiver<usize> {
        self.changes.subscribe()
    }

    fn expired(&self, now: Instant) -> bool {
        self.finished_before(now.checked_sub(SESSION_TTL))
    }

    fn finished_before(&self, limit: Option<Instant>) -> bool {
        match (self.job_finished_at.lock().ok().and_then(|at| *at), limit) {
            (Some(finished), Some(limit)) => finished <= limit,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// The sessions of the OpenACS seed.
#[derive(Default)]
pub struct OpenAcsSessions {
    sessions: Mutex<HashMap<u64, Arc<Session>>>,
}

impl OpenAcsSessions {
    /// The session `session_id`, starting its job (paced by `interval`)
    /// unless it exists.
    pub fn start(&self, session_id: u64, interval: Duration) -> Result<Arc<Session>, SessionError> {
        let mut sessions = self.sessions.lock().map_err(|_| SessionError::Poisoned)?;
        if let Some(session) = sessions.get(&session_id) {
            return Ok(Arc::clone(session));
        }
        let now = Instant::now();
        sessions.retain(|_, session| !session.expired(now));
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, session| !session.finished_before(Some(now)));
            if sessions.len() >= MAX_SESSIONS {
                return Err(SessionError::Full);
            }
        }
        let session = Arc::new(Session::default());
        sessions.insert(session_id, Arc::clone(&session));
        tokio::spawn(run_job(Arc::clone(&session), interval));
        Ok(session)
    }
}

async fn run_job(session: Arc<Session>, interval: Duration) {
    let messages = job_messages();
    let last = messages.len() - 1;
    for (index, message) in messages.into_iter().enumerate() {
        if index > 0 && index < last {
            tokio::time::sleep(interval).await;
        }
        let count = match session.messages.lock() {
            Ok(mut queue) => {
                queue.push(message);
                queue.len()
            }
            Err(_) => return,
        };
        session.changes.send_replace(count);
    }
    if let Ok(mut finished) = session.job_finished_at.lock() {
        *finished = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(ago: Duration) -> Session {
        let session = Session::default();
        *session.job_finished_at.lock().unwrap() = Instant::now().checked_sub(ago);
        session
    }

    #[test]
    fn sessions_expire_a_while_after_their_job_finished_never_while_it_runs() {
        let now = Instant::now();
        assert!(!Session::default().expired(now));
        assert!(!finished(Duration::from_secs(5)).expired(now));
        assert!(finished(SESSION_TTL + Duration::from_secs(1)).expired(now));
    }
}
