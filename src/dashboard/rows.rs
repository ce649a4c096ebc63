//! What the Tasks table must change on screen since its last render: rows
//! to add, rows to remove, and for each row only the cells whose text
//! changed. Pure (natively tested); `<TasksDashboard>` applies the plan to
//! the DOM directly, so a render costs what changed, not the table's size.

use std::collections::HashMap;

use sse_task_protocol::TaskState;

use super::board::{Dashboard, DashboardTask};
use crate::words::Labels;

/// What one row shows, as text and values ready for the DOM.
#[derive(Debug, Clone, PartialEq)]
pub struct RowCells {
    /// The label, or the first block of the id.
    pub name: String,
    /// Where the task is.
    pub phase: TaskState,
    /// The bar's value, 0 to 100.
    pub progress: f64,
    /// The percentage as shown (`"42%"`).
    pub percent: String,
    /// The newest message.
    pub last_line: String,
    /// Events of the task that never arrived.
    pub missed: u64,
}

impl RowCells {
    /// The cells of `task`.
    pub fn of(task: &DashboardTask) -> Self {
        Self {
            name: task.label.clone().unwrap_or_else(|| short_id(&task.id)),
            phase: task.phase,
            progress: task.progress,
            percent: Labels::english().percent(task.progress),
            last_line: task.last_line.clone().unwrap_or_default(),
            missed: task.missed,
        }
    }
}

/// The cells of one row that changed (`None`: unchanged).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowChange {
    /// New name.
    pub name: Option<String>,
    /// New phase.
    pub phase: Option<TaskState>,
    /// New bar value and percentage.
    pub progress: Option<(f64, String)>,
    /// New last line.
    pub last_line: Option<String>,
    /// New count of missed events.
    pub missed: Option<u64>,
}

impl RowChange {
    /// Every cell of `cells` (a new row).
    fn all(cells: &RowCells) -> Self {
        Self {
            name: Some(cells.name.clone()),
            phase: Some(cells.phase),
            progress: Some((cells.progress, cells.percent.clone())),
            last_line: Some(cells.last_line.clone()),
            missed: Some(cells.missed),
        }
    }

    /// The cells that differ from `before` to `after`.
    fn between(before: &RowCells, after: &RowCells) -> Self {
        Self {
            name: (before.name != after.name).then(|| after.name.clone()),
            phase: (before.phase != after.phase).then_some(after.phase),
            progress: (before.percent != after.percent || before.progress != after.progress)
                .then(|| (after.progress, after.percent.clone())),
            last_line: (before.last_line != after.last_line).then(|| after.last_line.clone()),
            missed: (before.missed != after.missed).then_some(after.missed),
        }
    }

    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One render's work, in the order to apply it: remove, update, then
/// append (new tasks are always the newest, so they go last).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowPlan {
    /// Ids of rows to remove (tasks the dashboard no longer keeps).
    pub remove: Vec<String>,
    /// Rows on screen whose cells changed.
    pub update: Vec<(String, RowChange)>,
    /// New rows, in table order, with every cell.
    pub append: Vec<(String, RowChange)>,
    /// New tasks left for the next render (more than one render may add).
    pub more: bool,
}

impl RowPlan {
    /// True when nothing on screen changes.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.update.is_empty() && self.append.is_empty()
    }
}

/// What the table shows now, row by row.
#[derive(Debug, Default)]
pub struct RowsOnScreen {
    shown: HashMap<String, RowCells>,
}

impl RowsOnScreen {
    /// Compares the table with `dashboard`, records the new state as shown
    /// and returns what to change, adding at most `max_new` rows (creating
    /// hundreds of rows at once would hold one frame too long; the rest
    /// come in the next renders, still in order, since rows not yet shown
    /// are always the newest tasks).
    pub fn update(&mut self, dashboard: &Dashboard, max_new: usize) -> RowPlan {
        let mut plan = RowPlan::default();
        if self.shown.len() > dashboard.tasks().len()
            || self.shown.keys().any(|id| dashboard.task(id).is_none())
        {
            let gone: Vec<String> = self
                .shown
                .keys()
                .filter(|id| dashboard.task(id).is_none())
                .cloned()
                .collect();
            for id in &gone {
                self.shown.remove(id);
            }
            plan.remove = gone;
        }
        for task in dashboard.tasks() {
            let cells = RowCells::of(task);
            match self.shown.get_mut(&task.id) {
                Some(shown) => {
                    let change = RowChange::between(shown, &cells);
                    if !change.is_empty() {
                        plan.update.push((task.id.clone(), change));
                        *shown = cells;
                    }
                }
                None if plan.append.len() < max_new => {
                    plan.append.push((task.id.clone(), RowChange::all(&cells)));
                    self.shown.insert(task.id.clone(), cells);
                }
                None => plan.more = true,
            }
        }
        plan
    }
}

/// The first block of a UUID, enough to tell tasks apart on screen.
fn short_id(id: &str) -> String {
    id.split('-').next().unwrap_or(id).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dashboard that saw tasks `ids` created, in that order.
    fn created(ids: &[&str]) -> Dashboard {
        let mut board = Dashboard::default();
        for id in ids {
            board
                .apply(&format!(r#"{{"task":"{id}","event":"created"}}"#))
                .unwrap();
        }
        board
    }

    fn message(task: &str, seq: u64, text: &str, progress: f64) -> String {
        format!(
            r#"{{"task":"{task}","event":"message","seq":{seq},"id":"{seq}","data":{{"message":"{text}","progress":{progress}}}}}"#
        )
    }

    #[test]
    fn new_tasks_are_appended_whole_and_then_only_what_changed_is_updated() {
        let mut board = Dashboard::default();
        let mut screen = RowsOnScreen::default();
        board
            .apply(r#"{"task":"aaaa-1","event":"created","state":"queued"}"#)
            .unwrap();
        let plan = screen.update(&board, 10);
        assert_eq!(plan.append.len(), 1);
        let (id, cells) = &plan.append[0];
        assert_eq!(id, "aaaa-1");
        assert_eq!(cells.name.as_deref(), Some("aaaa"));
        assert_eq!(cells.phase, Some(TaskState::Queued));
        assert_eq!(cells.progress, Some((0.0, "0%".to_owned())));

        assert!(screen.update(&board, 10).is_empty(), "nothing changed");

        board.apply(&message("aaaa-1", 1, "step 1", 50.0)).unwrap();
        let plan = screen.update(&board, 10);
        assert!(plan.append.is_empty() && plan.remove.is_empty());
        assert_eq!(
            plan.update,
            vec![(
                "aaaa-1".to_owned(),
                RowChange {
                    phase: Some(TaskState::Running),
                    progress: Some((50.0, "50%".to_owned())),
                    last_line: Some("step 1".to_owned()),
                    ..RowChange::default()
                }
            )]
        );

        // Same text, new fraction: the bar moves, the label is resent with it.
        board.apply(&message("aaaa-1", 2, "step 1", 50.5)).unwrap();
        let plan = screen.update(&board, 10);
        assert_eq!(plan.update[0].1.progress, Some((50.5, "50%".to_owned())));
        assert_eq!(plan.update[0].1.last_line, None);
    }

    #[test]
    fn tasks_the_dashboard_dropped_are_removed_and_order_follows_the_dashboard() {
        let board = created(&["a", "b"]);
        let mut screen = RowsOnScreen::default();
        let plan = screen.update(&board, 10);
        let order: Vec<&str> = plan.append.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(order, ["a", "b"]);

        // A dashboard that no longer has "a" (as after its bound) and has "c".
        let later = created(&["b", "c"]);
        let plan = screen.update(&later, 10);
        assert_eq!(plan.remove, ["a"]);
        assert!(plan.update.is_empty());
        assert_eq!(plan.append.len(), 1);
        assert_eq!(plan.append[0].0, "c");
    }

    #[test]
    fn rows_beyond_the_cap_come_in_the_next_renders_in_order() {
        let mut board = created(&["a", "b", "c"]);
        let mut screen = RowsOnScreen::default();
        let first = screen.update(&board, 2);
        assert!(first.more);
        board.apply(&message("a", 1, "step 1", 10.0)).unwrap();
        board.apply(r#"{"task":"d","event":"created"}"#).unwrap();
        let second = screen.update(&board, 2);
        let added: Vec<&str> = first
            .append
            .iter()
            .chain(&second.append)
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(added, ["a", "b", "c", "d"]);
        assert!(!second.more);
        assert_eq!(second.update.len(), 1, "the shown row that changed");
    }
}
