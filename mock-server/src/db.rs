//! The embedded SQLite store: tasks, their events, and the delta seed's messages.
//!
//! Every task event is written here before any client sees it, so a reconnect
//! (or a restarted server with `--db FILE`) can replay exactly what was sent.
//! One connection behind a mutex: each call is a short statement, and SQLite
//! serialises writers anyway. File databases use WAL with `synchronous=NORMAL`.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{params, Connection};
use sse_task_protocol::TaskState;
use thiserror::Error;

/// What can go wrong in the store.
#[derive(Debug, Error)]
pub enum DbError {
    /// SQLite refused a statement.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A task row holds a state name this version does not know.
    #[error("task {0} has an unknown state {1:?} in the database")]
    UnknownState(String, String),
    /// Another thread panicked while holding the connection.
    #[error("database lock poisoned")]
    Poisoned,
}

/// One stored SSE event of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the task's stream, 1-based, increasing.
    pub seq: u64,
    /// What goes on the `id:` line: the seq, or `CLOSE` for the completion event.
    pub wire_id: String,
    /// The event name (`message`, `failed`, `cancelled`).
    pub kind: String,
    /// The data, JSON text.
    pub data: String,
}

/// A task row.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// The task's UUID.
    pub id: String,
    /// Label given at creation.
    pub label: Option<String>,
    /// Total steps.
    pub steps: u32,
    /// Pause after each step.
    pub interval_ms: u64,
    /// Step that fails on purpose.
    pub fail_at: Option<u32>,
    /// Current state.
    pub state: TaskState,
    /// Last step done.
    pub step: u32,
    /// Seq of the last stored event.
    pub last_seq: u64,
    /// Final message.
    pub message: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 start time.
    pub started_at: Option<String>,
    /// RFC 3339 end time.
    pub finished_at: Option<String>,
}

/// A message of the delta seed's `messages` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaMessage {
    /// Autoincrement id, also the SSE id.
    pub id: u64,
    /// The text.
    pub message: String,
}

/// Shared handle to the database.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    label TEXT,
    steps INTEGER NOT NULL,
    interval_ms INTEGER NOT NULL,
    fail_at INTEGER,
    state TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS events (
    task_id TEXT NOT NULL REFERENCES tasks(id),
    seq INTEGER NOT NULL,
    wire_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message TEXT
);
";

const TASK_COLUMNS: &str = "id, label, steps, interval_ms, fail_at, state, step, last_seq, \
                            message, created_at, started_at, finished_at";

impl Db {
    /// Opens (and creates) the database at `path`, or an in-memory one for `None`.
    pub fn open(path: Option<&Path>) -> Result<Self, DbError> {
        let conn = match path {
            Some(path) => {
                let conn = Connection::open(path)?;
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "NORMAL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, DbError> {
        self.conn.lock().map_err(|_| DbError::Poisoned)
    }

    /// Inserts a new task row.
    pub fn insert_task(&self, row: &TaskRow) -> Result<(), DbError> {
        self.lock()?.execute(
            &format!("INSERT INTO tasks ({TASK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                row.id,
                row.label,
                row.steps,
                row.interval_ms,
                row.fail_at,
                row.state.as_str(),
                row.step,
                row.last_seq,
                row.message,
                row.created_at,
                row.started_at,
                row.finished_at
            ],
        )?;
        Ok(())
    }

    /// Writes the mutable columns of a task row.
    pub fn update_task(&self, row: &TaskRow) -> Result<(), DbError> {
        let conn = self.lock()?;
        write_task_columns(&conn, row)
    }

    /// Appends an event and the task's new columns in one transaction.
    pub fn append_event(&self, row: &TaskRow, event: &StoredEvent) -> Result<(), DbError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO events (task_id, seq, wire_id, kind, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![row.id, event.seq, event.wire_id, event.kind, event.data],
        )?;
        write_task_columns(&tx, row)?;
        tx.commit()?;
        Ok(())
    }

    /// Up to `limit` events of `task_id` with a seq above `after`, in order.
    pub fn events_after(
        &self,
        task_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, DbError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            "SELECT seq, wire_id, kind, data FROM events \
             WHERE task_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![task_id, after, limit as i64], |row| {
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
    pub fn all_tasks(&self) -> Result<Vec<TaskRow>, DbError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks ORDER BY created_at DESC, rowid DESC"
        ))?;
        let rows = stmt.query_map([], |row| {
            Ok((
                TaskRow {
                    id: row.get(0)?,
                    label: row.get(1)?,
                    steps: row.get(2)?,
                    interval_ms: row.get(3)?,
                    fail_at: row.get(4)?,
                    state: TaskState::Queued,
                    step: row.get(6)?,
                    last_seq: row.get(7)?,
                    message: row.get(8)?,
                    created_at: row.get(9)?,
                    started_at: row.get(10)?,
                    finished_at: row.get(11)?,
                },
                row.get::<_, String>(5)?,
            ))
        })?;
        let mut tasks = Vec::new();
        for row in rows {
            let (mut task, state) = row?;
            task.state = TaskState::parse(&state)
                .ok_or_else(|| DbError::UnknownState(task.id.clone(), state))?;
            tasks.push(task);
        }
        Ok(tasks)
    }

    /// Inserts a delta-seed message and returns its id.
    pub fn insert_message(&self, message: &str) -> Result<u64, DbError> {
        let conn = self.lock()?;
        conn.execute("INSERT INTO messages (message) VALUES (?1)", [message])?;
        Ok(conn.last_insert_rowid() as u64)
    }

    /// Delta-seed messages with an id above `after`, in order, at most `limit`.
    pub fn messages_after(&self, after: u64, limit: usize) -> Result<Vec<DeltaMessage>, DbError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, COALESCE(message, '') FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit as i64], |row| {
            Ok(DeltaMessage {
                id: row.get(0)?,
                message: row.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Writes the columns of `row` that change during a task's life.
fn write_task_columns(conn: &Connection, row: &TaskRow) -> Result<(), DbError> {
    conn.execute(
        "UPDATE tasks SET state = ?2, step = ?3, last_seq = ?4, message = ?5, \
             started_at = ?6, finished_at = ?7 WHERE id = ?1",
        params![
            row.id,
            row.state.as_str(),
            row.step,
            row.last_seq,
            row.message,
            row.started_at,
            row.finished_at
        ],
    )?;
    Ok(())
}
