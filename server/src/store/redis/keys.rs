//! The Redis keys of one deployment, all under its prefix.

/// Key names under a prefix (`sse-task:` by default).
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

/// The consumer group of the job queue: every node's workers.
pub const GROUP: &str = "workers";

impl Keys {
    /// Keys under `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// A task's row (a hash).
    pub fn task(&self, id: &str) -> String {
        format!("{}task:{id}", self.prefix)
    }

    /// A task's events (a stream whose entry ids are `0-<seq>`).
    pub fn events(&self, id: &str) -> String {
        format!("{}events:{id}", self.prefix)
    }

    /// Every task's id by creation time (a sorted set, scores in ms).
    pub fn tasks(&self) -> String {
        format!("{}tasks", self.prefix)
    }

    /// The feed of every task (a stream whose entry ids are `0-<gseq>`).
    pub fn feed(&self) -> String {
        format!("{}feed", self.prefix)
    }

    /// The feed's last sequence number.
    pub fn feed_seq(&self) -> String {
        format!("{}feed-seq", self.prefix)
    }

    /// The job queue (a stream read by the consumer group `workers`).
    pub fn jobs(&self) -> String {
        format!("{}jobs", self.prefix)
    }

    /// Ids of the tasks that wait for a worker (a set).
    pub fn queued(&self) -> String {
        format!("{}queued", self.prefix)
    }

    /// Ids of the active (running or waiting) tasks of `owner` (a set),
    /// for the limit per user.
    pub fn active(&self, owner: &str) -> String {
        format!("{}active:{owner}", self.prefix)
    }

    /// Ids of the tasks retention removed (a sorted set by removal time,
    /// the newest kept).
    pub fn removed(&self) -> String {
        format!("{}removed", self.prefix)
    }

    /// The channel that tells every node a task was cancelled.
    pub fn control(&self) -> String {
        format!("{}control", self.prefix)
    }
}
