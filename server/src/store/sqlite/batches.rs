//! The SQLite store's batches: one transaction each, on the write
//! connection; each task event also adds its feed row in the same
//! transaction.

use rusqlite::Connection;

use super::connection::{FileIdentity, Location};
use super::queries;
use crate::tasks::rows::{created_feed_data, event_feed_data, now_rfc3339, FeedRow, TaskRow};
use crate::tasks::writer::{BatchOutcome, BatchStore, Write, Written};
use crate::tasks::StoreError;

/// The SQLite store's batches: one transaction each, on the write connection.
pub(super) struct SqliteBatches {
    pub(super) conn: Connection,
    pub(super) location: Location,
    pub(super) identity: Option<FileIdentity>,
}

impl BatchStore for SqliteBatches {
    fn write_batch(
        &mut self,
        batch: &[&Write],
        last_of_task: &[bool],
    ) -> Result<BatchOutcome, StoreError> {
        if let Some(expected) = self.identity {
            if self.location.identity()? != Some(expected) {
                if let Location::File(path) = &self.location {
                    return Err(StoreError::FileGone(path.display().to_string()));
                }
            }
        }
        let tx = self.conn.transaction()?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut feed_rows = Vec::new();
        for (write, last) in batch.iter().zip(last_of_task) {
            outcomes.push(Ok(apply(&tx, write, *last, &mut feed_rows)?));
        }
        tx.commit()?;
        Ok(BatchOutcome {
            writes: outcomes,
            feed: feed_rows,
        })
    }
}

/// Writes a task's row; a row that ends its task gets its `finished_at`
/// stamped now, in the transaction that stores the end.
fn update_task_row(conn: &Connection, row: &TaskRow) -> Result<Written, StoreError> {
    if !row.state.is_terminal() {
        queries::update_task(conn, row)?;
        return Ok(Written::Done);
    }
    let finished_at = now_rfc3339();
    let stamped = TaskRow {
        finished_at: Some(finished_at.clone()),
        ..row.clone()
    };
    queries::update_task(conn, &stamped)?;
    Ok(Written::Ended { finished_at })
}

/// Runs one command in the batch's transaction; an event's task row is
/// written only by the task's last command of the batch (the same
/// transaction, so the stored row always matches the stored events). A new
/// task and each event also get a feed row, added to `feed`.
fn apply(
    conn: &Connection,
    write: &Write,
    last_of_task: bool,
    feed: &mut Vec<FeedRow>,
) -> Result<Written, StoreError> {
    let mut add_to_feed = |task: &TaskRow, data: String| -> Result<(), StoreError> {
        let gseq = queries::insert_feed(conn, &task.id, &task.owner, &data)?;
        feed.push(FeedRow {
            gseq,
            task_id: task.id.clone(),
            owner: task.owner.clone(),
            data,
        });
        Ok(())
    };
    match write {
        Write::InsertTask(row) => {
            queries::insert_task(conn, row)?;
            add_to_feed(row, created_feed_data(row))?;
        }
        Write::UpdateTask(row) => return update_task_row(conn, row),
        Write::Append { event, row } => {
            queries::insert_event(conn, &row.id, event)?;
            add_to_feed(row, event_feed_data(&row.id, event))?;
            if last_of_task {
                return update_task_row(conn, row);
            }
        }
        Write::Exec(exec) => return Ok(Written::Value((exec.0)(conn as &dyn std::any::Any)?)),
        Write::DeleteTasks(ids) => queries::delete_tasks(conn, ids)?,
        Write::Barrier => {}
    }
    Ok(Written::Done)
}

#[cfg(test)]
mod tests {
    use sse_task_protocol::TaskState;

    use super::*;
    use crate::store::sqlite::{queries, Db};

    fn task(state: TaskState, finished_at: Option<&str>) -> TaskRow {
        TaskRow::sample("t", state, finished_at)
    }

    #[tokio::test]
    async fn the_end_of_a_task_is_stamped_when_it_is_stored_not_when_it_was_planned() {
        let db = Db::open(None, None).unwrap();
        let write = |row| db.writer.write(row);
        assert_eq!(
            write(Write::InsertTask(task(TaskState::Queued, None))).await,
            Ok(Written::Done)
        );
        let planned = "2000-01-01T00:00:01.000Z";
        let Ok(Written::Ended { finished_at }) =
            write(Write::UpdateTask(task(TaskState::Completed, Some(planned)))).await
        else {
            panic!("the end was not reported as stamped");
        };
        assert!(finished_at.as_str() > "2026", "stamped now: {finished_at}");
        let stored = db.readers.read_now(queries::all_tasks).unwrap();
        assert_eq!(stored[0].finished_at.as_deref(), Some(finished_at.as_str()));
    }
}
