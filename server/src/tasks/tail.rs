//! The in-memory tail of a task's stored events, already encoded as SSE
//! frames: live streams read from it, so a thousand viewers cost one encoding
//! per event and no database read; a stream whose cursor is older than the
//! tail reads the database instead.
//!
//! Events are kept in chunks (one per committed batch); a stream at a chunk
//! boundary sends the chunk's bytes as they are (a reference count, no copy).

use std::collections::VecDeque;
use std::sync::Arc;

use axum::body::Bytes;

/// Events kept while the task runs.
pub const LIVE_EVENTS: usize = 8192;
/// Events kept once the task ended (late viewers of the end read the database).
pub const ENDED_EVENTS: usize = 256;

struct Chunk {
    /// Seq of the chunk's first event.
    first: u64,
    /// End offset in `bytes` of each event's frame.
    ends: Vec<usize>,
    bytes: Bytes,
    /// Whose each event is (the feed's rows), or empty (a task's events).
    owners: Vec<Arc<str>>,
}

impl Chunk {
    fn last(&self) -> u64 {
        self.first + self.ends.len() as u64 - 1
    }

    /// Where the frame of the chunk's event `index` starts in `bytes`.
    fn start(&self, index: usize) -> usize {
        if index == 0 {
            0
        } else {
            self.ends[index - 1]
        }
    }
}

/// What [`Tail::after`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum TailRead {
    /// Frames of the events after the cursor, and the seq of the last one.
    Frames(Bytes, u64),
    /// The cursor is older than the tail: read the database.
    Older,
    /// Nothing after the cursor yet.
    UpToDate,
}

/// Recent encoded events of one task.
pub struct Tail {
    chunks: VecDeque<Chunk>,
    events: usize,
    /// Seq of the newest event stored (in the tail or before it).
    newest: u64,
}

impl Tail {
    /// An empty tail for a task whose newest stored event is `newest`.
    pub fn new(newest: u64) -> Self {
        Self {
            chunks: VecDeque::new(),
            events: 0,
            newest,
        }
    }

    /// Appends the frames of events `first ..` (`ends` are the frames' end
    /// offsets in `bytes`), then drops old chunks beyond `keep` events.
    pub fn push(&mut self, first: u64, ends: Vec<usize>, bytes: Bytes, keep: usize) {
        if ends.is_empty() {
            return;
        }
        self.push_owned(first, ends, bytes, Vec::new(), keep);
    }

    /// Like [`Tail::push`], each event tagged with its owner (`owners`, one
    /// per event), for [`Tail::after_of`].
    pub fn push_owned(
        &mut self,
        first: u64,
        ends: Vec<usize>,
        bytes: Bytes,
        owners: Vec<Arc<str>>,
        keep: usize,
    ) {
        if ends.is_empty() {
            return;
        }
        let chunk = Chunk {
            first,
            ends,
            bytes,
            owners,
        };
        self.newest = chunk.last();
        self.events += chunk.ends.len();
        self.chunks.push_back(chunk);
        self.trim(keep);
    }

    /// Drops old chunks while more than `keep` events remain without them.
    pub fn trim(&mut self, keep: usize) {
        while self.chunks.len() > 1 && self.events - self.chunks[0].ends.len() >= keep {
            if let Some(old) = self.chunks.pop_front() {
                self.events -= old.ends.len();
            }
        }
    }

    /// Where the events after `cursor` are: their chunk, how many of its
    /// events come before them, and how many of them to take (at most
    /// `limit`); or why there are none to read here.
    fn locate(&self, cursor: u64, limit: usize) -> Result<(&Chunk, usize, usize), TailRead> {
        if cursor >= self.newest {
            return Err(TailRead::UpToDate);
        }
        let chunk = self
            .chunks
            .iter()
            .find(|chunk| chunk.first <= cursor + 1 && cursor < chunk.last())
            .ok_or(TailRead::Older)?;
        let skip = (cursor + 1 - chunk.first) as usize;
        let take = (chunk.ends.len() - skip).min(limit.max(1));
        Ok((chunk, skip, take))
    }

    /// Frames of at most `limit` events after `cursor` (from one chunk).
    pub fn after(&self, cursor: u64, limit: usize) -> TailRead {
        match self.locate(cursor, limit) {
            Ok((chunk, skip, take)) => {
                let frames = chunk
                    .bytes
                    .slice(chunk.start(skip)..chunk.ends[skip + take - 1]);
                TailRead::Frames(frames, cursor + take as u64)
            }
            Err(none) => none,
        }
    }

    /// Like [`Tail::after`], only the frames of `owner`'s events (tagged by
    /// [`Tail::push_owned`]): the seq returned is the last one looked at,
    /// with or without a frame of theirs (empty bytes when none).
    pub fn after_of(&self, cursor: u64, limit: usize, owner: &str) -> TailRead {
        let (chunk, skip, take) = match self.locate(cursor, limit) {
            Ok(found) => found,
            Err(none) => return none,
        };
        let last = cursor + take as u64;
        let owners = chunk.owners.get(skip..skip + take).unwrap_or_default();
        if owners.len() == take && owners.iter().all(|of| &**of == owner) {
            let frames = chunk
                .bytes
                .slice(chunk.start(skip)..chunk.ends[skip + take - 1]);
            return TailRead::Frames(frames, last);
        }
        let mut theirs = Vec::new();
        for (at, of) in owners.iter().enumerate() {
            if &**of == owner {
                let index = skip + at;
                theirs.extend_from_slice(&chunk.bytes[chunk.start(index)..chunk.ends[index]]);
            }
        }
        TailRead::Frames(theirs.into(), last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(first: u64, count: u64) -> (Vec<usize>, Bytes) {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for seq in first..first + count {
            bytes.extend_from_slice(format!("[{seq}]").as_bytes());
            ends.push(bytes.len());
        }
        (ends, bytes.into())
    }

    fn text(read: TailRead) -> (String, u64) {
        match read {
            TailRead::Frames(bytes, last) => (String::from_utf8(bytes.to_vec()).unwrap(), last),
            other => panic!("expected frames, got {other:?}"),
        }
    }

    #[test]
    fn reads_from_any_cursor_within_the_tail_and_sends_whole_chunks_at_boundaries() {
        let mut tail = Tail::new(10);
        let (ends, bytes) = chunk(11, 3);
        tail.push(11, ends, bytes, 100);
        let (ends, bytes) = chunk(14, 2);
        tail.push(14, ends, bytes, 100);
        assert_eq!(tail.after(9, 100), TailRead::Older);
        assert_eq!(text(tail.after(10, 100)), ("[11][12][13]".into(), 13));
        assert_eq!(text(tail.after(11, 100)), ("[12][13]".into(), 13));
        assert_eq!(text(tail.after(11, 1)), ("[12]".into(), 12));
        assert_eq!(text(tail.after(13, 100)), ("[14][15]".into(), 15));
        assert_eq!(tail.after(15, 100), TailRead::UpToDate);
    }

    #[test]
    fn old_chunks_go_once_enough_newer_events_remain() {
        let mut tail = Tail::new(0);
        for first in [1, 4, 7] {
            let (ends, bytes) = chunk(first, 3);
            tail.push(first, ends, bytes, 4);
        }
        assert_eq!(tail.after(0, 100), TailRead::Older);
        assert_eq!(tail.after(2, 100), TailRead::Older);
        assert_eq!(text(tail.after(3, 100)), ("[4][5][6]".into(), 6));
    }

    #[test]
    fn an_owners_read_holds_only_their_frames_and_moves_past_the_others() {
        let mut tail = Tail::new(0);
        let (ends, bytes) = chunk(1, 4);
        let owners = ["al", "bo", "al", "bo"].map(Arc::from).to_vec();
        tail.push_owned(1, ends, bytes, owners, 100);
        assert_eq!(text(tail.after_of(0, 100, "al")), ("[1][3]".into(), 4));
        assert_eq!(text(tail.after_of(1, 1, "al")), ("".into(), 2));
        assert_eq!(text(tail.after_of(2, 1, "al")), ("[3]".into(), 3));
        assert_eq!(text(tail.after_of(0, 100, "cy")), ("".into(), 4));
        assert_eq!(tail.after_of(4, 100, "al"), TailRead::UpToDate);
    }
}
