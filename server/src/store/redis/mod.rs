//! Several server processes on one Redis: every task, its events and the
//! feed live in Redis, so any node serves any task.
//!
//! - A task's events are a stream whose entry ids carry the SSE ids
//!   (`0-<seq>`), so `Last-Event-ID` resumes on any node; the feed likewise
//!   (`0-<gseq>`). Each node reads each live task once and fans it out to
//!   its own viewers ([`live`]).
//! - Jobs are queued in a stream read by one consumer group: any node's
//!   free worker takes the next one; a job whose node stopped renewing its
//!   lease (it died) is claimed by another node and resumes from its last
//!   stored step. Every event write is fenced by the task's owner and seq
//!   ([`scripts`]): nothing is lost or written twice.
//! - Cancel on any node writes the end and tells every node, and the one
//!   running the job stops it.

mod batches;
mod claims;
mod keys;
mod live;
mod rows;
mod scripts;
mod tasks;

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Client;

pub(crate) use tasks::RedisTasks;

use crate::tasks::StoreError;

impl From<redis::RedisError> for StoreError {
    fn from(error: redis::RedisError) -> Self {
        Self::Redis(error.to_string())
    }
}

/// Where the shared store is and how its nodes share the jobs.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `redis://host:port/db`.
    pub url: String,
    /// Prefix of every key (several deployments may share one Redis).
    pub prefix: String,
    /// How long a job stays with a node that stopped renewing its claim
    /// before another node takes it over (nodes renew every third of it).
    pub lease: Duration,
}

impl RedisConfig {
    /// `url` with the default prefix (`sse-task:`) and lease (5 s).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: "sse-task:".into(),
            lease: Duration::from_secs(5),
        }
    }
}

/// Opens `config`'s Redis and checks it answers (`PING`), within 2 s.
pub async fn connect(config: &RedisConfig) -> Result<(Client, ConnectionManager), StoreError> {
    let unreachable = |reason: String| {
        StoreError::Redis(format!("cannot reach Redis at {}: {reason}", config.url))
    };
    let client =
        Client::open(config.url.as_str()).map_err(|error| unreachable(error.to_string()))?;
    let manager_config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(5)))
        .set_number_of_retries(2);
    let connect = ConnectionManager::new_with_config(client.clone(), manager_config);
    let mut manager = tokio::time::timeout(Duration::from_secs(2), connect)
        .await
        .map_err(|_| unreachable("no answer in 2 s".into()))?
        .map_err(|error| unreachable(error.to_string()))?;
    let _: String = redis::cmd("PING")
        .query_async(&mut manager)
        .await
        .map_err(|error| unreachable(error.to_string()))?;
    Ok((client, manager))
}
