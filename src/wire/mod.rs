//! Bytes to messages: the SSE parser, which follows WHATWG's "Parsing an
//! event stream", and the readers that say what one message's data means
//! for a task, and the one text encoding of a batch of messages. Pure:
//! native `cargo test` covers every rule.

mod message;
pub(crate) mod message_batch;
mod sse_parser;

pub use message::{parse_message_in, MessageReader, ParsedEvent, RawMessage};
pub use sse_parser::{SseItem, SseParser};
