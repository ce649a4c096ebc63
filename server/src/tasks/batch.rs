//! A task's writes stored in the writer's current batch and not published
//! yet: the newest stored row and the encoded frames, in order. The handle
//! publishes them at the batch's last reply, so nothing a stream, the API or
//! the job's window sees changes in between.

use super::rows::TaskRow;

/// The stored writes of one batch.
pub struct Batch {
    /// The newest stored row.
    pub row: TaskRow,
    /// The frames, one after the other.
    pub bytes: Vec<u8>,
    /// End offset in `bytes` of each frame.
    pub ends: Vec<usize>,
    /// Seq of the first frame.
    pub first: u64,
}

impl Batch {
    /// A batch whose first stored write gave `row`.
    pub fn new(row: TaskRow) -> Self {
        Self {
            row,
            bytes: Vec::new(),
            ends: Vec::new(),
            first: 0,
        }
    }

    /// Adds a stored write: its row, and its frame `(seq, bytes)` when it
    /// stored an event.
    pub fn add(&mut self, row: TaskRow, frame: Option<(u64, Vec<u8>)>) {
        self.row = row;
        if let Some((seq, bytes)) = frame {
            if self.ends.is_empty() {
                self.first = seq;
            }
            self.bytes.extend_from_slice(&bytes);
            self.ends.push(self.bytes.len());
        }
    }
}
