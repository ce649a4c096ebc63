//! The bounded task log: appending is O(1) and memory stays within its
//! capacities, in lines and in bytes of text; a line longer than
//! [`MAX_LINE_BYTES`] is kept cut, with a marker saying how long it was.

use std::collections::VecDeque;

/// Lines kept by default before older ones are dropped.
pub const DEFAULT_CAPACITY: usize = 10_000;
/// Bytes of text kept by default before older lines are dropped (4 MiB).
pub const DEFAULT_CAPACITY_BYTES: usize = 4 * 1024 * 1024;
/// Longest line kept whole, in bytes; a longer one is cut there.
pub const MAX_LINE_BYTES: usize = 4 * 1024;

/// How a line should be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Normal progress or text.
    Info,
    /// Something odd that did not stop the task (malformed JSON, a reconnect).
    Warning,
    /// The task or the connection failed.
    Error,
}

impl LogLevel {
    /// Lowercase name, used as a CSS class and a `data-level` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Position in the log since it was created (0, 1, 2, ...); stable across drops.
    pub key: u64,
    /// Id of the event the line came from, if it had one.
    pub event_id: Option<String>,
    /// When the line arrived (milliseconds since the epoch).
    pub at_ms: f64,
    /// How to show it.
    pub level: LogLevel,
    /// The text, shown as text (never parsed as HTML).
    pub text: String,
}

/// The newest lines of the log, up to a capacity, and how many were dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLog {
    lines: VecDeque<LogLine>,
    capacity: usize,
    capacity_bytes: usize,
    /// Bytes of text of the kept lines.
    bytes: usize,
    dropped: u64,
    next_key: u64,
}

impl Default for TaskLog {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl TaskLog {
    /// An empty log that keeps at most `capacity` lines (at least one) and
    /// [`DEFAULT_CAPACITY_BYTES`] of text.
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacities(capacity, DEFAULT_CAPACITY_BYTES)
    }

    /// An empty log that keeps at most `capacity` lines (at least one) and
    /// `capacity_bytes` bytes of text (the newest line is always kept).
    pub fn with_capacities(capacity: usize, capacity_bytes: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            lines: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            capacity_bytes,
            bytes: 0,
            dropped: 0,
            next_key: 0,
        }
    }

    /// Appends a line (cut at [`MAX_LINE_BYTES`]), dropping the oldest ones
    /// while either capacity is exceeded. O(1) per line dropped.
    pub fn push(
        &mut self,
        level: LogLevel,
        text: impl Into<String>,
        event_id: Option<String>,
        at_ms: f64,
    ) {
        let mut text = text.into();
        cut_long_line(&mut text);
        if self.lines.len() == self.capacity {
            self.drop_oldest();
        }
        self.bytes += text.len();
        while self.bytes > self.capacity_bytes && !self.lines.is_empty() {
            self.drop_oldest();
        }
        self.lines.push_back(LogLine {
            key: self.next_key,
            event_id,
            at_ms,
            level,
            text,
        });
        self.next_key += 1;
    }

    fn drop_oldest(&mut self) {
        if let Some(line) = self.lines.pop_front() {
            self.bytes -= line.text.len();
            self.dropped += 1;
        }
    }

    /// Removes every line (the dropped count too), keeping keys increasing.
    pub fn clear(&mut self) {
        self.lines.clear();
        self.bytes = 0;
        self.dropped = 0;
    }

    /// The kept lines, oldest first.
    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// Kept lines whose key is at least `key`, oldest first. O(lines returned).
    pub fn lines_from(&self, key: u64) -> impl Iterator<Item = &LogLine> {
        let first = self.lines.front().map_or(self.next_key, |line| line.key);
        let skip = key.saturating_sub(first) as usize;
        self.lines.iter().skip(skip.min(self.lines.len()))
    }

    /// Key of the oldest kept line (the next key when empty).
    pub fn first_key(&self) -> u64 {
        self.lines.front().map_or(self.next_key, |line| line.key)
    }

    /// Key the next line will get.
    pub fn next_key(&self) -> u64 {
        self.next_key
    }

    /// Number of kept lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when no line is kept.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// How many older lines were dropped to stay within capacity.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The most lines kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The most bytes of text kept.
    pub fn capacity_bytes(&self) -> usize {
        self.capacity_bytes
    }

    /// Bytes of text of the kept lines.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The newest line.
    pub fn last(&self) -> Option<&LogLine> {
        self.lines.back()
    }
}

/// Cuts `text` to [`MAX_LINE_BYTES`] (at a character boundary) and says so.
fn cut_long_line(text: &mut String) {
    if text.len() <= MAX_LINE_BYTES {
        return;
    }
    let whole = text.len();
    let mut end = MAX_LINE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.shrink_to_fit();
    text.push_str(&format!(" … [line cut: {whole} bytes]"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_bounded_in_bytes_and_long_lines_are_cut_with_a_marker() {
        let mut log = TaskLog::with_capacities(1000, 20_000);
        for _ in 0..10 {
            log.push(LogLevel::Info, "é".repeat(32_768), None, 0.0);
        }
        let newest = &log.last().unwrap().text;
        assert!(
            newest.ends_with(" … [line cut: 65536 bytes]"),
            "{}",
            &newest[4000..]
        );
        assert!(newest.len() < MAX_LINE_BYTES + 40);
        assert!(log.bytes() <= 20_000, "{}", log.bytes());
        assert_eq!(log.len() as u64 + log.dropped(), 10);
        // 4 KiB and its marker a line: four fit in 20 000 bytes.
        assert_eq!(log.len(), 4);
        // One line larger than the whole capacity is still kept.
        let mut tiny = TaskLog::with_capacities(10, 10);
        tiny.push(LogLevel::Info, "a longer line", None, 0.0);
        assert_eq!(tiny.len(), 1);
    }

    #[test]
    fn keeps_the_newest_lines_and_counts_the_dropped_ones() {
        let mut log = TaskLog::with_capacity(3);
        for i in 0..5 {
            log.push(LogLevel::Info, format!("line {i}"), None, 0.0);
        }
        let texts: Vec<_> = log.lines().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["line 2", "line 3", "line 4"]);
        assert_eq!(log.dropped(), 2);
        assert_eq!(log.first_key(), 2);
        assert_eq!(log.next_key(), 5);
    }

    #[test]
    fn lines_from_a_key_returns_only_the_newer_lines() {
        let mut log = TaskLog::with_capacity(3);
        for i in 0..5 {
            log.push(LogLevel::Info, format!("line {i}"), None, 0.0);
        }
        let from = |key| log.lines_from(key).map(|l| l.key).collect::<Vec<_>>();
        assert_eq!(from(0), [2, 3, 4]);
        assert_eq!(from(4), [4]);
        assert_eq!(from(5), Vec::<u64>::new());
    }
}
