//! The writer thread's store in the Redis mode: each batch is one pipeline
//! of fenced scripts (one round trip), on a connection of the thread's own
//! that is opened again after a failure. A batch that fails is retried for
//! several seconds, so a Redis that restarts meanwhile loses nothing: a
//! retried event already stored is answered as done, never written twice.

use std::time::Duration;

use redis::{Client, Connection, Script};

use super::keys::Keys;
use super::rows::changing_fields;
use super::scripts::{self, ALREADY, FENCED, GONE, WRITTEN};
use crate::tasks::rows::event_feed_data;
use crate::tasks::writer::{BatchOutcome, BatchStore};
use crate::tasks::{now_rfc3339, StoreError, TaskRow, Write, WriteFailure, Written};

/// Pauses before the later attempts of a failed batch: about 7 s in all,
/// long enough for a Redis restart.
const RETRY_PAUSES: [Duration; 5] = [
    Duration::from_millis(100),
    Duration::from_millis(400),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// This node's writes to Redis.
pub struct RedisBatches {
    client: Client,
    connection: Option<Connection>,
    keys: Keys,
    /// This node: the owner its fenced writes name.
    node: String,
    append: Script,
    update: Script,
}

impl RedisBatches {
    /// Writes of `node` through `client`.
    pub fn new(client: Client, keys: Keys, node: String) -> Self {
        Self {
            client,
            connection: None,
            keys,
            node,
            append: scripts::append(),
            update: scripts::update(),
        }
    }

    fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        if self.connection.is_none() {
            let connection = self
                .client
                .get_connection_with_timeout(Duration::from_secs(2))?;
            connection.set_read_timeout(Some(Duration::from_secs(5)))?;
            connection.set_write_timeout(Some(Duration::from_secs(5)))?;
            let mut connection = connection;
            for source in scripts::sources() {
                redis::cmd("SCRIPT")
                    .arg("LOAD")
                    .arg(source)
                    .exec(&mut connection)?;
            }
            self.connection = Some(connection);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| StoreError::Thread("no Redis connection".into()))
    }
}

/// `"1"` when `row` ends its task (it leaves its owner's active set).
pub fn ends_flag(row: &TaskRow) -> &'static str {
    if row.state.is_terminal() {
        "1"
    } else {
        "0"
    }
}

/// `row` as stored: a row that ends its task is stamped now.
fn stamped(row: &TaskRow) -> (TaskRow, Written) {
    if !row.state.is_terminal() {
        return (row.clone(), Written::Done);
    }
    let finished_at = now_rfc3339();
    let row = TaskRow {
        finished_at: Some(finished_at.clone()),
        ..row.clone()
    };
    (row, Written::Ended { finished_at })
}

impl BatchStore for RedisBatches {
    fn write_batch(
        &mut self,
        batch: &[&Write],
        _last_of_task: &[bool],
    ) -> Result<BatchOutcome, StoreError> {
        let mut pipe = redis::pipe();
        let mut planned = Vec::with_capacity(batch.len());
        for write in batch {
            match write {
                Write::UpdateTask(row) => {
                    let (row, written) = stamped(row);
                    let mut call = self.update.key(self.keys.task(&row.id));
                    call.key(self.keys.active(&row.owner))
                        .arg(&self.node)
                        .arg(&row.id)
                        .arg(ends_flag(&row))
                        .arg(changing_fields(&row));
                    pipe.invoke_script(&call);
                    planned.push(Some(written));
                }
                Write::Append { event, row } => {
                    let (row, written) = stamped(row);
                    let mut call = self.append.key(self.keys.task(&row.id));
                    call.key(self.keys.events(&row.id))
                        .key(self.keys.feed())
                        .key(self.keys.feed_seq())
                        .key(self.keys.active(&row.owner))
                        .arg(&self.node)
                        .arg(&row.id)
                        .arg(event.seq)
                        .arg(&event.wire_id)
                        .arg(&event.kind)
                        .arg(&event.data)
                        .arg(event_feed_data(&row.id, event))
                        .arg(ends_flag(&row))
                        .arg(changing_fields(&row));
                    pipe.invoke_script(&call);
                    planned.push(Some(written));
                }
                Write::Barrier => planned.push(None),
                Write::InsertTask(_) | Write::Exec(_) | Write::DeleteTasks(_) => {
                    return Err(StoreError::Thread(
                        "this write goes to the SQLite store, not to Redis".into(),
                    ))
                }
            }
        }
        let answers: Vec<i64> = match pipe.query(self.connection()?) {
            Ok(answers) => answers,
            Err(error) => {
                // Opened again at the next attempt.
                self.connection = None;
                return Err(error.into());
            }
        };
        let mut answers = answers.into_iter();
        let outcomes = planned
            .into_iter()
            .map(|written| match written {
                None => Ok(Written::Done),
                Some(written) => match answers.next() {
                    Some(WRITTEN | ALREADY) => Ok(written),
                    Some(FENCED) => Err(WriteFailure(
                        "this node no longer runs the task: it ended, or another node took it \
                         over"
                            .into(),
                    )),
                    Some(GONE) => Err(WriteFailure("the task was removed".into())),
                    other => Err(WriteFailure(format!(
                        "Redis refused the write (answer {other:?})"
                    ))),
                },
            })
            .collect();
        // The feed reaches every node's streams through their readers.
        Ok(BatchOutcome {
            writes: outcomes,
            feed: Vec::new(),
        })
    }

    fn retry_pauses(&self) -> &[Duration] {
        &RETRY_PAUSES
    }
}
