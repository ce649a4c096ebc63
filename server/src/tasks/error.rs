//! What can go wrong in a store, in words a user can read; each store turns
//! its own client's errors into it.

use thiserror::Error;

/// What can go wrong in a store (SQLite or Redis).
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite refused a statement.
    #[error("database error: {0}")]
    Sqlite(String),
    /// A task row holds a state name this version does not know.
    #[error("task {0} has an unknown state {1:?} in the database")]
    UnknownState(String, String),
    /// Another thread panicked while holding a lock.
    #[error("database lock poisoned")]
    Poisoned,
    /// The database file was deleted or replaced while the server ran.
    #[error("the database file {0} is gone")]
    FileGone(String),
    /// A database thread could not start or stopped.
    #[error("database thread failed: {0}")]
    Thread(String),
    /// A write failed (after its retries).
    #[error("could not store: {0}")]
    Write(#[from] super::writer::WriteFailure),
    /// The shared store (Redis) failed.
    #[error("Redis: {0}")]
    Redis(String),
}
