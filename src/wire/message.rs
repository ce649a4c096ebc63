//! Reading one SSE message: the coreBOS JSON, the close markers, the named
//! `failed` / `cancelled` events, plain text, and malformed JSON.

use std::fmt;
use std::sync::Arc;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use sse_task_protocol::{CLOSE_DATA, CLOSE_EVENT_ID, EVENT_CANCELLED, EVENT_FAILED};

use crate::words::{Labels, Word};

/// An event as the `EventSource` delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawMessage {
    /// The event type (`message` unless the server named it).
    pub event_type: String,
    /// The data, `data:` lines joined with `\n`.
    pub data: String,
    /// The `lastEventId` (empty when the server never sent an id).
    pub last_event_id: String,
}

impl RawMessage {
    /// A default-typed `message` event.
    pub fn message(data: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            event_type: "message".into(),
            data: data.into(),
            last_event_id: id.into(),
        }
    }
}

/// What a message means for the task.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedEvent {
    /// A log message and/or a new percentage.
    Progress {
        /// Text for the log.
        message: Option<String>,
        /// The new percentage (not yet clamped).
        progress: Option<f64>,
    },
    /// Text that is not JSON: one plain log line.
    Text(String),
    /// Text that looks like JSON but does not parse: shown as a warning.
    Malformed(String),
    /// The task is complete (`id: CLOSE` or `__CLOSE_SSE__`).
    Completed {
        /// The completion message, if any.
        message: Option<String>,
    },
    /// The server reports a failure (`failed` event).
    Failed {
        /// The server's message.
        message: String,
    },
    /// The server reports a cancellation (`cancelled` event).
    Cancelled {
        /// The server's message.
        message: String,
    },
}

/// How the data of an ordinary (non-terminal) message is read.
#[derive(Clone, Default)]
pub enum MessageReader {
    /// JSON `{"message", "progress"}` (the classic PHP progress script's
    /// format; also `msg`), falling back to plain text. The default.
    #[default]
    Json,
    /// Every message is a plain line of text.
    PlainText,
    /// Your own reader.
    Custom(Arc<dyn Fn(&RawMessage) -> ParsedEvent + Send + Sync>),
}

impl fmt::Debug for MessageReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json => f.write_str("Json"),
            Self::PlainText => f.write_str("PlainText"),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// Reads `raw` with `reader`. The close markers and the `failed` /
/// `cancelled` events are recognised whatever the reader. The server's
/// coded messages (`"code": "step"`, ...) are said in `labels`' words
/// where `labels` set the code's word; otherwise in the server's own.
pub fn parse_message_in(raw: &RawMessage, reader: &MessageReader, labels: &Labels) -> ParsedEvent {
    if raw.event_type == EVENT_FAILED {
        return ParsedEvent::Failed {
            message: message_of(&raw.data, labels).unwrap_or_else(|| raw.data.clone()),
        };
    }
    if raw.event_type == EVENT_CANCELLED {
        return ParsedEvent::Cancelled {
            message: message_of(&raw.data, labels).unwrap_or_else(|| raw.data.clone()),
        };
    }
    if raw.data == CLOSE_DATA {
        return ParsedEvent::Completed { message: None };
    }
    if raw.last_event_id == CLOSE_EVENT_ID {
        return ParsedEvent::Completed {
            message: message_of(&raw.data, labels),
        };
    }
    match reader {
        MessageReader::Json => read_json_progress(&raw.data, labels),
        MessageReader::PlainText => ParsedEvent::Text(raw.data.clone()),
        MessageReader::Custom(read) => read(raw),
    }
}

/// The fields the coreBOS reader looks at, as their JSON text (no JSON tree
/// is built); anything else is ignored.
#[derive(Deserialize)]
struct JsonProgressData<'a> {
    #[serde(default, borrow)]
    message: Option<&'a RawValue>,
    #[serde(default, borrow)]
    msg: Option<&'a RawValue>,
    #[serde(default, borrow)]
    progress: Option<&'a RawValue>,
    /// The message's code, for words of the page's language (read
    /// leniently, as every field: a server's own `step` of another type
    /// must not make its message malformed).
    #[serde(default, borrow)]
    code: Option<&'a RawValue>,
    #[serde(default, borrow)]
    step: Option<&'a RawValue>,
    #[serde(default, borrow)]
    steps: Option<&'a RawValue>,
    #[serde(default, borrow)]
    label: Option<&'a RawValue>,
}

fn read_json_progress(data: &str, labels: &Labels) -> ParsedEvent {
    let trimmed = data.trim();
    if !trimmed.starts_with('{') {
        return match serde_json::from_str::<IgnoredAny>(trimmed) {
            Err(_) if trimmed.starts_with('[') => ParsedEvent::Malformed(data.to_owned()),
            _ => ParsedEvent::Text(data.to_owned()),
        };
    }
    let Ok(fields) = serde_json::from_str::<JsonProgressData>(trimmed) else {
        return ParsedEvent::Malformed(data.to_owned());
    };
    let translated = fields
        .code
        .and_then(string)
        .and_then(|code| Word::for_message_code(&code))
        .filter(|word| labels.sets(*word))
        .map(|word| {
            let whole =
                |value: Option<&RawValue>| value.map_or(String::new(), |v| v.get().to_owned());
            let values = [("step", whole(fields.step)), ("steps", whole(fields.steps))];
            let values = values
                .each_ref()
                .map(|(name, value)| (*name, value.as_str()));
            let words = labels.say(word, &values);
            match fields.label.and_then(string) {
                Some(label) => labels.say(
                    Word::MessageLabelled,
                    &[("label", &label), ("message", &words)],
                ),
                None => words,
            }
        });
    let message = translated.or_else(|| {
        fields
            .message
            .or(fields.msg)
            .map(|value| string(value).unwrap_or_else(|| value.get().to_owned()))
    });
    let progress = fields.progress.and_then(number);
    if message.is_none() && progress.is_none() {
        ParsedEvent::Text(data.to_owned())
    } else {
        ParsedEvent::Progress { message, progress }
    }
}

/// The `message` (or `msg`) field of JSON data, if it has one.
fn message_of(data: &str, labels: &Labels) -> Option<String> {
    match read_json_progress(data, labels) {
        ParsedEvent::Progress { message, .. } => message,
        _ => None,
    }
}

/// A JSON string's text; `None` for any other JSON value. A string without
/// escapes is its raw text between the quotes (the common case, and the
/// hot path of a flood); one with escapes is decoded by the JSON parser.
fn string(value: &RawValue) -> Option<String> {
    let raw = value.get();
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(inner.to_owned());
    }
    serde_json::from_str(raw).ok()
}

/// A JSON number, or a string holding one; finite only. (Read by the JSON
/// parser in both cases: `str::parse::<f64>` would add its own 10 KB of
/// tables to the wasm.)
fn number(value: &RawValue) -> Option<f64> {
    // Only a string is read as one: a failed attempt costs an error value.
    let from_string = value
        .get()
        .starts_with('"')
        .then(|| string(value))
        .flatten();
    let text = from_string.as_deref().unwrap_or(value.get());
    serde_json::from_str::<f64>(text.trim())
        .ok()
        .filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_message(raw: &RawMessage, reader: &MessageReader) -> ParsedEvent {
        parse_message_in(raw, reader, &Labels::english())
    }

    fn parse(data: &str, id: &str) -> ParsedEvent {
        parse_message(&RawMessage::message(data, id), &MessageReader::Json)
    }

    #[test]
    fn a_coded_message_is_said_in_the_labels_words_with_its_tasks_label() {
        let spanish = Labels::english()
            .with(Word::MessageStep, "paso {step} de {steps}")
            .with(Word::MessageLabelled, "{label} — {message}");
        let coded = RawMessage::message(
            r#"{"message":"import: step 2 of 5","progress":40,"code":"step","step":2,"steps":5,"label":"import"}"#,
            "2",
        );
        let read = |labels: &Labels| parse_message_in(&coded, &MessageReader::Json, labels);
        assert_eq!(
            read(&spanish),
            ParsedEvent::Progress {
                message: Some("import — paso 2 de 5".into()),
                progress: Some(40.0)
            }
        );
        assert_eq!(
            read(&Labels::english()),
            ParsedEvent::Progress {
                message: Some("import: step 2 of 5".into()),
                progress: Some(40.0)
            },
            "English labels show the server's own text"
        );
    }

    #[test]
    fn corebos_json_gives_message_and_progress() {
        assert_eq!(
            parse(r#"{"message":"on iteration 3 of 10","progress":30}"#, "3"),
            ParsedEvent::Progress {
                message: Some("on iteration 3 of 10".into()),
                progress: Some(30.0)
            }
        );
    }

    #[test]
    fn close_id_and_openacs_marker_complete() {
        assert_eq!(
            parse(r#"{"message":"Process complete"}"#, "CLOSE"),
            ParsedEvent::Completed {
                message: Some("Process complete".into())
            }
        );
        assert_eq!(
            parse("__CLOSE_SSE__", ""),
            ParsedEvent::Completed { message: None }
        );
    }

    #[test]
    fn named_failed_and_cancelled_events_carry_the_server_message() {
        let failed = RawMessage {
            event_type: "failed".into(),
            data: r#"{"message":"step 3 of 5 failed","progress":60}"#.into(),
            last_event_id: "3".into(),
        };
        assert_eq!(
            parse_message(&failed, &MessageReader::Json),
            ParsedEvent::Failed {
                message: "step 3 of 5 failed".into()
            }
        );
        let cancelled = RawMessage {
            event_type: "cancelled".into(),
            data: "plain words".into(),
            last_event_id: String::new(),
        };
        assert_eq!(
            parse_message(&cancelled, &MessageReader::PlainText),
            ParsedEvent::Cancelled {
                message: "plain words".into()
            }
        );
    }

    #[test]
    fn text_is_a_line_and_broken_json_is_malformed() {
        assert_eq!(
            parse("<li>finish 1</li>", ""),
            ParsedEvent::Text("<li>finish 1</li>".into())
        );
        assert_eq!(
            parse(r#"{"message": "broken"#, "2"),
            ParsedEvent::Malformed(r#"{"message": "broken"#.into())
        );
        assert_eq!(parse("42", ""), ParsedEvent::Text("42".into()));
    }

    #[test]
    fn delta_seed_multiline_json_reads_its_msg_field() {
        assert_eq!(
            parse("{\n\"msg\": \"hello world\", \n\"id\": 1\n}", "1"),
            ParsedEvent::Progress {
                message: Some("hello world".into()),
                progress: None
            }
        );
    }

    #[test]
    fn progress_may_be_a_numeric_string_and_a_message_any_json() {
        assert_eq!(
            parse(r#"{"message":{"rows":3},"progress":" 45.5 "}"#, "4"),
            ParsedEvent::Progress {
                message: Some(r#"{"rows":3}"#.into()),
                progress: Some(45.5)
            }
        );
        assert_eq!(
            parse(r#"{"message":"a \"quoted\" word","progress":"soon"}"#, "5"),
            ParsedEvent::Progress {
                message: Some(r#"a "quoted" word"#.into()),
                progress: None
            }
        );
        assert_eq!(
            parse(r#"{"message":"huge","progress":1e400}"#, "6"),
            ParsedEvent::Progress {
                message: Some("huge".into()),
                progress: None
            }
        );
    }
}
