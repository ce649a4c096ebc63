//! The words that name a transport and a message reader, as attributes,
//! query strings and menus spell them, read and written in this one place.

use super::fetch_options::{FetchOptions, Transport};
use crate::wire::MessageReader;

/// A transport by name: `eventsource` (the default), `fetch`, or
/// `fetch-worker` (`fetch` read off the main thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransportKind {
    /// The browser's `EventSource`.
    #[default]
    EventSource,
    /// `fetch` with our own parser.
    Fetch,
    /// `fetch` with our own parser, in the page's stream worker.
    FetchWorker,
}

impl TransportKind {
    /// Every kind, the default first.
    pub const ALL: [TransportKind; 3] = [Self::EventSource, Self::Fetch, Self::FetchWorker];

    /// Its name: `eventsource`, `fetch` or `fetch-worker`.
    pub fn name(self) -> &'static str {
        match self {
            Self::EventSource => "eventsource",
            Self::Fetch => "fetch",
            Self::FetchWorker => "fetch-worker",
        }
    }

    /// The kind called `name`, when there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The names, for a message that lists them: `eventsource, fetch, fetch-worker`.
    pub fn names() -> &'static str {
        "eventsource, fetch, fetch-worker"
    }

    /// The transport of this kind, `fetch` with default options.
    pub fn transport(self) -> Transport {
        match self {
            Self::EventSource => Transport::EventSource,
            Self::Fetch => Transport::Fetch(FetchOptions::default()),
            Self::FetchWorker => Transport::Fetch(FetchOptions::default().off_main_thread(true)),
        }
    }
}

/// A message reader by name: `json` (the coreBOS JSON, also spelled
/// `corebos`; the default) or `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReaderKind {
    /// [`MessageReader::Json`].
    #[default]
    Json,
    /// [`MessageReader::PlainText`].
    Text,
}

impl ReaderKind {
    /// Its name: `json` or `text`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Text => "text",
        }
    }

    /// The kind called `name` (`corebos` is `json`), when there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "json" | "corebos" => Some(Self::Json),
            "text" => Some(Self::Text),
            _ => None,
        }
    }

    /// The names, for a message that lists them: `json, text`.
    pub fn names() -> &'static str {
        "json, text"
    }

    /// The reader of this kind.
    pub fn reader(self) -> MessageReader {
        match self {
            Self::Json => MessageReader::Json,
            Self::Text => MessageReader::PlainText,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_and_unknown_names_do_not() {
        for kind in TransportKind::ALL {
            assert_eq!(TransportKind::from_name(kind.name()), Some(kind));
            assert_eq!(kind.transport().name(), kind.name());
        }
        assert_eq!(TransportKind::from_name("websocket"), None);
        for kind in [ReaderKind::Json, ReaderKind::Text] {
            assert_eq!(ReaderKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(ReaderKind::from_name("corebos"), Some(ReaderKind::Json));
        assert_eq!(ReaderKind::from_name("xml"), None);
    }
}
