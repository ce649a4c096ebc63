//! Request counters per `?key=`, so a test can tell how often a client came
//! back and with which `Last-Event-ID` last (the fault endpoints and the
//! task streams count; bounded), and the
//! number of task streams and multiplexed streams open now.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Keys counted at most; older counts are dropped beyond it.
pub const MAX_KEYS: usize = 10_000;

/// Requests seen per key.
#[derive(Default)]
pub struct RequestCounters {
    hits: Mutex<HashMap<String, u64>>,
    last_ids: Mutex<HashMap<String, String>>,
}

impl RequestCounters {
    /// Counts a request with `key`; returns the count so far (0 without a key).
    pub fn hit(&self, key: Option<&str>) -> u64 {
        let (Some(key), Ok(mut hits)) = (key, self.hits.lock()) else {
            return 0;
        };
        if hits.len() >= MAX_KEYS && !hits.contains_key(key) {
            hits.clear();
        }
        let count = hits.entry(key.chars().take(100).collect()).or_default();
        *count += 1;
        *count
    }

    /// Counts a request with `key` that sent `last_event_id` (recorded
    /// when given); returns the count so far.
    pub fn hit_resuming(&self, key: Option<&str>, last_event_id: Option<String>) -> u64 {
        if let (Some(key), Ok(mut ids)) = (key, self.last_ids.lock()) {
            if ids.len() >= MAX_KEYS && !ids.contains_key(key) {
                ids.clear();
            }
            let id = last_event_id.unwrap_or_default();
            ids.insert(key.chars().take(100).collect(), id);
        }
        self.hit(key)
    }

    /// The `Last-Event-ID` of the last request with `key` ("" for none).
    pub fn last_event_id(&self, key: &str) -> Option<String> {
        self.last_ids.lock().ok()?.get(key).cloned()
    }

    /// The count of `key`.
    pub fn get(&self, key: &str) -> u64 {
        self.hits
            .lock()
            .map(|hits| hits.get(key).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

/// Streams open now: one task's own streams, and the multiplexed feed.
#[derive(Debug, Default)]
pub struct StreamCounts {
    task: AtomicUsize,
    feed: AtomicUsize,
}

/// Which count a stream is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// `GET /api/tasks/{id}/events`.
    Task,
    /// `GET /api/tasks/events`.
    Feed,
}

/// Counts one open stream until dropped (with the stream's body).
#[derive(Debug)]
pub struct OpenStream {
    counts: Arc<StreamCounts>,
    kind: StreamKind,
}

impl StreamCounts {
    /// Counts a stream of `kind` until the guard is dropped.
    pub fn open(self: &Arc<Self>, kind: StreamKind) -> OpenStream {
        self.counter(kind).fetch_add(1, Ordering::SeqCst);
        OpenStream {
            counts: Arc::clone(self),
            kind,
        }
    }

    /// Streams of `kind` open now.
    pub fn get(&self, kind: StreamKind) -> usize {
        self.counter(kind).load(Ordering::SeqCst)
    }

    fn counter(&self, kind: StreamKind) -> &AtomicUsize {
        match kind {
            StreamKind::Task => &self.task,
            StreamKind::Feed => &self.feed,
        }
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.counts
            .counter(self.kind)
            .fetch_sub(1, Ordering::SeqCst);
    }
}
