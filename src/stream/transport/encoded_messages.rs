//! Messages encoded as one string, for another tab or a worker:
//! `<type bytes>,<data bytes>,<id bytes>;` followed by the three strings,
//! so data may hold any character (pure, tested natively).

use crate::wire::RawMessage;

/// Appends `message` to `out`, encoded.
pub(crate) fn encode_into(out: &mut String, message: &RawMessage) {
    use std::fmt::Write;
    let _ = write!(
        out,
        "{},{},{};",
        message.event_type.len(),
        message.data.len(),
        message.last_event_id.len()
    );
    out.push_str(&message.event_type);
    out.push_str(&message.data);
    out.push_str(&message.last_event_id);
}

/// The messages in `encoded`, in order; `None` when it is not what
/// [`encode_into`] writes (nothing of a broken batch is used).
pub(crate) fn decode(mut encoded: &str) -> Option<Vec<RawMessage>> {
    let mut messages = Vec::new();
    while !encoded.is_empty() {
        let (head, rest) = encoded.split_once(';')?;
        let mut lengths = head.split(',').map(str::parse::<usize>);
        let (Some(Ok(kind)), Some(Ok(data)), Some(Ok(id)), None) = (
            lengths.next(),
            lengths.next(),
            lengths.next(),
            lengths.next(),
        ) else {
            return None;
        };
        let take = |text: &mut &str, bytes: usize| -> Option<String> {
            let piece = text.get(..bytes)?.to_owned();
            *text = &text[bytes..];
            Some(piece)
        };
        let mut rest = rest;
        messages.push(RawMessage {
            event_type: take(&mut rest, kind)?,
            data: take(&mut rest, data)?,
            last_event_id: take(&mut rest, id)?,
        });
        encoded = rest;
    }
    Some(messages)
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

    #[test]
    fn messages_come_back_as_they_were_whatever_their_characters() {
        let messages = vec![
            message("message", "{\"a\":1}", "1"),
            message("failed", "line\nwith;commas,and é😀", ""),
            message("", "", "7"),
        ];
        let mut encoded = String::new();
        for m in &messages {
            encode_into(&mut encoded, m);
        }
        assert_eq!(decode(&encoded), Some(messages));
        assert_eq!(decode(""), Some(vec![]));
        // Cut or forged batches are refused whole.
        assert_eq!(decode(&encoded[..encoded.len() - 1]), None);
        assert_eq!(decode("3,1;abc"), None);
        assert_eq!(decode("1,1,1;é"), None);
    }
}
