//! One reader per node for every live task and the feed: a single blocking
//! `XREAD` over the streams of the tasks this node's viewers watch (and the
//! feed), whose entries go into each task's in-memory view; the node's
//! streams read the views. A thousand viewers of one task on a node cost
//! Redis one reader; a stream older than a view reads its page with `XRANGE`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use axum::body::Bytes;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::StreamReadReply;
use redis::{AsyncConnectionConfig, Client};
use sse_task_protocol::{CLOSE_EVENT_ID, EVENT_CANCELLED, EVENT_FAILED};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::keys::Keys;
use super::rows::{event_from_entry, feed_row_from_entry};
use crate::tasks::events::encode;
use crate::tasks::streams_read::{Read, StreamsRead};
use crate::tasks::Feed;
use crate::tasks::{StoredEvent, TaskRow};

/// Longest one `XREAD` blocks (a view added meanwhile unblocks it at once).
const BLOCK: Duration = Duration::from_secs(2);
/// Entries read per stream and call.
const COUNT: usize = 1024;

/// What this node knows of one task's stored events.
pub struct LiveView {
    read: RwLock<StreamsRead>,
    changes: watch::Sender<u64>,
}

impl LiveView {
    fn new(row: &TaskRow) -> Arc<Self> {
        Arc::new(Self {
            read: RwLock::new(StreamsRead::new(row.last_seq, row.state.is_terminal())),
            changes: watch::Sender::new(row.last_seq),
        })
    }

    /// At most `limit` events after `cursor`, from memory when they are there.
    pub fn read_after(&self, cursor: u64, limit: usize) -> Read {
        match self.read.read() {
            Ok(view) => view.read_after(cursor, limit),
            Err(_) => Read::Ended(None),
        }
    }

    /// Changes of the newest stored seq.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn newest(&self) -> (u64, bool) {
        self.read.read().map_or((0, true), |view| view.newest())
    }

    fn publish(&self, events: &[StoredEvent]) {
        let Some(first) = events.first().map(|event| event.seq) else {
            return;
        };
        let mut bytes = Vec::new();
        let mut ends = Vec::with_capacity(events.len());
        let mut ended = false;
        for event in events {
            encode(event, &mut bytes);
            ends.push(bytes.len());
            ended |= event.wire_id == CLOSE_EVENT_ID
                || event.kind == EVENT_FAILED
                || event.kind == EVENT_CANCELLED;
        }
        let last = first + events.len() as u64 - 1;
        if let Ok(mut view) = self.read.write() {
            if first != view.newest().0 + 1 {
                return;
            }
            view.publish_frames(first, ends, Bytes::from(bytes), ended);
        }
        self.changes.send_replace(last);
    }
}

/// The node's views and its one reader.
pub struct LiveReader {
    keys: Keys,
    feed: Arc<Feed>,
    views: Mutex<HashMap<String, Weak<LiveView>>>,
    /// The reader connection's `CLIENT ID` (0 before it connects).
    reader_id: AtomicI64,
    manager: ConnectionManager,
}

impl LiveReader {
    /// The reader of `keys`' streams into `feed` and the views.
    pub fn new(keys: Keys, feed: Arc<Feed>, manager: ConnectionManager) -> Arc<Self> {
        Arc::new(Self {
            keys,
            feed,
            views: Mutex::new(HashMap::new()),
            reader_id: AtomicI64::new(0),
            manager,
        })
    }

    /// The view of the task whose stored row is `row`, shared by the
    /// node's streams of it; a new one of a running task joins the reader.
    pub fn view(&self, row: &TaskRow) -> Arc<LiveView> {
        let Ok(mut views) = self.views.lock() else {
            return LiveView::new(row);
        };
        if let Some(view) = views.get(&row.id).and_then(Weak::upgrade) {
            return view;
        }
        let view = LiveView::new(row);
        if !row.state.is_terminal() {
            views.insert(row.id.clone(), Arc::downgrade(&view));
            drop(views);
            self.unblock();
        }
        view
    }

    /// Ends the reader's current wait, so that its next one includes a new view.
    fn unblock(&self) {
        let id = self.reader_id.load(Ordering::SeqCst);
        if id == 0 {
            return;
        }
        let mut manager = self.manager.clone();
        tokio::spawn(async move {
            let _: Result<i64, _> = redis::cmd("CLIENT")
                .arg("UNBLOCK")
                .arg(id)
                .query_async(&mut manager)
                .await;
        });
    }

    /// Reads until `shutdown`, connecting again after a failure.
    pub async fn run(self: Arc<Self>, client: Client, shutdown: CancellationToken) {
        loop {
            let outcome = tokio::select! {
                outcome = self.read_on(&client) => outcome,
                () = shutdown.cancelled() => return,
            };
            if let Err(error) = outcome {
                tracing::warn!(%error, "the live reader lost Redis; connecting again");
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
                () = shutdown.cancelled() => return,
            }
        }
    }

    async fn read_on(&self, client: &Client) -> redis::RedisResult<()> {
        let config = AsyncConnectionConfig::new().set_response_timeout(Some(BLOCK * 3));
        let mut connection: MultiplexedConnection = client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        let id: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut connection)
            .await?;
        self.reader_id.store(id, Ordering::SeqCst);
        loop {
            let watched = self.watched();
            let mut command = redis::cmd("XREAD");
            command
                .arg("COUNT")
                .arg(COUNT)
                .arg("BLOCK")
                .arg(BLOCK.as_millis() as u64)
                .arg("STREAMS")
                .arg(self.keys.feed());
            for (task, _) in &watched {
                command.arg(self.keys.events(task));
            }
            command.arg(format!("0-{}", self.feed.newest()));
            for (_, view) in &watched {
                command.arg(format!("0-{}", view.newest().0));
            }
            let reply: Option<StreamReadReply> = command.query_async(&mut connection).await?;
            let Some(reply) = reply else {
                continue;
            };
            for stream in reply.keys {
                if stream.key == self.keys.feed() {
                    let rows: Vec<_> = stream.ids.iter().filter_map(feed_row_from_entry).collect();
                    let next = self.feed.newest() + 1;
                    if rows.first().is_some_and(|row| row.gseq == next) {
                        self.feed.publish(&rows);
                    } else if let Some(last) = rows.last() {
                        // Entries trimmed away: the feed goes on after them.
                        let _ = self.feed.start_at(last.gseq);
                    }
                    continue;
                }
                let events: Vec<_> = stream.ids.iter().filter_map(event_from_entry).collect();
                if let Some((_, view)) = watched
                    .iter()
                    .find(|(task, _)| self.keys.events(task) == stream.key)
                {
                    view.publish(&events);
                }
            }
        }
    }

    /// The views still watched and not ended (the others are forgotten).
    fn watched(&self) -> Vec<(String, Arc<LiveView>)> {
        let Ok(mut views) = self.views.lock() else {
            return Vec::new();
        };
        let mut watched = Vec::new();
        views.retain(|task, view| match view.upgrade() {
            Some(view) if !view.newest().1 => {
                watched.push((task.clone(), view));
                true
            }
            _ => false,
        });
        watched
    }
}
