//! The ids of tasks removed by retention, so that a late request for one is
//! told "removed" rather than "no such task"; bounded, oldest forgotten first.

use std::collections::{HashSet, VecDeque};

/// Removed ids remembered at most.
pub const REMEMBERED: usize = 100_000;

/// A bounded set of removed task ids.
#[derive(Default)]
pub struct RemovedIds {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl RemovedIds {
    /// Remembers `id`, forgetting the oldest beyond [`REMEMBERED`].
    pub fn insert(&mut self, id: String) {
        if self.ids.insert(id.clone()) {
            self.order.push_back(id);
        }
        while self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
    }

    /// True when `id` was removed (and is still remembered).
    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }
}
