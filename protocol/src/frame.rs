//! The SSE frame encoding: what the server writes and the client's parser
//! reads back (the library tests its parser against this encoder).

/// What the server sends on an idle stream: a comment (for proxies and the
/// fetch transport, which see every byte) and a `heartbeat` event with the
/// data `{}` (for `EventSource`, which hides comments and dispatches no
/// event without data; it carries no id, so it moves no resume point).
pub const KEEP_ALIVE_FRAME: &[u8] = b": keep-alive\nevent: heartbeat\ndata: {}\n\n";

/// Makes `text` safe for `data:` lines: CR LF and lone CR become LF, so each
/// line of the text becomes exactly one `data:` line and nothing can break the
/// framing.
pub fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Appends one SSE frame to `out`: `id:` when given, `event:` when given,
/// one `data:` line per line of `data` (newlines normalised), and the blank
/// line that dispatches it.
pub fn encode_frame(out: &mut Vec<u8>, id: Option<&str>, event: Option<&str>, data: &str) {
    if let Some(id) = id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.push(b'\n');
    }
    if let Some(event) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(event.as_bytes());
        out.push(b'\n');
    }
    for line in normalize_newlines(data).split('\n') {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// The `retry: ms` frame that tells a client how long to wait before it
/// reconnects after a planned end.
pub fn retry_frame(retry_ms: u128) -> String {
    format!("retry: {retry_ms}\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_has_its_id_event_and_one_data_line_per_line() {
        let mut out = Vec::new();
        encode_frame(&mut out, Some("7"), Some("failed"), "a\r\nb\rc");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id: 7\nevent: failed\ndata: a\ndata: b\ndata: c\n\n"
        );
        let mut out = Vec::new();
        encode_frame(&mut out, None, None, "");
        assert_eq!(out, b"data: \n\n");
        assert_eq!(retry_frame(1500), "retry: 1500\n\n");
    }
}
