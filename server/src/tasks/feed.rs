//! The server-wide feed of every task's events (`GET /api/tasks/events`):
//! each committed feed row encoded once as an SSE frame whose id is its
//! server-wide sequence number. The writer pushes every committed batch
//! here (in commit order); multiplexed streams read recent frames from this
//! tail and older ones from the database, like a task's own streams.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::error::StoreError;
use super::rows::{FeedRow, FeedSink};
use super::tail::{Tail, TailRead};
use sse_task_protocol::encode_frame;

/// Feed rows kept in memory (older ones are read from the database): about
/// 0.4 MB of frames with labelled events.
pub const FEED_EVENTS: usize = 1024;

/// The feed's recent frames and a watch of its newest sequence number.
pub struct Feed {
    tail: Mutex<Tail>,
    changes: watch::Sender<u64>,
}

impl Feed {
    /// An empty feed; call [`Feed::start_at`] once the database says where
    /// it ends, before anything is written.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            tail: Mutex::new(Tail::new(0)),
            changes: watch::Sender::new(0),
        })
    }

    /// The feed continues after `newest` (the database's newest row).
    pub fn start_at(&self, newest: u64) -> Result<(), StoreError> {
        *self.tail.lock().map_err(|_| StoreError::Poisoned)? = Tail::new(newest);
        self.changes.send_replace(newest);
        Ok(())
    }

    /// What the database writer calls with each committed batch's rows.
    pub fn sink(self: &Arc<Self>) -> FeedSink {
        let feed = Arc::clone(self);
        Arc::new(move |rows| feed.publish(&rows))
    }

    /// Encodes `rows` (consecutive, in order) and wakes the streams.
    pub fn publish(&self, rows: &[FeedRow]) {
        let Some(first) = rows.first().map(|row| row.gseq) else {
            return;
        };
        let mut bytes = Vec::new();
        let mut ends = Vec::with_capacity(rows.len());
        let mut owners = Vec::with_capacity(rows.len());
        for row in rows {
            encode(row, &mut bytes);
            ends.push(bytes.len());
            owners.push(Arc::from(row.owner.as_str()));
        }
        let newest = first + rows.len() as u64 - 1;
        if let Ok(mut tail) = self.tail.lock() {
            tail.push_owned(first, ends, bytes.into(), owners, FEED_EVENTS);
        }
        self.changes.send_replace(newest);
    }

    /// The newest sequence number published.
    pub fn newest(&self) -> u64 {
        *self.changes.borrow()
    }

    /// Changes of the newest sequence number.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Frames of at most `limit` rows after `cursor`; only those of
    /// `owner`'s tasks when given (the seq is then the last row looked at).
    pub fn after(
        &self,
        cursor: u64,
        limit: usize,
        owner: Option<&str>,
    ) -> Result<TailRead, StoreError> {
        let tail = self.tail.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(match owner {
            None => tail.after(cursor, limit),
            Some(owner) => tail.after_of(cursor, limit, owner),
        })
    }
}

/// One feed row as an SSE frame: `id: <gseq>`, its JSON data, no event name.
pub fn encode(row: &FeedRow, out: &mut Vec<u8>) {
    encode_frame(out, Some(&row.gseq.to_string()), None, &row.data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(gseq: u64) -> FeedRow {
        FeedRow {
            gseq,
            task_id: "t".into(),
            owner: String::new(),
            data: format!("{{\"n\":{gseq}}}"),
        }
    }

    #[test]
    fn frames_carry_the_server_wide_sequence_and_wake_watchers() {
        let feed = Feed::new();
        feed.start_at(4).unwrap();
        let mut changes = feed.subscribe();
        feed.publish(&[row(5), row(6)]);
        assert!(changes.has_changed().unwrap());
        assert_eq!(*changes.borrow_and_update(), 6);
        match feed.after(5, 10, None).unwrap() {
            TailRead::Frames(bytes, last) => {
                assert_eq!(&bytes[..], b"id: 6\ndata: {\"n\":6}\n\n");
                assert_eq!(last, 6);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(feed.after(3, 10, None).unwrap(), TailRead::Older);
        assert_eq!(feed.after(6, 10, None).unwrap(), TailRead::UpToDate);
    }
}
