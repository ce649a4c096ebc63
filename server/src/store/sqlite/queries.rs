//! The SQL statements, each a function of a connection: the writer and the
//! readers call them on their own connections.

use rusqlite::{params, Connection};
use sse_task_protocol::TaskState;

use crate::tasks::{FeedRow, StoreError, StoredEvent, TaskRow};

const TASK_COLUMNS: &str = "id, label, steps, kind, params, state, step, last_seq, \
                            message, created_at, started_at, finished_at, owner";

/// Inserts a new task row.
pub fn insert_task(conn: &Connection, row: &TaskRow) -> Result<(), StoreError> {
    conn.prepare_cached(&format!(
        "INSERT INTO tasks ({TASK_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        row.id,
        row.label,
        row.steps,
        row.kind,
        row.params,
        row.state.as_str(),
        row.step,
        row.last_seq,
        row.message,
        row.created_at,
        row.started_at,
        row.finished_at,
        row.owner
    ])?;
    Ok(())
}

/// Writes the columns of `row` that change during a task's life.
pub fn update_task(conn: &Connection, row: &TaskRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE tasks SET state = ?2, step = ?3, last_seq = ?4, message = ?5, \
             started_at = ?6, finished_at = ?7 WHERE id = ?1",
    )?
    .execute(params![
        row.id,
        row.state.as_str(),
        row.step,
        row.last_seq,
        row.message,
        row.started_at,
        row.finished_at
    ])?;
    Ok(())
}

/// Inserts one event of a task.
pub fn insert_event(
    conn: &Connection,
    task_id: &str,
    event: &StoredEvent,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO events (task_id, seq, wire_id, kind, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        task_id,
        event.seq,
        event.wire_id,
        event.kind,
        event.data
    ])?;
    Ok(())
}

/// Appends a feed row of a task of `owner`; returns its server-wide
/// sequence number.
pub fn insert_feed(
    conn: &Connection,
    task_id: &str,
    owner: &str,
    data: &str,
) -> Result<u64, StoreError> {
    conn.prepare_cached("INSERT INTO feed (task_id, owner, data) VALUES (?1, ?2, ?3)")?
        .execute(params![task_id, owner, data])?;
    Ok(conn.last_insert_rowid() as u64)
}

/// The newest feed row's sequence number (0 when there is none).
pub fn newest_feed(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(MAX(gseq), 0) FROM feed")?
        .query_row([], |row| row.get::<_, i64>(0))? as u64)
}

/// Up to `limit` feed rows with a gseq in `after+1 ..= up_to`, in order;
/// only those of `owner`'s tasks when given.
pub fn feed_between(
    conn: &Connection,
    after: u64,
    up_to: u64,
    limit: usize,
    owner: Option<&str>,
) -> Result<Vec<FeedRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT gseq, task_id, owner, data FROM feed WHERE gseq > ?1 AND gseq <= ?2 \
         AND (?4 IS NULL OR owner = ?4) ORDER BY gseq LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![after, up_to, limit as i64, owner], |row| {
        Ok(FeedRow {
            gseq: row.get(0)?,
            task_id: row.get(1)?,
            owner: row.get(2)?,
            data: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes tasks, their events and their feed rows.
pub fn delete_tasks(conn: &Connection, ids: &[String]) -> Result<(), StoreError> {
    for id in ids {
        conn.prepare_cached("DELETE FROM feed WHERE task_id = ?1")?
            .execute([id])?;
        conn.prepare_cached("DELETE FROM events WHERE task_id = ?1")?
            .execute([id])?;
        conn.prepare_cached("DELETE FROM tasks WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(())
}

/// Up to `limit` events of `task_id` with a seq in `after+1 ..= up_to`, in order.
pub fn events_between(
    conn: &Connection,
    task_id: &str,
    after: u64,
    up_to: u64,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, wire_id, kind, data FROM events \
         WHERE task_id = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![task_id, after, up_to, limit as i64], |row| {
        Ok(StoredEvent {
            seq: row.get(0)?,
            wire_id: row.get(1)?,
            kind: row.get(2)?,
            data: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every task row, newest first.
pub fn all_tasks(conn: &Connection) -> Result<Vec<TaskRow>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks ORDER BY created_at DESC, rowid DESC"
    ))?;
    let rows = stmt.query_map([], |row| {
        Ok((
            TaskRow {
                id: row.get(0)?,
                label: row.get(1)?,
                steps: row.get(2)?,
                kind: row.get(3)?,
                params: row.get(4)?,
                state: TaskState::Queued,
                step: row.get(6)?,
                last_seq: row.get(7)?,
                message: row.get(8)?,
                created_at: row.get(9)?,
                started_at: row.get(10)?,
                finished_at: row.get(11)?,
                owner: row.get(12)?,
            },
            row.get::<_, String>(5)?,
        ))
    })?;
    let mut tasks = Vec::new();
    for row in rows {
        let (mut task, state) = row?;
        task.state = TaskState::parse(&state)
            .ok_or_else(|| StoreError::UnknownState(task.id.clone(), state))?;
        tasks.push(task);
    }
    Ok(tasks)
}
