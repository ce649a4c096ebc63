//! The job queue every node shares: a Redis stream read by one consumer
//! group. A node with a free worker takes the next job, or first a job
//! whose node stopped renewing its claim for a lease (it died), becomes the
//! task's owner and runs it from its last stored step. While a job runs its
//! node renews the claim every third of the lease and stops the job if the
//! task ended elsewhere or another node took it; a cancel published by any
//! node stops it at once. A job is acknowledged once its task ended.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::{StreamAutoClaimReply, StreamReadReply};
use redis::{AsyncConnectionConfig, Client};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::keys::{Keys, GROUP};
use super::live::LiveReader;
use super::rows::{changing_fields, row_from_hash};
use super::scripts::{self, FENCED, GONE, WRITTEN};
use crate::jobs::queue::{Job, JobQueue};
use crate::tasks::events;
use crate::tasks::rows::event_feed_data;
use crate::tasks::{TaskHandle, TaskRow};

/// How long a take of a new job blocks.
const BLOCK: Duration = Duration::from_secs(1);

/// The jobs this node runs: task id -> (queue entry, handle).
#[derive(Clone, Default)]
pub struct Running(Arc<Mutex<HashMap<String, RunningJob>>>);

/// A job this node runs: its queue entry and its task.
type RunningJob = (String, Arc<TaskHandle>);

impl Running {
    fn insert(&self, task: &str, entry: &str, handle: Arc<TaskHandle>) {
        if let Ok(mut running) = self.0.lock() {
            running.insert(task.to_owned(), (entry.to_owned(), handle));
        }
    }

    fn handle(&self, task: &str) -> Option<Arc<TaskHandle>> {
        let running = self.0.lock().ok()?;
        running.get(task).map(|(_, handle)| Arc::clone(handle))
    }

    fn remove(&self, task: &str) {
        if let Ok(mut running) = self.0.lock() {
            running.remove(task);
        }
    }

    fn contains(&self, task: &str) -> bool {
        self.0
            .lock()
            .is_ok_and(|running| running.contains_key(task))
    }

    fn entries(&self) -> Vec<(String, String)> {
        self.0.lock().map_or_else(
            |_| Vec::new(),
            |running| {
                running
                    .iter()
                    .map(|(task, (entry, _))| (task.clone(), entry.clone()))
                    .collect()
            },
        )
    }

    /// Stops task `task`'s job between two steps, if it runs here.
    fn interrupt(&self, task: &str) {
        let handle = self
            .0
            .lock()
            .ok()
            .and_then(|running| running.get(task).map(|(_, handle)| Arc::clone(handle)));
        if let Some(handle) = handle {
            handle.interrupt();
        }
    }

    /// Stops every job of this node between two steps.
    pub fn interrupt_all(&self) {
        if let Ok(running) = self.0.lock() {
            for (_, handle) in running.values() {
                handle.interrupt();
            }
        }
    }
}

/// What the node's claim loops share.
pub struct Claims {
    /// For the connections that block.
    pub client: Client,
    /// For every other command.
    pub manager: ConnectionManager,
    /// The deployment's keys.
    pub keys: Keys,
    /// This node (its consumer name, the owner its writes name).
    pub node: String,
    /// How long an unrenewed claim lasts.
    pub lease: Duration,
    /// Jobs this node runs at once.
    pub workers: usize,
    /// The job threads.
    pub queue: Arc<JobQueue>,
    /// The jobs running here.
    pub running: Running,
    /// The node's reader, which shows an end Redis refused to store.
    pub live: Arc<LiveReader>,
    /// Fires when the node shuts down.
    pub closing: CancellationToken,
}

/// Starts taking jobs, renewing claims and listening for cancels.
pub fn start(claims: Claims) {
    let claims = Arc::new(claims);
    tokio::spawn(take_jobs(Arc::clone(&claims)));
    tokio::spawn(renew_claims(Arc::clone(&claims)));
    tokio::spawn(listen_for_cancels(claims));
}

async fn take_jobs(claims: Arc<Claims>) {
    let permits = Arc::new(Semaphore::new(claims.workers));
    let mut blocking = None;
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            () = claims.closing.cancelled() => return,
        };
        let next = tokio::select! {
            next = next_job(&claims, &mut blocking) => next,
            () = claims.closing.cancelled() => return,
        };
        match next {
            Ok(Some((entry, task))) => take(&claims, &entry, &task, permit).await,
            Ok(None) => drop(permit),
            Err(error) => {
                tracing::warn!(%error, "cannot take jobs from Redis; trying again");
                blocking = None;
                drop(permit);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(500)) => {}
                    () = claims.closing.cancelled() => return,
                }
            }
        }
    }
}

/// The next job for this node: one abandoned for a lease, else a new one.
async fn next_job(
    claims: &Claims,
    blocking: &mut Option<MultiplexedConnection>,
) -> redis::RedisResult<Option<(String, String)>> {
    let mut manager = claims.manager.clone();
    let abandoned: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
        .arg(claims.keys.jobs())
        .arg(GROUP)
        .arg(&claims.node)
        .arg(claims.lease.as_millis() as u64)
        .arg("0-0")
        .arg("COUNT")
        .arg(1)
        .query_async(&mut manager)
        .await?;
    if let Some(entry) = abandoned.claimed.first() {
        if let Some(task) = entry.get::<String>("task") {
            if !claims.running.contains(&task) {
                tracing::info!(task = %task, node = %claims.node, "taking over a job whose node stopped");
                return Ok(Some((entry.id.clone(), task)));
            }
        }
    }
    if blocking.is_none() {
        let config = AsyncConnectionConfig::new().set_response_timeout(Some(BLOCK * 5));
        *blocking = Some(
            claims
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?,
        );
    }
    let Some(connection) = blocking.as_mut() else {
        return Ok(None);
    };
    let fresh: Option<StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(GROUP)
        .arg(&claims.node)
        .arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(BLOCK.as_millis() as u64)
        .arg("STREAMS")
        .arg(claims.keys.jobs())
        .arg(">")
        .query_async(connection)
        .await?;
    Ok(fresh
        .and_then(|reply| reply.keys.into_iter().next())
        .and_then(|stream| stream.ids.into_iter().next())
        .and_then(|entry| Some((entry.id.clone(), entry.get::<String>("task")?))))
}

/// Becomes task `task`'s owner and hands its job to a job thread (holding
/// `permit` until it returns); a task that ended is acknowledged instead.
async fn take(claims: &Arc<Claims>, entry: &str, task: &str, permit: OwnedSemaphorePermit) {
    let mut manager = claims.manager.clone();
    let script = scripts::take();
    let mut call = script.key(claims.keys.task(task));
    call.key(claims.keys.queued()).arg(&claims.node).arg(task);
    let taken: redis::RedisResult<i64> = call.invoke_async(&mut manager).await;
    let row = match taken {
        Ok(1) => {
            let hash: redis::RedisResult<HashMap<String, String>> = redis::cmd("HGETALL")
                .arg(claims.keys.task(task))
                .query_async(&mut manager)
                .await;
            hash.ok()
                .and_then(|hash| row_from_hash(&hash).ok().flatten())
        }
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(%error, task, "cannot take a job");
            return;
        }
    };
    let Some(row) = row else {
        acknowledge(claims, entry).await;
        return;
    };
    let done_steps = row.step;
    // This node's streams read the task from Redis (`live.rs`), not
    // from the handle: it keeps no frames.
    let handle = TaskHandle::without_frames(row);
    claims.running.insert(task, entry, Arc::clone(&handle));
    let runtime = tokio::runtime::Handle::current();
    let finished = Arc::clone(claims);
    let (entry, task) = (entry.to_owned(), task.to_owned());
    claims.queue.push(Job {
        handle,
        done_steps,
        slot: claims.queue.force_reserve(),
        on_done: Some(Box::new(move || {
            drop(permit);
            runtime.spawn(async move { finish(&finished, &entry, &task).await });
        })),
    });
}

/// After a job returned: acknowledged once its task ended; otherwise (the
/// node is closing, or another node took it over) it stays for whoever runs it.
async fn finish(claims: &Claims, entry: &str, task: &str) {
    let unstored = claims
        .running
        .handle(task)
        .and_then(|handle| Some((handle.row().ok()?, handle.unstored_end()?)));
    if let Some((shown, frame)) = unstored {
        if !claims.closing.is_cancelled() {
            store_the_end(claims, &shown, frame).await;
        }
    }
    claims.running.remove(task);
    if claims.closing.is_cancelled() {
        return;
    }
    let state: redis::RedisResult<Option<String>> = redis::cmd("HGET")
        .arg(claims.keys.task(task))
        .arg("state")
        .query_async(&mut claims.manager.clone())
        .await;
    let ended = match state {
        Ok(Some(state)) => matches!(state.as_str(), "completed" | "failed" | "cancelled"),
        Ok(None) => true,
        Err(_) => false,
    };
    if ended {
        acknowledge(claims, entry).await;
    }
}

/// How long a node waits before it tries again to store an end Redis refused.
const STORE_END_AGAIN: Duration = Duration::from_millis(500);

/// A job ended `shown` (failed) because Redis refused its progress: this
/// node's streams show that end at once, as on SQLite, and the node keeps
/// the job's claim (so no node runs the job again meanwhile) while it tries
/// to store the end, until Redis takes it, the task ended or moved to
/// another node (the claim ran out), or the node closes.
async fn store_the_end(claims: &Claims, shown: &TaskRow, frame: Bytes) {
    claims.live.end_unstored(shown, frame);
    let append = scripts::append();
    loop {
        let mut manager = claims.manager.clone();
        let hash: redis::RedisResult<HashMap<String, String>> = redis::cmd("HGETALL")
            .arg(claims.keys.task(&shown.id))
            .query_async(&mut manager)
            .await;
        let stored = match hash {
            Ok(hash) => match row_from_hash(&hash) {
                Ok(Some(stored)) if !stored.state.is_terminal() => stored,
                // Ended otherwise, or gone.
                _ => break,
            },
            Err(error) => {
                tracing::warn!(%error, task = %shown.id, "cannot read a task from Redis");
                if pause_or_close(claims).await {
                    break;
                }
                continue;
            }
        };
        let (event, ended) = events::stored_end(&stored, shown);
        let mut call = append.key(claims.keys.task(&shown.id));
        call.key(claims.keys.events(&shown.id))
            .key(claims.keys.feed())
            .key(claims.keys.feed_seq())
            .key(claims.keys.active(&stored.owner))
            .arg(&claims.node)
            .arg(&shown.id)
            .arg(event.seq)
            .arg(&event.wire_id)
            .arg(&event.kind)
            .arg(&event.data)
            .arg(event_feed_data(&shown.id, &event))
            .arg("1")
            .arg(changing_fields(&ended));
        let answer: redis::RedisResult<i64> = call.invoke_async(&mut manager).await;
        match answer {
            Ok(WRITTEN | FENCED | GONE) => break,
            // Stored meanwhile (a retried batch): build the end again.
            Ok(_) => continue,
            Err(error) => {
                tracing::warn!(%error, task = %shown.id, "Redis still refuses the end of a task; trying again");
                if pause_or_close(claims).await {
                    break;
                }
            }
        }
    }
    claims.live.forget_unstored(&shown.id);
}

/// Waits [`STORE_END_AGAIN`]; true when the node closes meanwhile.
async fn pause_or_close(claims: &Claims) -> bool {
    tokio::select! {
        () = tokio::time::sleep(STORE_END_AGAIN) => false,
        () = claims.closing.cancelled() => true,
    }
}

async fn acknowledge(claims: &Claims, entry: &str) {
    let mut pipe = redis::pipe();
    pipe.cmd("XACK")
        .arg(claims.keys.jobs())
        .arg(GROUP)
        .arg(entry)
        .ignore();
    pipe.cmd("XDEL").arg(claims.keys.jobs()).arg(entry).ignore();
    let done: redis::RedisResult<()> = pipe.query_async(&mut claims.manager.clone()).await;
    if let Err(error) = done {
        tracing::warn!(%error, entry, "cannot acknowledge a job");
    }
}

/// Every third of the lease: renews the claims of the jobs running here,
/// and stops those whose task ended or moved to another node.
async fn renew_claims(claims: Arc<Claims>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(claims.lease / 3) => {}
            () = claims.closing.cancelled() => return,
        }
        let running = claims.running.entries();
        if running.is_empty() {
            continue;
        }
        let mut pipe = redis::pipe();
        pipe.cmd("XCLAIM")
            .arg(claims.keys.jobs())
            .arg(GROUP)
            .arg(&claims.node)
            .arg(0);
        for (_, entry) in &running {
            pipe.arg(entry);
        }
        pipe.arg("JUSTID").ignore();
        for (task, _) in &running {
            pipe.cmd("HMGET")
                .arg(claims.keys.task(task))
                .arg("state")
                .arg("owner");
        }
        let answers: redis::RedisResult<Vec<(Option<String>, Option<String>)>> =
            pipe.query_async(&mut claims.manager.clone()).await;
        match answers {
            Ok(answers) => {
                for ((task, _), (state, owner)) in running.iter().zip(answers) {
                    let ended = state.is_none_or(|state| {
                        matches!(state.as_str(), "completed" | "failed" | "cancelled")
                    });
                    if ended || owner.as_deref() != Some(claims.node.as_str()) {
                        claims.running.interrupt(task);
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "cannot renew job claims"),
        }
    }
}

/// Stops a job running here as soon as any node cancels its task.
async fn listen_for_cancels(claims: Arc<Claims>) {
    loop {
        let listened = async {
            let mut pubsub = claims.client.get_async_pubsub().await?;
            pubsub.subscribe(claims.keys.control()).await?;
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                if let Ok(task) = message.get_payload::<String>() {
                    claims.running.interrupt(&task);
                }
            }
            Ok::<(), redis::RedisError>(())
        };
        tokio::select! {
            outcome = listened => {
                if let Err(error) = outcome {
                    tracing::warn!(%error, "lost the cancel channel; subscribing again");
                }
            }
            () = claims.closing.cancelled() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            () = claims.closing.cancelled() => return,
        }
    }
}
