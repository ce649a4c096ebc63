//! Opening SQLite connections: the schema, the pragmas, and where the database
//! lives (a file, or a private in-memory database shared by this process's
//! connections), plus the identity of a database file so that a deleted or
//! replaced file is noticed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::tasks::StoreError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    label TEXT,
    steps INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'steps',
    params TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    owner TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
    task_id TEXT NOT NULL REFERENCES tasks(id),
    seq INTEGER NOT NULL,
    wire_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feed (
    gseq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    data TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feed_task ON feed (task_id);
";

/// A database of a version before owners has no `owner` columns: they are
/// added, and its tasks belong to nobody in particular (`''`), which only
/// an operator (or a server that names no users) sees.
const UPGRADE_TO_OWNERS: &str = "
ALTER TABLE tasks ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE feed ADD COLUMN owner TEXT NOT NULL DEFAULT '';
";

/// Indexes on the owner columns (after any upgrade added them).
const OWNER_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS feed_owner ON feed (owner, gseq);
";

/// A database of the first version has the built-in job's `interval_ms`
/// and `fail_at` as columns and no `kind` or `params`: they are added, and
/// its tasks' parameters written from the old columns, so its unfinished
/// tasks resume after an upgrade.
const UPGRADE_FROM_STEP_COLUMNS: &str = "
ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'steps';
ALTER TABLE tasks ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
UPDATE tasks SET params = json_object('steps', steps, 'interval_ms', interval_ms, 'fail_at', fail_at);
";

/// How long one statement waits for another process's lock before it fails
/// (the writer then retries a bounded number of times).
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(1000);

/// Where the database lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// A file (WAL mode: readers never block the writer).
    File(PathBuf),
    /// A private in-memory database, shared by name between this process's
    /// connections (readers use `read_uncommitted`, so they never block the
    /// writer either; they only ask for rows that were already committed).
    Memory(String),
}

impl Location {
    /// `path`, or a fresh in-memory database for `None`.
    pub fn new(path: Option<&Path>) -> Self {
        match path {
            Some(path) => Self::File(path.to_owned()),
            None => Self::Memory(format!(
                "file:sse-mock-{}?mode=memory&cache=shared",
                uuid::Uuid::new_v4().simple()
            )),
        }
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = match self {
            Self::File(path) => Connection::open(path)?,
            Self::Memory(uri) => Connection::open_with_flags(
                uri,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?,
        };
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }

    /// The writer's connection; creates the schema.
    pub fn open_writer(&self) -> Result<Connection, StoreError> {
        let conn = self.open()?;
        if let Self::File(_) = self {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        conn.execute_batch(SCHEMA)?;
        upgrade(&conn)?;
        Ok(conn)
    }

    /// A reader's connection (open the writer first: it creates the schema).
    pub fn open_reader(&self) -> Result<Connection, StoreError> {
        let conn = self.open()?;
        if let Self::Memory(_) = self {
            conn.pragma_update(None, "read_uncommitted", true)?;
        }
        Ok(conn)
    }

    /// The file's identity now (`None` for memory).
    pub fn identity(&self) -> Result<Option<FileIdentity>, StoreError> {
        match self {
            Self::File(path) => FileIdentity::of(path).map(Some),
            Self::Memory(_) => Ok(None),
        }
    }
}

/// Brings a database written by an older version to the current schema.
fn upgrade(conn: &Connection) -> Result<(), StoreError> {
    let has_kind: bool = conn
        .prepare("SELECT 1 FROM pragma_table_info('tasks') WHERE name = 'kind'")?
        .exists([])?;
    if !has_kind {
        conn.execute_batch(&format!("BEGIN; {UPGRADE_FROM_STEP_COLUMNS} COMMIT;"))?;
    }
    let has_owner: bool = conn
        .prepare("SELECT 1 FROM pragma_table_info('tasks') WHERE name = 'owner'")?
        .exists([])?;
    if !has_owner {
        conn.execute_batch(&format!("BEGIN; {UPGRADE_TO_OWNERS} COMMIT;"))?;
    }
    conn.execute_batch(OWNER_INDEXES)?;
    Ok(())
}

/// What tells one file from another that took its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    device: u64,
    inode: u64,
}

impl FileIdentity {
    /// The identity of the file at `path`; [`StoreError::FileGone`] when there is none.
    pub fn of(path: &Path) -> Result<Self, StoreError> {
        let metadata = std::fs::metadata(path)
            .map_err(|_| StoreError::FileGone(path.display().to_string()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Ok(Self {
                device: metadata.dev(),
                inode: metadata.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            Ok(Self {
                device: 0,
                inode: 0,
            })
        }
    }
}
