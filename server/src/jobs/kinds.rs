//! The kinds of job a server runs, by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::job::Job;

/// Every kind of job the server knows, by the name a task gives as `kind`.
#[derive(Clone, Default)]
pub struct JobKinds {
    kinds: BTreeMap<String, Arc<dyn Job>>,
}

impl JobKinds {
    /// Registers `job` as `kind` (a later job of the same name replaces it).
    pub fn insert(&mut self, kind: impl Into<String>, job: impl Job) {
        self.kinds.insert(kind.into(), Arc::new(job));
    }

    /// The job of `kind`.
    pub fn get(&self, kind: &str) -> Option<Arc<dyn Job>> {
        self.kinds.get(kind).cloned()
    }

    /// The names, in order (for the error that lists them).
    pub fn names(&self) -> Vec<&str> {
        self.kinds.keys().map(String::as_str).collect()
    }
}

impl std::fmt::Debug for JobKinds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.kinds.keys()).finish()
    }
}
