//! Decoding a batch of messages that the JS inbox (`inbox.js`)
//! collected: one string per batch instead of three string copies per event.
//!
//! The inbox joins each event's type, `lastEventId` and data with a carriage
//! return. None of them can hold one: the SSE parser splits lines at CR and
//! LF, so a field value never contains either, and `data:` lines are joined
//! with LF only.

use crate::wire::RawMessage;

/// Separator between fields in a batch (see the module's header).
pub const BATCH_SEPARATOR: char = '\r';

/// The messages in `batch`, oldest first. A trailing incomplete triple (which
/// the inbox never produces) is ignored rather than guessed at.
pub fn decode_batch(batch: &str) -> impl Iterator<Item = RawMessage> + '_ {
    let mut fields = batch.split(BATCH_SEPARATOR);
    std::iter::from_fn(move || {
        let event_type = fields.next()?;
        let last_event_id = fields.next()?;
        let data = fields.next()?;
        Some(RawMessage {
            event_type: event_type.to_owned(),
            data: data.to_owned(),
            last_event_id: last_event_id.to_owned(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_decodes_to_its_messages_in_order_with_empty_and_multiline_fields() {
        let batch = "message\r1\r{\"a\":1}\rfailed\r\rline one\nline two\rmessage\r3\r";
        let messages: Vec<RawMessage> = decode_batch(batch).collect();
        assert_eq!(
            messages,
            vec![
                RawMessage::message("{\"a\":1}", "1"),
                RawMessage {
                    event_type: "failed".into(),
                    data: "line one\nline two".into(),
                    last_event_id: String::new(),
                },
                RawMessage::message("", "3"),
            ]
        );
    }

    #[test]
    fn an_incomplete_triple_is_ignored() {
        assert_eq!(decode_batch("message\r1").count(), 0);
    }
}
