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
//! - A resumed connection whose first event with an id of its own replays
//!   the run's **first** event (the same id, or a number not above it),
//!   while the resume point was past it, shows the server **started over**
//!   instead of resuming: a script that ignores `Last-Event-ID` runs its
//!   job again on every connection, so the stream must not reconnect.

use super::fingerprint::fingerprint;

/// Ids that are not numbers remembered to recognise a replay.
pub(crate) const REMEMBERED_IDS: usize = 16_384;

/// What an arriving event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// Not applied before: apply it.
    New,
    /// A replay of an event applied: drop it.
    Replay,
    /// The server started over instead of resuming: drop it and stop.
    StartedOver,
}

/// The dedup state of one stream.
#[derive(Debug, Default)]
pub(crate) struct ReplayFilter {
    /// The resume id of the current connection, while its replay lasts.
    resumed_from: Option<String>,
    /// Whether the current connection brought an event with an id of its own.
    any_own_id: bool,
    /// The run's first own id.
    first: Option<String>,
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
        self.any_own_id = false;
        self.previous.clear();
        self.previous.push_str(last_event_id.unwrap_or_default());
    }

    /// What an event carrying `id` (its `lastEventId`) is.
    pub(crate) fn arrival(&mut self, id: &str) -> Arrival {
        if id.is_empty() || id == self.previous {
            return Arrival::New;
        }
        self.previous.clear();
        self.previous.push_str(id);
        let first_on_connection = !std::mem::replace(&mut self.any_own_id, true);
        let numeric = is_number(id);
        let replay = match &self.resumed_from {
            None => false,
            Some(resume) if numeric && is_number(resume) => !number_above(id, resume),
            Some(_) => !numeric && self.seen.contains(&fingerprint(id)),
        };
        if replay {
            return match (&self.first, &self.resumed_from) {
                (Some(first), Some(resume))
                    if first_on_connection && resume != first && not_after(id, first) =>
                {
                    Arrival::StartedOver
                }
                _ => Arrival::Replay,
            };
        }
        self.resumed_from = None;
        if self.first.is_none() {
            self.first = Some(id.to_owned());
        }
        if !numeric {
            self.remember(id);
        }
        Arrival::New
    }

    /// True when an event carrying `id` must be dropped: a replay, or a
    /// server that started over (for tabs sharing a stream, whose new
    /// leader drops what the others had before the stream sees it).
    pub(crate) fn is_replay(&mut self, id: &str) -> bool {
        self.arrival(id) != Arrival::New
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

/// `id` is the run's `first` id again: the same, or a number not above it.
fn not_after(id: &str, first: &str) -> bool {
    if is_number(id) && is_number(first) {
        !number_above(id, first)
    } else {
        id == first
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
            .filter(|id| filter.arrival(id) == Arrival::New)
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

    /// The arrivals of `ids` on a connection resumed from `resume`.
    fn arrivals(filter: &mut ReplayFilter, resume: Option<&str>, ids: &[&str]) -> Vec<Arrival> {
        filter.on_connect(resume);
        ids.iter().map(|id| filter.arrival(id)).collect()
    }

    #[test]
    fn a_server_that_starts_over_instead_of_resuming_is_told_from_one_that_overlaps() {
        use Arrival::{New, Replay, StartedOver};
        // Numbers: resumed after 3, the script sends 1 again.
        let mut filter = ReplayFilter::default();
        arrivals(&mut filter, None, &["1", "2", "3"]);
        assert_eq!(arrivals(&mut filter, Some("3"), &["1"]), [StartedOver]);
        // A server that resumes a little early only overlaps.
        let mut filter = ReplayFilter::default();
        arrivals(&mut filter, None, &["1", "2", "3"]);
        assert_eq!(arrivals(&mut filter, Some("3"), &["2", "4"]), [Replay, New]);
        // Text ids: the run's first again.
        let mut filter = ReplayFilter::default();
        arrivals(&mut filter, None, &["a", "b"]);
        assert_eq!(arrivals(&mut filter, Some("b"), &["a"]), [StartedOver]);
        // A text id seen before, but not the first: an overlap.
        let mut filter = ReplayFilter::default();
        arrivals(&mut filter, None, &["a", "b", "c"]);
        assert_eq!(arrivals(&mut filter, Some("c"), &["b", "d"]), [Replay, New]);
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
