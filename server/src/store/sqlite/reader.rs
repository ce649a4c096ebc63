//! Read connections, used on tokio's blocking threads: a read never runs on an
//! async thread, and never waits for the writer (WAL for files,
//! `read_uncommitted` for the in-memory database).

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::connection::Location;
use crate::tasks::StoreError;

/// Idle read connections kept for reuse; more are opened under load.
const KEEP_IDLE: usize = 4;

/// A pool of read connections; cheap to clone.
#[derive(Clone)]
pub struct ReadPool {
    location: Location,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl ReadPool {
    /// A pool with one connection open (which keeps an in-memory database alive).
    pub fn open(location: &Location) -> Result<Self, StoreError> {
        let first = location.open_reader()?;
        Ok(Self {
            location: location.clone(),
            idle: Arc::new(Mutex::new(vec![first])),
        })
    }

    /// Runs `query` on a read connection, on a blocking thread.
    pub async fn read<T, F>(&self, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.read_now(query))
            .await
            .map_err(|error| StoreError::Thread(error.to_string()))?
    }

    /// Runs `query` on a read connection on this thread (start-up, tests).
    pub fn read_now<T>(
        &self,
        query: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = match self.idle.lock().map_err(|_| StoreError::Poisoned)?.pop() {
            Some(conn) => conn,
            None => self.location.open_reader()?,
        };
        let result = query(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < KEEP_IDLE {
                idle.push(conn);
            }
        }
        result
    }
}
