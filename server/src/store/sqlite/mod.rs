//! The embedded SQLite store: tasks, their events and the feed of every
//! task (an app may keep tables of its own beside them: [`Database`]).
//!
//! Every task event is written here before any client sees it, so a reconnect
//! (or a restarted server with `--db FILE`) can replay exactly what was sent.
//! One writer thread owns the write connection (`batches.rs` on the
//! store-neutral writer); reads run on blocking threads over their own
//! connections (`reader.rs`), so neither ever holds up the async runtime or
//! each other. The tasks themselves live in memory ([`TaskRegistry`]).

mod batches;
mod connection;
pub(crate) mod queries;
mod reader;
mod registry;
mod sources;

use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;

pub(crate) use connection::Location;
pub(crate) use reader::ReadPool;
pub(crate) use registry::TaskRegistry;

use crate::tasks::rows::FeedSink;
use crate::tasks::writer::{ExecFn, Write, WriteFailure, Writer, Written};

use crate::tasks::StoreError;
/// The SQLite crate the store runs on, for [`Database`] statements.
pub use rusqlite;

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error.to_string())
    }
}

impl ExecFn {
    /// An app's SQLite statements, run on the write connection inside the
    /// batch's transaction (again, if the batch is retried); what they
    /// return is answered as [`Written::Value`].
    pub(crate) fn sqlite(
        statements: impl Fn(&Connection) -> Result<u64, StoreError> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(
            move |connection: &dyn std::any::Any| match connection.downcast_ref::<Connection>() {
                Some(connection) => statements(connection),
                None => Err(StoreError::Sqlite(
                    "SQLite statements reached a store that is not SQLite".into(),
                )),
            },
        ))
    }
}

/// The database: its writer and its readers; cheap to clone.
#[derive(Clone)]
pub struct Db {
    /// Every change goes through it.
    pub writer: Writer,
    /// Every query goes through it.
    pub readers: ReadPool,
    in_memory: bool,
}

impl Db {
    /// Opens (and creates) the database at `path`, or a private in-memory one
    /// for `None`, and starts its writer thread, which tells `feed` of each
    /// batch's new feed rows.
    pub fn open(path: Option<&Path>, feed: Option<FeedSink>) -> Result<Self, StoreError> {
        let location = Location::new(path);
        let conn = location.open_writer()?;
        let identity = location.identity()?;
        let batches = batches::SqliteBatches {
            conn,
            location: location.clone(),
            identity,
        };
        let writer = Writer::start_on(batches, feed)?;
        let readers = ReadPool::open(&location)?;
        Ok(Self {
            writer,
            readers,
            in_memory: path.is_none(),
        })
    }

    /// True for the in-memory database: no other program can write to it.
    pub fn in_memory(&self) -> bool {
        self.in_memory
    }
}

/// The SQLite database of a task server, for an app's own tables beside
/// the tasks': statements run by the server's one writer, in its
/// transactions; queries on its readers. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    db: Db,
}

impl Database {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    /// Runs `statements` on the write connection in the writer's next
    /// transaction (again if it is retried); what they return.
    pub async fn exec(
        &self,
        statements: impl Fn(&Connection) -> Result<u64, StoreError> + Send + Sync + 'static,
    ) -> Result<u64, WriteFailure> {
        match self
            .db
            .writer
            .write(Write::Exec(ExecFn::sqlite(statements)))
            .await?
        {
            Written::Value(value) => Ok(value),
            Written::Done | Written::Ended { .. } => Ok(0),
        }
    }

    /// Runs `query` on a read connection on a blocking thread.
    pub async fn read<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.db.readers.read(query).await
    }

    /// True for a private in-memory database: no other program writes to it.
    pub fn in_memory(&self) -> bool {
        self.db.in_memory()
    }
}
