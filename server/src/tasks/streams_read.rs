//! What a task's streams read: the stored events' frames (the tail), the
//! newest stored seq, and how the task ended. Apart from the handle's main
//! lock, so that a thousand streams reading never hold the lock the job and
//! the writer take for every event.

use axum::body::Bytes;

use super::batch::Batch;
use super::tail::{Tail, TailRead, ENDED_EVENTS, LIVE_EVENTS};

/// What a stream's source has after its cursor (a task's, or the feed's).
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// Frames of stored events, and the seq of the last one.
    Frames(Bytes, u64),
    /// The cursor is older than the in-memory tail: read stored events up to `up_to`.
    Older {
        /// The newest stored seq.
        up_to: u64,
    },
    /// Nothing new yet.
    Waiting,
    /// The source ended and the cursor has its last stored event; an end
    /// that could not be stored has a last frame (without an id) to send.
    Ended(Option<Bytes>),
}

/// The stored part of a task, as streams see it.
pub struct StreamsRead {
    tail: Tail,
    /// The newest stored seq.
    last_seq: u64,
    /// The stored state is final.
    ended: bool,
    /// The last frame of a task whose end could not be stored.
    unstored_end: Option<Bytes>,
}

impl StreamsRead {
    /// A task whose newest stored seq is `last_seq`.
    pub fn new(last_seq: u64, ended: bool) -> Self {
        Self {
            tail: Tail::new(last_seq),
            last_seq,
            ended,
            unstored_end: None,
        }
    }

    /// At most `limit` events after `cursor`, from the tail when they are there.
    pub fn read_after(&self, cursor: u64, limit: usize) -> Read {
        match self.tail.after(cursor, limit) {
            TailRead::Frames(bytes, last) => Read::Frames(bytes, last),
            TailRead::Older => Read::Older {
                up_to: self.last_seq,
            },
            TailRead::UpToDate if self.ended => Read::Ended(self.unstored_end.clone()),
            TailRead::UpToDate => Read::Waiting,
        }
    }

    /// Publishes a stored batch: its frames join the tail (fewer are kept
    /// once the task ended).
    pub fn publish(&mut self, batch: Batch) {
        let ended = batch.row.state.is_terminal();
        let keep = if ended { ENDED_EVENTS } else { LIVE_EVENTS };
        self.tail
            .push(batch.first, batch.ends, batch.bytes.into(), keep);
        self.last_seq = batch.row.last_seq;
        self.ended = ended;
    }

    /// Publishes stored frames read back from a shared store: `ends` are
    /// the end offsets in `bytes` of the frames of seqs `first..`; `ended`
    /// once the last one ends the task.
    pub fn publish_frames(&mut self, first: u64, ends: Vec<usize>, bytes: Bytes, ended: bool) {
        let last = first + ends.len() as u64 - 1;
        let keep = if ended { ENDED_EVENTS } else { LIVE_EVENTS };
        self.tail.push(first, ends, bytes, keep);
        self.last_seq = last;
        self.ended = ended;
    }

    /// The task ended without its end stored: streams send `frame` last.
    pub fn end_unstored(&mut self, last_seq: u64, frame: Bytes) {
        self.last_seq = last_seq;
        self.ended = true;
        self.unstored_end = Some(frame);
    }

    /// True once seq `seq` is stored, or the task ended without it.
    pub fn has_stored(&self, seq: u64) -> bool {
        self.last_seq >= seq || self.unstored_end.is_some()
    }

    /// The newest stored seq, and whether the task ended.
    pub fn newest(&self) -> (u64, bool) {
        (self.last_seq, self.ended)
    }

    /// The last frame of a task whose end could not be stored.
    pub fn unstored_end(&self) -> Option<Bytes> {
        self.unstored_end.clone()
    }
}
