//! Request counters per `?key=`, so a test can tell how often a client came
//! back (the fault endpoints and the task streams count; bounded).

use std::collections::HashMap;
use std::sync::Mutex;

/// Keys counted at most; older counts are dropped beyond it.
pub const MAX_KEYS: usize = 10_000;

/// Requests seen per key.
#[derive(Default)]
pub struct RequestCounters {
    hits: Mutex<HashMap<String, u64>>,
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

    /// The count of `key`.
    pub fn get(&self, key: &str) -> u64 {
        self.hits
            .lock()
            .map(|hits| hits.get(key).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}
