//! The dedup rule: which arriving events are a server's replay of events
//! already applied, and only those are dropped.
//!
//! - Only a connection that **resumed** (sent `Last-Event-ID`) can replay,
//!   and only at its start: its events are checked until the first one that
//!   is new; after it, nothing on that connection is dropped (ids that go
//!   backwards inside one connection are the server's business).
//! - An event **without an id of its own** is never dropped. SSE gives such an
//!   event the last id seen, so "its own" means an id that differs from the
//!   previous event's (the same test works for both transports:
//!   `EventSource` does not say whether an event carried an `id:` field).
//! - A replay is an own id that is numeric (ASCII digits, any length) and
//!   not above a numeric resume id, or one that was applied before (the last
//!   [`REMEMBERED_IDS`] other ids are remembered, as 64-bit hashes in a ring:
//!   looked through only during a resumed connection's replay, and smaller
//!   in the element's wasm than a hash set).

use super::fingerprint::fingerprint;

/// Ids that are not numbers remembered to recognise a replay.
pub(crate) const REMEMBERED_IDS: usize = 16_384;

/// The dedup state of one stream.
#[derive(Debug, Default)]
pub(crate) struct ReplayFilter {
    /// The resume id of the current connection, while its replay lasts.
    resumed_from: Option<String>,
    /// The id the previous event carried (or the resume id): an equal id is
    /// inherited, not the event's own.
    previous: String,
    /// Hashes of the non-numeric ids applied: a ring, `next` its oldest
    /// once full.
    seen: Vec<u64>,
    next: usize,
}

impl ReplayFilter {
    /// Forgets everything (a new run).
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }

    /// A connection opens, resuming after `last_event_id` when given.
    pub(crate) fn on_connect(&mut self, last_event_id: Option<&str>) {
        self.resumed_from = last_event_id.map(str::to_owned);
        self.previous.clear();
        self.previous.push_str(last_event_id.unwrap_or_default());
    }

    /// True when an event carrying `id` (its `lastEventId`) replays one
    /// already applied and must be dropped.
    pub(crate) fn is_replay(&mut self, id: &str) -> bool {
        if id.is_empty() || id == self.previous {
            return false;
        }
        self.previous.clear();
        self.previous.push_str(id);
        let numeric = is_number(id);
        let replay = match &self.resumed_from {
            None => false,
            Some(resume) if numeric && is_number(resume) => !number_above(id, resume),
            Some(_) => !numeric && self.seen.contains(&fingerprint(id)),
        };
        if !replay {
            self.resumed_from = None;
            if !numeric {
                self.remember(id);
            }
        }
        replay
    }

    fn remember(&mut self, id: &str) {
        let hash = fingerprint(id);
        if self.seen.len() < REMEMBERED_IDS {
            self.seen.push(hash);
        } else {
            self.seen[self.next] = hash;
            self.next = (self.next + 1) % REMEMBERED_IDS;
        }
    }
}

/// ASCII digits only, at least one.
fn is_number(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// `a > b` for two digit strings of any length.
fn number_above(a: &str, b: &str) -> bool {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    (a.len(), a) > (b.len(), b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids of `arriving` that are kept, on a connection resumed from `resume`.
    fn kept<'a>(
        filter: &mut ReplayFilter,
        resume: Option<&str>,
        arriving: &[&'a str],
    ) -> Vec<&'a str> {
        filter.on_connect(resume);
        arriving
            .iter()
            .copied()
            .filter(|id| !filter.is_replay(id))
            .collect()
    }

    #[test]
    fn nothing_is_dropped_on_a_first_connection_even_backwards_or_repeated_ids() {
        let mut filter = ReplayFilter::default();
        let ids = ["5", "6", "2", "3", "3", "", "x", "x", "7"];
        assert_eq!(kept(&mut filter, None, &ids), ids);
    }

    #[test]
    fn a_numeric_replay_is_dropped_until_the_first_new_event() {
        let mut filter = ReplayFilter::default();
        // A server that ignored Last-Event-ID: 5 and started over.
        assert_eq!(
            kept(&mut filter, Some("5"), &["1", "2", "5", "6", "3", "7"]),
            ["6", "3", "7"]
        );
    }

    #[test]
    fn an_event_without_an_id_of_its_own_is_never_dropped_also_first_on_a_resumed_connection() {
        let mut filter = ReplayFilter::default();
        // The failed event after id 7 carries 7; on a resumed connection the
        // first id-less event carries the resume id (or none).
        assert_eq!(
            kept(&mut filter, Some("7"), &["7", "7", ""]),
            ["7", "7", ""]
        );
        assert_eq!(kept(&mut filter, Some("7"), &["8", "8"]), ["8", "8"]);
    }

    #[test]
    fn huge_ids_compare_as_numbers() {
        let mut filter = ReplayFilter::default();
        let huge = "123456789012345678901234567890";
        let bigger = "123456789012345678901234567891";
        assert_eq!(
            kept(&mut filter, Some(huge), &["0099", huge, bigger]),
            [bigger]
        );
        assert!(number_above("10", "9") && !number_above("009", "9"));
    }

    #[test]
    fn non_numeric_ids_are_dropped_when_seen_before() {
        let mut filter = ReplayFilter::default();
        assert_eq!(kept(&mut filter, None, &["a", "b", "c"]), ["a", "b", "c"]);
        // The server ignores Last-Event-ID: c and starts over.
        assert_eq!(
            kept(&mut filter, Some("c"), &["a", "b", "c", "d", "a"]),
            ["d", "a"]
        );
    }
}
