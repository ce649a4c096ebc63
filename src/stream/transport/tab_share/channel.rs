//! What tabs sharing one stream say to each other on their
//! `BroadcastChannel`, as one string each (pure, tested natively), and the
//! messages a tab keeps to catch up a tab that joins later.
//!
//! - `B<leader>\n<messages>`: messages the leading tab's connection brought.
//! - `H<tab>\n<after>`: a tab asks for what came after the id `after`
//!   (empty: from the start), and says that it listens.
//! - `R<tab>\n<leader>\n<c|t><messages>`: the leader's answer to one tab:
//!   what it kept, `c` when that is the whole stream, `t` when older
//!   messages were let go.
//! - `L<leader>`: a tab took the lead (it opened the connection).
//!
//! Messages are encoded as `wire::message_batch` writes them.

use std::collections::VecDeque;

/// Messages kept for a tab that joins later: as many lines as a log keeps
/// by default, so a joining tab shows what the others show.
pub(crate) const CATCH_UP_MESSAGES: usize = 10_000;

/// Bytes of data kept for a tab that joins later.
pub(crate) const CATCH_UP_BYTES: usize = 4 * 1024 * 1024;

/// One thing said on the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Said<'a> {
    /// Messages from the leading tab, encoded.
    Batch { leader: &'a str, messages: &'a str },
    /// A tab asks for what came after `after`.
    Hello { tab: &'a str, after: &'a str },
    /// What `leader` kept, for `tab`, encoded; `complete` when nothing of
    /// the stream was let go.
    CatchUp {
        tab: &'a str,
        leader: &'a str,
        complete: bool,
        messages: &'a str,
    },
    /// `leader` took the lead.
    Lead { leader: &'a str },
}

impl<'a> Said<'a> {
    /// Reads what was said; `None` for anything else.
    pub(crate) fn parse(text: &'a str) -> Option<Self> {
        let mut chars = text.chars();
        let kind = chars.next()?;
        let rest = chars.as_str();
        match kind {
            'B' => {
                let (leader, messages) = rest.split_once('\n')?;
                Some(Self::Batch { leader, messages })
            }
            'H' => {
                let (tab, after) = rest.split_once('\n')?;
                Some(Self::Hello { tab, after })
            }
            'R' => {
                let (tab, rest) = rest.split_once('\n')?;
                let (leader, rest) = rest.split_once('\n')?;
                let complete = match rest.as_bytes().first()? {
                    b'c' => true,
                    b't' => false,
                    _ => return None,
                };
                Some(Self::CatchUp {
                    tab,
                    leader,
                    complete,
                    messages: &rest[1..],
                })
            }
            'L' => Some(Self::Lead { leader: rest }),
            _ => None,
        }
    }

    /// The string to post.
    pub(crate) fn to_text(&self) -> String {
        match self {
            Self::Batch { leader, messages } => format!("B{leader}\n{messages}"),
            Self::Hello { tab, after } => format!("H{tab}\n{after}"),
            Self::CatchUp {
                tab,
                leader,
                complete,
                messages,
            } => {
                let whole = if *complete { 'c' } else { 't' };
                format!("R{tab}\n{leader}\n{whole}{messages}")
            }
            Self::Lead { leader } => format!("L{leader}"),
        }
    }
}

/// The last messages of a stream, encoded in the batches they came in,
/// within [`CATCH_UP_MESSAGES`] and [`CATCH_UP_BYTES`] (whole batches go
/// first, oldest first; the newest batch is always kept).
#[derive(Debug, Default)]
pub(crate) struct CatchUp {
    batches: VecDeque<(String, usize)>,
    messages: usize,
    bytes: usize,
    /// True once a batch was let go.
    let_go: bool,
}

impl CatchUp {
    /// Keeps one encoded batch of `count` messages.
    pub(crate) fn keep(&mut self, encoded: String, count: usize) {
        if count == 0 {
            return;
        }
        self.messages += count;
        self.bytes += encoded.len();
        self.batches.push_back((encoded, count));
        while self.batches.len() > 1
            && (self.messages > CATCH_UP_MESSAGES || self.bytes > CATCH_UP_BYTES)
        {
            if let Some((old, old_count)) = self.batches.pop_front() {
                self.messages -= old_count;
                self.bytes -= old.len();
                self.let_go = true;
            }
        }
    }

    /// True while every message of the stream is kept.
    pub(crate) fn is_complete(&self) -> bool {
        !self.let_go
    }

    /// Everything kept, encoded as one batch.
    pub(crate) fn encoded(&self) -> String {
        let mut all = String::with_capacity(self.bytes);
        for (batch, _) in &self.batches {
            all.push_str(batch);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_said_reads_back_and_other_strings_are_ignored() {
        let said = [
            Said::Batch {
                leader: "a1",
                messages: "message\r1\rx\nmore\r",
            },
            Said::Hello {
                tab: "b2",
                after: "",
            },
            Said::Hello {
                tab: "b2",
                after: "41",
            },
            Said::CatchUp {
                tab: "b2",
                leader: "a1",
                complete: true,
                messages: "",
            },
            Said::CatchUp {
                tab: "b2",
                leader: "a1",
                complete: false,
                messages: "message\r1\rx\r",
            },
            Said::Lead { leader: "c3" },
        ];
        for one in &said {
            assert_eq!(Said::parse(&one.to_text()).as_ref(), Some(one));
        }
        assert_eq!(Said::parse(""), None);
        assert_eq!(Said::parse("Xjunk"), None);
        assert_eq!(Said::parse("Bno-newline"), None);
        assert_eq!(Said::parse("Rb2\na1\nx"), None);
    }

    #[test]
    fn the_catch_up_keeps_the_newest_batches_within_its_bounds() {
        let mut kept = CatchUp::default();
        kept.keep("a".into(), 0);
        assert_eq!(kept.encoded(), "");
        kept.keep("first".into(), CATCH_UP_MESSAGES - 1);
        kept.keep("second".into(), 1);
        assert_eq!(kept.encoded(), "firstsecond");
        assert!(kept.is_complete());
        kept.keep("third".into(), 1);
        assert_eq!(kept.encoded(), "secondthird");
        assert!(!kept.is_complete());
        kept.keep("x".repeat(CATCH_UP_BYTES + 1), 1);
        assert_eq!(kept.encoded().len(), CATCH_UP_BYTES + 1);
    }
}
