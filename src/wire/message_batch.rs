//! The one text encoding of a batch of messages, wherever messages travel
//! as a string: from the `EventSource`'s JS inbox (`inbox.js` writes it),
//! from the stream worker to the page, and between tabs sharing a stream.
//!
//! Each message is its type, id and data, each followed by a carriage
//! return. No field can hold one: the SSE parser (ours and the browser's)
//! ends a line at CR or LF and joins `data:` lines with LF only. Since every
//! field is terminated, two batches written one after the other are one
//! batch of both.

use super::RawMessage;

/// Ends every field of a batch (see the module's header).
pub const FIELD_END: char = '\r';

/// Appends `message` to `batch`.
pub fn encode_into(batch: &mut String, message: &RawMessage) {
    for field in [&message.event_type, &message.last_event_id, &message.data] {
        debug_assert!(!field.contains(FIELD_END), "an SSE field holds no CR");
        batch.push_str(field);
        batch.push(FIELD_END);
    }
}

/// How many messages `batch` holds; `None` when it is not what
/// [`encode_into`] writes (cut, or not a batch at all).
pub fn count(batch: &str) -> Option<usize> {
    let fields = batch.bytes().filter(|&byte| byte == b'\r').count();
    let whole = batch.is_empty() || batch.ends_with(FIELD_END);
    (whole && fields % 3 == 0).then_some(fields / 3)
}

/// The messages of `batch`, oldest first; `None` when it is not what
/// [`encode_into`] writes (nothing of a broken batch is used).
pub fn decode(batch: &str) -> Option<impl Iterator<Item = RawMessage> + '_> {
    count(batch)?;
    let mut fields = batch.split_terminator(FIELD_END);
    Some(std::iter::from_fn(move || {
        let event_type = fields.next()?;
        let last_event_id = fields.next()?;
        let data = fields.next()?;
        Some(RawMessage {
            event_type: event_type.to_owned(),
            data: data.to_owned(),
            last_event_id: last_event_id.to_owned(),
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: &str, data: &str, id: &str) -> RawMessage {
        RawMessage {
            event_type: kind.into(),
            data: data.into(),
            last_event_id: id.into(),
        }
    }

    fn encoded(messages: &[RawMessage]) -> String {
        let mut batch = String::new();
        for one in messages {
            encode_into(&mut batch, one);
        }
        batch
    }

    #[test]
    fn messages_come_back_as_they_were_with_empty_multiline_and_any_characters() {
        let messages = vec![
            message("message", "{\"a\":1}", "1"),
            message("failed", "line one\nline two;,é😀", ""),
            message("", "", "7"),
            message("message", "", ""),
        ];
        let batch = encoded(&messages);
        assert_eq!(count(&batch), Some(4));
        assert_eq!(decode(&batch).map(Iterator::collect), Some(messages));
        assert_eq!(decode("").map(Iterator::count), Some(0));
    }

    #[test]
    fn two_batches_one_after_the_other_are_one_batch_of_both() {
        let first = [message("message", "a", "1")];
        let second = [message("cancelled", "b\nc", "2")];
        let joined = encoded(&first) + &encoded(&second);
        let both: Vec<RawMessage> = first.iter().chain(&second).cloned().collect();
        assert_eq!(decode(&joined).map(Iterator::collect), Some(both));
    }

    #[test]
    fn what_the_js_inbox_joins_reads_as_its_messages() {
        // inbox.js: [type, lastEventId, data, ...].join("\r") + "\r".
        let from_js = ["message", "1", "{\"a\":1}", "failed", "", "x\ny"].join("\r") + "\r";
        assert_eq!(
            decode(&from_js).map(Iterator::collect),
            Some(vec![
                message("message", "{\"a\":1}", "1"),
                message("failed", "x\ny", ""),
            ])
        );
    }

    #[test]
    fn a_cut_or_foreign_string_is_refused_whole() {
        let batch = encoded(&[message("message", "a", "1"), message("message", "b", "2")]);
        for broken in [&batch[..batch.len() - 1], "message\r1\r", "7,1,1;messagex1"] {
            assert_eq!(count(broken), None, "{broken:?}");
            assert!(decode(broken).is_none(), "{broken:?}");
        }
    }
}
