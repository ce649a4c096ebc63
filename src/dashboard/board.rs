//! The dashboard's state: every task seen on the multiplexed stream
//! (`GET /api/tasks/events`), each with its state, progress, last line and
//! how many of its events were missed. Pure (natively tested); the hook
//! `use_tasks_dashboard` feeds it the stream's messages.

use std::collections::HashMap;

use sse_task_protocol::{
    FeedEventData, FeedMessage, TaskState, CLOSE_EVENT_ID, EVENT_CANCELLED, EVENT_FAILED,
    FEED_CREATED, FEED_SNAPSHOT, FEED_SYNCED,
};
use thiserror::Error;

/// Tasks kept at most; the oldest ended ones go first beyond it.
pub const MAX_DASHBOARD_TASKS: usize = 2000;

/// A feed message the dashboard cannot read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FeedError {
    /// Not the JSON the feed sends.
    #[error("unreadable feed message: {0}")]
    Malformed(String),
}

/// One task on the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardTask {
    /// The task's id.
    pub id: String,
    /// Its label, when the server shows it (with the token).
    pub label: Option<String>,
    /// Where it is, as the server says it.
    pub phase: TaskState,
    /// Percentage done, 0 to 100.
    pub progress: f64,
    /// The newest message.
    pub last_line: Option<String>,
    /// Seq of the newest event applied.
    pub seq: u64,
    /// Events of this task that never arrived (a gap in its seqs).
    pub missed: u64,
}

impl DashboardTask {
    /// Task `id`, queued at 0 %, nothing seen yet.
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            label: None,
            phase: TaskState::Queued,
            progress: 0.0,
            last_line: None,
            seq: 0,
            missed: 0,
        }
    }
}

/// Every task seen, in the order first seen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dashboard {
    tasks: Vec<DashboardTask>,
    index: HashMap<String, usize>,
    synced: bool,
}

impl Dashboard {
    /// The tasks, in the order first seen.
    pub fn tasks(&self) -> &[DashboardTask] {
        &self.tasks
    }

    /// The task `id`, when seen.
    pub fn task(&self, id: &str) -> Option<&DashboardTask> {
        self.index.get(id).map(|&i| &self.tasks[i])
    }

    /// True once the first connection's snapshot was read.
    pub fn synced(&self) -> bool {
        self.synced
    }

    /// Applies one message of the feed (its `data`). An event whose seq is
    /// not above the task's is a repeat and changes nothing; a seq that
    /// skips some counts them as missed.
    pub fn apply(&mut self, data: &str) -> Result<(), FeedError> {
        let message: FeedMessage<FeedEventData> = serde_json::from_str(data)
            .map_err(|error| FeedError::Malformed(format!("{error}: {data}")))?;
        if message.event == FEED_SYNCED {
            self.synced = true;
            return Ok(());
        }
        let Some(id) = message.task.clone() else {
            return Err(FeedError::Malformed(data.to_owned()));
        };
        let task = self.entry(&id);
        match message.event.as_str() {
            FEED_SNAPSHOT => {
                task.phase = message.state.unwrap_or(task.phase);
                task.progress = message.progress.unwrap_or(task.progress);
                task.seq = task.seq.max(message.seq.unwrap_or(0));
                task.last_line = message.message.or(task.last_line.take());
                task.label = message.label.or(task.label.take());
            }
            FEED_CREATED => {}
            kind => {
                let seq = message.seq.unwrap_or(0);
                if seq <= task.seq {
                    return Ok(());
                }
                task.missed += seq - task.seq - 1;
                task.seq = seq;
                let data = message.data.unwrap_or_default();
                if let Some(text) = data.message {
                    task.last_line = Some(text);
                }
                if let Some(progress) = data.progress.filter(|p| p.is_finite()) {
                    task.progress = progress.clamp(0.0, 100.0);
                }
                task.phase = match kind {
                    EVENT_FAILED => TaskState::Failed,
                    EVENT_CANCELLED => TaskState::Cancelled,
                    _ if message.id.as_deref() == Some(CLOSE_EVENT_ID) => {
                        task.progress = 100.0;
                        TaskState::Completed
                    }
                    _ => TaskState::Running,
                };
            }
        }
        Ok(())
    }

    /// The task `id`, added (queued, 0 %) when new; beyond the bound the
    /// oldest ended task is dropped first.
    fn entry(&mut self, id: &str) -> &mut DashboardTask {
        if !self.index.contains_key(id) {
            if self.tasks.len() >= MAX_DASHBOARD_TASKS {
                let oldest = self
                    .tasks
                    .iter()
                    .position(|task| task.phase.is_terminal())
                    .unwrap_or(0);
                self.tasks.remove(oldest);
                self.reindex();
            }
            self.index.insert(id.to_owned(), self.tasks.len());
            self.tasks.push(DashboardTask::new(id));
        }
        let i = self.index[id];
        &mut self.tasks[i]
    }

    fn reindex(&mut self) {
        self.index = self
            .tasks
            .iter()
            .enumerate()
            .map(|(i, task)| (task.id.clone(), i))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(task: &str, seq: u64, id: &str, progress: f64) -> String {
        format!(
            r#"{{"task":"{task}","event":"message","seq":{seq},"id":"{id}","data":{{"message":"step {seq}","progress":{progress}}}}}"#
        )
    }

    #[test]
    fn a_task_goes_from_created_to_completed_with_its_last_line() {
        let mut board = Dashboard::default();
        board
            .apply(r#"{"task":"a","event":"created","state":"queued","steps":2}"#)
            .unwrap();
        assert_eq!(board.task("a").unwrap().phase, TaskState::Queued);
        board.apply(&event("a", 1, "1", 50.0)).unwrap();
        let a = board.task("a").unwrap();
        assert_eq!((a.phase, a.progress), (TaskState::Running, 50.0));
        assert_eq!(a.last_line.as_deref(), Some("step 1"));
        board.apply(&event("a", 2, "CLOSE", 100.0)).unwrap();
        assert_eq!(board.task("a").unwrap().phase, TaskState::Completed);
        assert_eq!(board.task("a").unwrap().missed, 0);
    }

    #[test]
    fn repeats_change_nothing_and_gaps_are_counted() {
        let mut board = Dashboard::default();
        board
            .apply(r#"{"task":"a","event":"snapshot","state":"running","progress":30,"seq":3}"#)
            .unwrap();
        board.apply(&event("a", 2, "2", 20.0)).unwrap();
        assert_eq!(board.task("a").unwrap().progress, 30.0, "a repeat");
        board.apply(&event("a", 6, "6", 60.0)).unwrap();
        assert_eq!(board.task("a").unwrap().missed, 2);
        board
            .apply(r#"{"task":"b","event":"cancelled","seq":1,"id":"1","data":{"message":"Cancelled"}}"#)
            .unwrap();
        assert_eq!(board.task("b").unwrap().phase, TaskState::Cancelled);
        assert_eq!(
            board
                .tasks()
                .iter()
                .map(|t| t.id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        board.apply(r#"{"event":"synced","tasks":1}"#).unwrap();
        assert!(board.synced());
        assert!(board.apply("not json").is_err());
    }
}
