//! Which ended tasks the server stops keeping: older than an age, or beyond
//! a count (the oldest ended first). Running and queued tasks are never
//! chosen, whatever their age.

use std::time::Duration;

use super::rows::TaskRow;

/// How long and how many ended tasks are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Ended tasks are removed once they ended this long ago.
    pub max_age: Duration,
    /// At most this many ended tasks are kept.
    pub max_count: usize,
}

/// The ids of the ended tasks among `rows` that `retention` does not keep,
/// `now` being an RFC 3339 UTC time like the rows' (such strings sort by time).
pub fn expired(rows: &[TaskRow], retention: &Retention, now: &str) -> Vec<String> {
    let cutoff = chrono::DateTime::parse_from_rfc3339(now)
        .ok()
        .and_then(|now| {
            chrono::Duration::from_std(retention.max_age)
                .ok()
                .and_then(|age| now.checked_sub_signed(age))
        })
        .map(|cutoff| {
            cutoff
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        });
    let mut ended: Vec<(&str, &str)> = rows
        .iter()
        .filter(|row| row.state.is_terminal())
        .map(|row| {
            let finished = row.finished_at.as_deref().unwrap_or(&row.created_at);
            (finished, row.id.as_str())
        })
        .collect();
    ended.sort_unstable_by(|a, b| b.cmp(a));
    ended
        .into_iter()
        .enumerate()
        .filter(|(rank, (finished, _))| {
            *rank >= retention.max_count
                || cutoff.as_deref().is_some_and(|cutoff| *finished < cutoff)
        })
        .map(|(_, (_, id))| id.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sse_task_protocol::TaskState;

    fn row(id: &str, state: TaskState, finished: Option<&str>) -> TaskRow {
        TaskRow::sample(id, state, finished)
    }

    #[test]
    fn keeps_running_tasks_and_removes_the_oldest_ended_beyond_age_or_count() {
        let rows = [
            row("running", TaskState::Running, None),
            row("queued", TaskState::Queued, None),
            row(
                "old",
                TaskState::Completed,
                Some("2026-01-01T10:00:00.000Z"),
            ),
            row("mid", TaskState::Failed, Some("2026-01-01T11:30:00.000Z")),
            row(
                "new",
                TaskState::Cancelled,
                Some("2026-01-01T11:59:00.000Z"),
            ),
        ];
        let by_age = Retention {
            max_age: Duration::from_secs(3600),
            max_count: 100,
        };
        assert_eq!(expired(&rows, &by_age, "2026-01-01T12:00:00.000Z"), ["old"]);
        let by_count = Retention {
            max_age: Duration::from_secs(86_400),
            max_count: 1,
        };
        assert_eq!(
            expired(&rows, &by_count, "2026-01-01T12:00:00.000Z"),
            ["mid", "old"]
        );
    }
}
