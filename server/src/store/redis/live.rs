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
    /// An end this node could not store, after its stored seq: applied
    /// once the view has read up to it.
    unstored_end: Mutex<Option<(u64, Bytes)>>,
}

impl LiveView {
    fn new(row: &TaskRow) -> Arc<Self> {
        Arc::new(Self {
            read: RwLock::new(StreamsRead::new(row.last_seq, row.state.is_terminal())),
            changes: watch::Sender::new(row.last_seq),
            unstored_end: Mutex::new(None),
        })
    }

    /// The task ended after its stored seq `last_seq` without its end
    /// stored: once the view has every stored event, streams send `frame`
    /// last.
    fn end_unstored(&self, last_seq: u64, frame: Bytes) {
        if let Ok(mut end) = self.unstored_end.lock() {
            *end = Some((last_seq, frame));
        }
        self.apply_unstored_end();
    }

    fn apply_unstored_end(&self) {
        let Ok(mut end) = self.unstored_end.lock() else {
            return;
        };
        let Some((last_seq, _)) = end.as_ref() else {
            return;
        };
        let Ok(mut view) = self.read.write() else {
            return;
        };
        if view.newest().0 < *last_seq {
            return;
        }
        if let Some((last_seq, frame)) = end.take() {
            view.end_unstored(last_seq, frame);
            drop(view);
            self.changes.send_replace(last_seq);
        }
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
        self.apply_unstored_end();
    }
}

/// The node's views and its one reader.
pub struct LiveReader {
    keys: Keys,
    feed: Arc<Feed>,
    views: Mutex<HashMap<String, Weak<LiveView>>>,
    /// Ends of this node's jobs that Redis refused to store, by task: the
    /// row as the job left it, ended `failed`, and the frame that says so.
    unstored: Mutex<HashMap<String, (TaskRow, Bytes)>>,
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
            unstored: Mutex::new(HashMap::new()),
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
        if let Some((shown, frame)) = self.unstored_of(&row.id) {
            view.end_unstored(shown.last_seq, frame);
        }
        if !row.state.is_terminal() {
            views.insert(row.id.clone(), Arc::downgrade(&view));
            drop(views);
            self.unblock();
        }
        view
    }

    /// A job of this node ended `shown` (failed) without Redis storing it:
    /// until [`LiveReader::forget_unstored`], this node shows the task so
    /// and its streams end with `frame`, as on SQLite.
    pub fn end_unstored(&self, shown: &TaskRow, frame: Bytes) {
        if let Ok(mut unstored) = self.unstored.lock() {
            unstored.insert(shown.id.clone(), (shown.clone(), frame.clone()));
        }
        let view = self
            .views
            .lock()
            .ok()
            .and_then(|views| views.get(&shown.id).and_then(Weak::upgrade));
        if let Some(view) = view {
            view.end_unstored(shown.last_seq, frame);
        }
    }

    /// The end of `task` is stored now, or moot (another node took the
    /// task over): the stored row is the truth again, read afresh.
    pub fn forget_unstored(&self, task: &str) {
        if let Ok(mut unstored) = self.unstored.lock() {
            unstored.remove(task);
        }
        if let Ok(mut views) = self.views.lock() {
            views.remove(task);
        }
    }

    /// The row this node shows for `stored`: as stored, unless one of its
    /// jobs ended it without Redis storing the end (and nothing was stored
    /// since).
    pub fn shown_row(&self, stored: TaskRow) -> TaskRow {
        match self.unstored_of(&stored.id) {
            Some((shown, _))
                if !stored.state.is_terminal() && stored.last_seq == shown.last_seq =>
            {
                shown
            }
            _ => stored,
        }
    }

    /// True while task `task` ended here without its end stored.
    pub fn has_unstored_end(&self, task: &str) -> bool {
        self.unstored_of(task).is_some()
    }

    fn unstored_of(&self, task: &str) -> Option<(TaskRow, Bytes)> {
        self.unstored.lock().ok()?.get(task).cloned()
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
