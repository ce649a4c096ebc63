//! Our own `text/event-stream` parser, for the fetch transport: bytes in,
//! events out, following WHATWG HTML "Parsing an event stream".
//!
//! - a UTF-8 byte order mark at the very start is skipped;
//! - lines end at CR, LF or CRLF, also when the bytes arrive in chunks that
//!   split a line, a UTF-8 sequence, or a CRLF pair;
//! - `:` starts a comment; a field without `:` has an empty value; one space
//!   after the colon is dropped;
//! - `data` lines are joined with LF; `event` sets the type (empty means
//!   `message`); `id` sets the last event id unless it holds a NUL; `retry`
//!   is used only when it is all ASCII digits; other fields are ignored;
//! - a blank line dispatches the event, unless its data is empty; either
//!   way it sets the last event id (an `id:` without data is reported as
//!   [`SseItem::LastEventId`], since it moves the resume point); the last
//!   event id is kept across events (and connections, by the caller);
//! - an event without its blank line at the end of the stream is discarded;
//! - an event (its data and the line being read) may hold at most the
//!   parser's limit of bytes: beyond it, [`SseParser::feed`] fails with
//!   [`EventTooLarge`] and the caller drops the parser and its memory.
//!
//! Bytes that are not UTF-8 become U+FFFD, as browsers decode them.

use thiserror::Error;

use super::message::RawMessage;

/// What the parser found in the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    /// A complete event.
    Event(RawMessage),
    /// A valid `retry:` field: the reconnection time, in ms.
    Retry(u32),
    /// A blank line ended an event that set an id but had no data: the
    /// last event id is now this (empty: none), and nothing is dispatched.
    LastEventId(String),
}

/// An event grew beyond the parser's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("an event grew beyond {limit} bytes without ending")]
pub struct EventTooLarge {
    /// The limit, in bytes.
    pub limit: usize,
}

/// An incremental parser of one stream. Feed it chunks with [`SseParser::feed`].
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of a line that has not ended yet.
    partial: Vec<u8>,
    /// The previous chunk ended with CR: an LF at the start of the next one
    /// belongs to it.
    after_cr: bool,
    /// Still at the start of the stream, where a BOM may be.
    at_start: bool,
    data: String,
    event_type: String,
    last_event_id: String,
    /// An `id` field was read since the last blank line.
    id_set: bool,
    /// Most bytes one event may hold.
    max_event_bytes: usize,
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

impl SseParser {
    /// A parser at the start of a stream; `last_event_id` is the id carried
    /// over from the previous connection (empty for none).
    #[cfg(test)]
    pub fn new(last_event_id: impl Into<String>) -> Self {
        Self::with_limit(last_event_id, usize::MAX)
    }

    /// A parser whose events hold at most `max_event_bytes`.
    pub fn with_limit(last_event_id: impl Into<String>, max_event_bytes: usize) -> Self {
        Self {
            at_start: true,
            last_event_id: last_event_id.into(),
            max_event_bytes,
            ..Self::default()
        }
    }

    #[cfg(test)]
    /// The last event id seen (or carried over).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Parses `chunk`, pushing what completes to `out`; fails when the
    /// event being read outgrew the limit.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseItem>) -> Result<(), EventTooLarge> {
        self.feed_bytes(chunk, out);
        if self.data.len().saturating_add(self.partial.len()) > self.max_event_bytes {
            self.data = String::new();
            self.partial = Vec::new();
            return Err(EventTooLarge {
                limit: self.max_event_bytes,
            });
        }
        Ok(())
    }

    fn feed_bytes(&mut self, mut chunk: &[u8], out: &mut Vec<SseItem>) {
        if self.at_start {
            // The BOM itself may arrive split over chunks.
            let have = self.partial.len();
            let wanted = (BOM.len() - have).min(chunk.len());
            if chunk[..wanted] == BOM[have..have + wanted] {
                if have + wanted < BOM.len() {
                    self.partial.extend_from_slice(&chunk[..wanted]);
                    return;
                }
                self.partial.clear();
                chunk = &chunk[wanted..];
            } else {
                // Not a BOM after all: what was held is ordinary bytes.
                let held = std::mem::take(&mut self.partial);
                self.at_start = false;
                self.feed_bytes(&held, out);
            }
            self.at_start = false;
        }
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
            }
        }
        while let Some(end) = chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
            let rest_start = if chunk[end] == b'\r' {
                match chunk.get(end + 1) {
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                    None => {
                        self.after_cr = true;
                        end + 1
                    }
                }
            } else {
                end + 1
            };
            if self.partial.is_empty() {
                self.process_line(&chunk[..end], out);
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(&chunk[..end]);
                self.process_line(&line, out);
                line.clear();
                self.partial = line;
            }
            chunk = &chunk[rest_start..];
        }
        self.partial.extend_from_slice(chunk);
    }

    /// The stream ended: an event without its blank line is discarded.
    pub fn finish(&mut self) {
        self.partial.clear();
        self.data.clear();
        self.event_type.clear();
        self.after_cr = false;
        self.id_set = false;
    }

    fn process_line(&mut self, line: &[u8], out: &mut Vec<SseItem>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match name {
            b"data" => {
                // One allocation per event: the buffer moves into the message.
                self.data.reserve(value.len() + 1);
                push_utf8(&mut self.data, value);
                self.data.push('\n');
            }
            b"event" => {
                self.event_type.clear();
                push_utf8(&mut self.event_type, value);
            }
            b"id" if !value.contains(&0) => {
                self.last_event_id.clear();
                push_utf8(&mut self.last_event_id, value);
                self.id_set = true;
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // Absurdly long values saturate rather than wrap.
                let ms = value.iter().fold(0u32, |ms, digit| {
                    ms.saturating_mul(10)
                        .saturating_add(u32::from(digit - b'0'))
                });
                out.push(SseItem::Retry(ms));
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseItem>) {
        let id_set = std::mem::take(&mut self.id_set);
        if self.data.is_empty() {
            self.event_type.clear();
            if id_set {
                out.push(SseItem::LastEventId(self.last_event_id.clone()));
            }
            return;
        }
        self.data.pop();
        let event_type = if self.event_type.is_empty() {
            "message".to_owned()
        } else {
            std::mem::take(&mut self.event_type)
        };
        out.push(SseItem::Event(RawMessage {
            event_type,
            data: std::mem::take(&mut self.data),
            last_event_id: self.last_event_id.clone(),
        }));
    }
}

/// Appends `bytes` decoded as UTF-8, invalid sequences as U+FFFD.
fn push_utf8(into: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => into.push_str(text),
        Err(_) => into.push_str(&String::from_utf8_lossy(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseItem> {
        let mut parser = SseParser::new("");
        let mut out = Vec::new();
        for chunk in chunks {
            parser.feed(chunk, &mut out).unwrap();
        }
        parser.finish();
        out
    }

    #[test]
    fn what_the_servers_encoder_writes_reads_back_as_the_same_messages() {
        let mut bytes = sse_task_protocol::retry_frame(1500).into_bytes();
        let frames = [
            (Some("1"), None, "{\"message\":\"a\"}"),
            (Some("2"), Some("failed"), "line one\r\nline two"),
            (None, Some("delta"), ""),
        ];
        for (id, event, data) in frames {
            sse_task_protocol::encode_frame(&mut bytes, id, event, data);
        }
        // Split mid-frame, as a network would.
        let (first, rest) = bytes.split_at(bytes.len() / 2);
        assert_eq!(
            parse_chunks(&[first, rest]),
            vec![
                SseItem::Retry(1500),
                SseItem::Event(RawMessage::message("{\"message\":\"a\"}", "1")),
                SseItem::Event(RawMessage {
                    event_type: "failed".into(),
                    data: "line one\nline two".into(),
                    last_event_id: "2".into(),
                }),
                SseItem::Event(RawMessage {
                    event_type: "delta".into(),
                    data: String::new(),
                    last_event_id: "2".into(),
                }),
            ]
        );
    }

    fn event(event_type: &str, data: &str, id: &str) -> SseItem {
        SseItem::Event(RawMessage {
            event_type: event_type.into(),
            data: data.into(),
            last_event_id: id.into(),
        })
    }

    /// Every way of cutting `bytes` in two gives the same items as one chunk.
    fn same_at_every_split(bytes: &[u8]) -> Vec<SseItem> {
        let whole = parse_chunks(&[bytes]);
        for cut in 0..=bytes.len() {
            assert_eq!(
                parse_chunks(&[&bytes[..cut], &bytes[cut..]]),
                whole,
                "split at byte {cut} of {:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(parse_chunks(&one_by_one), whole, "one byte at a time");
        whole
    }

    #[test]
    fn cr_lf_and_crlf_end_lines_even_split_across_chunks() {
        let stream = b"data: a\r\n\r\ndata: b\r\rdata: c\n\ndata:d\r\n\r\n";
        assert_eq!(
            same_at_every_split(stream),
            [
                event("message", "a", ""),
                event("message", "b", ""),
                event("message", "c", ""),
                event("message", "d", ""),
            ]
        );
    }

    #[test]
    fn a_bom_at_the_start_is_skipped_and_only_there() {
        let stream = b"\xEF\xBB\xBFdata: one\n\n\xEF\xBB\xBFdata: two\n\n";
        let items = same_at_every_split(stream);
        // The second BOM makes its line a field named "\u{FEFF}data": ignored.
        assert_eq!(items, [event("message", "one", "")]);
        // A stream that starts like a BOM but is not one keeps its bytes.
        assert_eq!(
            same_at_every_split(b"\xEF\xBBdata: x\n\ndata: y\n\n"),
            [event("message", "y", "")]
        );
    }

    #[test]
    fn comments_fields_without_space_or_value_and_multiline_data() {
        let stream = b": keep-alive\ndata:no space\ndata\ndata:  two spaces\n\n";
        assert_eq!(
            same_at_every_split(stream),
            [event("message", "no space\n\n two spaces", "")]
        );
    }

    #[test]
    fn event_types_ids_and_their_rules() {
        let stream = b"event: delta\nid: 7\ndata: x\n\nevent:\ndata: y\n\nid: 8\0bad\ndata: z\n\nid\ndata: w\n\n";
        assert_eq!(
            same_at_every_split(stream),
            [
                event("delta", "x", "7"),
                // An empty event type is `message`; the id carries over.
                event("message", "y", "7"),
                // An id with NUL is ignored.
                event("message", "z", "7"),
                // `id` alone resets the last event id.
                event("message", "w", ""),
            ]
        );
    }

    #[test]
    fn retry_counts_only_when_all_digits() {
        let stream = b"retry: 2000\nretry: 12a\nretry: -5\nretry:\nretry: 99999999999999\n\n";
        assert_eq!(
            same_at_every_split(stream),
            [SseItem::Retry(2000), SseItem::Retry(u32::MAX)]
        );
    }

    #[test]
    fn empty_data_dispatches_nothing_but_still_sets_the_id() {
        let mut parser = SseParser::new("");
        let mut out = Vec::new();
        parser
            .feed(b"id: 41\nevent: failed\n\ndata: after\n\nid\n\n", &mut out)
            .unwrap();
        // The type was reset with the empty event; the id stayed, and moved
        // the resume point (WHATWG sets it at every blank line); an empty
        // `id` resets it.
        assert_eq!(
            out,
            [
                SseItem::LastEventId("41".into()),
                event("message", "after", "41"),
                SseItem::LastEventId(String::new()),
            ]
        );
        assert_eq!(parser.last_event_id(), "");
    }

    #[test]
    fn the_last_event_without_its_blank_line_is_discarded() {
        let mut parser = SseParser::new("3");
        let mut out = Vec::new();
        parser
            .feed(b"data: complete\n\ndata: cut off\n", &mut out)
            .unwrap();
        parser.finish();
        assert_eq!(out, [event("message", "complete", "3")]);
        // A later connection starts clean, with the id carried over.
        parser.feed(b"data: next\n\n", &mut out).unwrap();
        assert_eq!(out[1], event("message", "next", "3"));
    }

    #[test]
    fn an_event_beyond_the_limit_fails_whether_one_endless_line_or_many_lines() {
        let mut out = Vec::new();
        let mut endless = SseParser::with_limit("", 1000);
        let line = [b'x'; 400];
        endless.feed(b"data: ", &mut out).unwrap();
        endless.feed(&line, &mut out).unwrap();
        endless.feed(&line, &mut out).unwrap();
        assert_eq!(
            endless.feed(&line, &mut out),
            Err(EventTooLarge { limit: 1000 })
        );
        let mut many = SseParser::with_limit("", 1000);
        let lines = b"data: 0123456789012345678901234567890123456789\n".repeat(30);
        assert!(many.feed(&lines, &mut out).is_err());
        // Events under the limit, however many, pass.
        let mut fine = SseParser::with_limit("", 1000);
        let events = b"data: 0123456789012345678901234567890123456789\n\n".repeat(1000);
        assert!(fine.feed(&events, &mut out).is_ok());
        assert_eq!(out.len(), 1000);
    }

    #[test]
    fn utf8_split_across_chunks_and_invalid_bytes() {
        let stream = "data: café ☕\n\n".as_bytes();
        assert_eq!(
            same_at_every_split(stream),
            [event("message", "café ☕", "")]
        );
        assert_eq!(
            parse_chunks(&[b"data: caf\xC3( \xFF bytes\n\n"]),
            [event("message", "caf\u{FFFD}( \u{FFFD} bytes", "")]
        );
    }
}
