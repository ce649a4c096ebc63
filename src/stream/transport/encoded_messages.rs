//! Records of strings encoded as one string, for another tab or a worker:
//! `<bytes>,<bytes>,...;` followed by the strings, so a field may hold any
//! character; a message is the record of its type, data and id (pure,
//! tested natively).

use crate::wire::RawMessage;

/// Appends `fields` to `out` as one record: their byte lengths, comma
/// separated, a `;`, then the fields themselves.
pub(crate) fn encode_record(out: &mut String, fields: &[&str]) {
    use std::fmt::Write;
    for (i, field) in fields.iter().enumerate() {
        let _ = write!(out, "{}{}", if i > 0 { "," } else { "" }, field.len());
    }
    out.push(';');
    for field in fields {
        out.push_str(field);
    }
}

/// Takes one record of exactly `N` fields off the front of `text`; `None`
/// when it is not what [`encode_record`] writes.
pub(crate) fn decode_record<'a, const N: usize>(text: &mut &'a str) -> Option<[&'a str; N]> {
    let (head, mut rest) = text.split_once(';')?;
    let mut lengths = head.split(',').map(str::parse::<usize>);
    let mut fields = [""; N];
    for field in &mut fields {
        let length = lengths.next()?.ok()?;
        *field = rest.get(..length)?;
        rest = &rest[length..];
    }
    if lengths.next().is_some() {
        return None;
    }
    *text = rest;
    Some(fields)
}

/// Appends `message` to `out`, encoded.
pub(crate) fn encode_into(out: &mut String, message: &RawMessage) {
    encode_record(
        out,
        &[&message.event_type, &message.data, &message.last_event_id],
    );
}

/// The messages in `encoded`, in order; `None` when it is not what
/// [`encode_into`] writes (nothing of a broken batch is used).
pub(crate) fn decode(mut encoded: &str) -> Option<Vec<RawMessage>> {
    let mut messages = Vec::new();
    while !encoded.is_empty() {
        let [event_type, data, last_event_id] = decode_record::<3>(&mut encoded)?;
        messages.push(RawMessage {
            event_type: event_type.to_owned(),
            data: data.to_owned(),
            last_event_id: last_event_id.to_owned(),
        });
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
