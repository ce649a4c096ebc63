//! The connection rules, once for every transport: what to do when a
//! connection opens, ends, or fails.
//!
//! - A connection that **opened** (200, `text/event-stream`) and later ended
//!   is a planned end: reconnect after the server's `retry:`, quietly, for as
//!   long as the server keeps answering. A planned end that brought no
//!   message waits at least [`ReconnectPolicy::empty_end_delay_ms`], doubling
//!   with every such end in a row (a message resets it), whatever `retry:`
//!   says: a server that ends every connection at once gets no storm.
//! - Only **failed attempts** count (no successful open since the last try):
//!   bounded, with exponential backoff and full jitter, a cap on the total
//!   outage, and `Retry-After` honoured. One notice when an outage starts,
//!   one when it ends.
//! - 401/403 ask the user's credentials hook once per outage, then fail
//!   (at once without a hook).
//! - Permanent failures (404, 204, a wrong content type) end at once.

use super::diagnosis::{Diagnosis, FailureKind};
use crate::words::{Failure, GaveUp};

/// Bounds and pacing of reconnects after **failed** attempts.
///
/// A server that keeps answering correctly is never given up on; these
/// numbers only apply while attempts fail one after the other.
///
/// ## Usage
/// ```
/// use sse_task_progress::{options::ReconnectPolicy, UseTaskStreamOptions};
///
/// // Give up after 3 failed attempts in a row, waiting 0.5 s then up to 2 s.
/// let policy = ReconnectPolicy {
///     max_attempts: 3,
///     initial_delay_ms: 500,
///     max_delay_ms: 2_000,
///     ..ReconnectPolicy::default()
/// };
/// assert!(policy.allows(3) && !policy.allows(4));
/// let options = UseTaskStreamOptions::default().reconnect(policy);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Failed attempts in a row before giving up. Default: 8.
    pub max_attempts: u32,
    /// Backoff base: attempt `n` waits a random time up to
    /// `initial_delay_ms * 2^(n-1)` (full jitter). Default: 1000.
    pub initial_delay_ms: u32,
    /// Longest wait between two attempts, in ms. Default: 30 000.
    pub max_delay_ms: u32,
    /// Longest outage (from the first failed attempt) before giving up, in
    /// ms. Default: 300 000 (five minutes).
    pub max_outage_ms: u32,
    /// Wait after a planned end when the server sent no `retry:`, in ms (the
    /// fetch transport; `EventSource` uses the browser's own). Default: 3000.
    pub default_retry_ms: u32,
    /// Least wait after a planned end that brought no message, in ms,
    /// doubling with each such end in a row up to `max_delay_ms`; a message
    /// resets it. Default: 1000 (about one request a second at most).
    pub empty_end_delay_ms: u32,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial_delay_ms: 1000,
            max_delay_ms: 30_000,
            max_outage_ms: 300_000,
            default_retry_ms: 3000,
            empty_end_delay_ms: 1000,
        }
    }
}

impl ReconnectPolicy {
    /// No reconnect after a failed attempt: the first failure ends the stream.
    pub fn never() -> Self {
        Self {
            max_attempts: 0,
            ..Self::default()
        }
    }

    /// True when failed attempt number `attempt` (1-based) may be retried.
    pub fn allows(&self, attempt: u32) -> bool {
        attempt >= 1 && attempt <= self.max_attempts
    }

    /// The longest wait before retrying failed attempt `attempt` (1-based):
    /// doubling from the initial delay, capped at the maximum.
    pub fn backoff_cap_ms(&self, attempt: u32) -> u32 {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial_delay_ms
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay_ms)
    }

    /// The least wait after the `empty_ends`-th planned end in a row that
    /// brought no message (1-based): doubling, capped at the maximum.
    pub fn empty_end_floor_ms(&self, empty_ends: u32) -> u32 {
        let doublings = empty_ends.saturating_sub(1).min(31);
        self.empty_end_delay_ms
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay_ms.max(self.empty_end_delay_ms))
    }

    /// The wait before retrying failed attempt `attempt`, with full jitter:
    /// `random` (in 0..1) of [`Self::backoff_cap_ms`], at least 50 ms.
    pub fn delay_ms(&self, attempt: u32, random: f64) -> u32 {
        let cap = f64::from(self.backoff_cap_ms(attempt));
        ((cap * random.clamp(0.0, 1.0)) as u32).max(MIN_DELAY_MS.min(self.max_delay_ms))
    }
}

/// No retry waits less, whatever the jitter drew.
const MIN_DELAY_MS: u32 = 50;

/// A line for the log, said once per outage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The first failed attempt of an outage.
    OutageStarted {
        /// Why the attempt failed.
        failure: Failure,
    },
    /// A connection opened after failed attempts.
    Reconnected {
        /// Failed attempts during the outage.
        attempts: u32,
    },
}

/// What the connection layer must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Reconnect after `delay_ms`. A transport that reconnects by itself (the
    /// browser's `EventSource`) may do so after a planned end that brought
    /// messages; after an empty one the connection layer keeps the schedule.
    Reconnect {
        /// Wait before the next attempt, in ms.
        delay_ms: u32,
        /// Failed attempts in a row so far (0 after a planned end).
        attempt: u32,
        /// A planned end: no failure, nothing to log.
        planned: bool,
        /// A planned end that brought no message: `delay_ms` is our floor,
        /// not the server's `retry:`.
        empty: bool,
    },
    /// Call the user's credentials hook, then reconnect at once.
    RefreshCredentials,
    /// Stop for good.
    Fail {
        /// Why.
        failure: Failure,
    },
}

/// The rules' memory of one stream: failed attempts in a row, when the
/// outage began, whether the current attempt opened.
#[derive(Debug, Clone, Default)]
pub struct ConnectionRules {
    policy: ReconnectPolicy,
    /// A credentials hook exists: a 401 / 403 may be retried once after it.
    can_refresh: bool,
    failed_attempts: u32,
    outage_started_ms: Option<f64>,
    opened: bool,
    refreshed: bool,
    /// The server's `retry:`, in ms.
    server_retry_ms: Option<u32>,
    /// A message arrived since the current attempt started.
    brought_messages: bool,
    /// Planned ends in a row that brought no message.
    empty_ends: u32,
}

impl ConnectionRules {
    /// Rules for a new stream; `can_refresh` when the user gave a hook that
    /// refreshes credentials after a 401 / 403.
    pub fn new(policy: ReconnectPolicy, can_refresh: bool) -> Self {
        Self {
            policy,
            can_refresh,
            ..Self::default()
        }
    }

    /// The server sent `retry: ms`.
    pub fn on_retry(&mut self, ms: u32) {
        self.server_retry_ms = Some(ms);
    }

    /// A new attempt starts (opening a connection).
    pub fn on_attempt(&mut self) {
        self.opened = false;
        self.brought_messages = false;
    }

    /// A message arrived: the connection was worth making.
    pub fn on_message(&mut self) {
        self.brought_messages = true;
        self.empty_ends = 0;
    }

    /// The connection opened: an outage, if any, is over.
    pub fn on_open(&mut self) -> Option<Notice> {
        self.opened = true;
        self.refreshed = false;
        let attempts = std::mem::take(&mut self.failed_attempts);
        self.outage_started_ms = None;
        (attempts > 0).then_some(Notice::Reconnected { attempts })
    }

    /// The connection ended without an error status. After an open this is
    /// a planned end; without one, a failed attempt (the server was not
    /// reached).
    pub fn on_end(&mut self, now_ms: f64, random: f64) -> (Decision, Option<Notice>) {
        if self.opened {
            self.opened = false;
            let mut delay_ms = self.server_retry_ms.unwrap_or(self.policy.default_retry_ms);
            let empty = !self.brought_messages;
            if empty {
                self.empty_ends = self.empty_ends.saturating_add(1);
                delay_ms = delay_ms.max(self.policy.empty_end_floor_ms(self.empty_ends));
            }
            let decision = Decision::Reconnect {
                delay_ms,
                attempt: 0,
                planned: true,
                empty,
            };
            return (decision, None);
        }
        self.on_failure(&Diagnosis::unreachable(), now_ms, random)
    }

    /// An attempt failed for the reason in `diagnosis`.
    pub fn on_failure(
        &mut self,
        diagnosis: &Diagnosis,
        now_ms: f64,
        random: f64,
    ) -> (Decision, Option<Notice>) {
        // A stream that opened and broke off before any message is an empty
        // end too: it gets the same floor.
        let opened_empty = std::mem::take(&mut self.opened) && !self.brought_messages;
        let retry_after_ms = match diagnosis.kind {
            FailureKind::Permanent => return (fail(&diagnosis.failure, None), None),
            FailureKind::Unauthorized if self.can_refresh && !self.refreshed => {
                self.refreshed = true;
                return (Decision::RefreshCredentials, None);
            }
            FailureKind::Unauthorized => return (fail(&diagnosis.failure, None), None),
            FailureKind::Transient { retry_after_ms } => retry_after_ms,
        };
        self.failed_attempts += 1;
        let attempt = self.failed_attempts;
        let notice = match self.outage_started_ms {
            None => {
                self.outage_started_ms = Some(now_ms);
                Some(Notice::OutageStarted {
                    failure: diagnosis.failure.clone(),
                })
            }
            Some(_) => None,
        };
        let outage_ms = now_ms - self.outage_started_ms.unwrap_or(now_ms);
        if !self.policy.allows(attempt) {
            let gave_up = GaveUp::Attempts(self.policy.max_attempts);
            return (fail(&diagnosis.failure, Some(gave_up)), notice);
        }
        let mut delay_ms = self
            .policy
            .delay_ms(attempt, random)
            .max(retry_after_ms.unwrap_or(0));
        if opened_empty {
            self.empty_ends = self.empty_ends.saturating_add(1);
            delay_ms = delay_ms.max(self.policy.empty_end_floor_ms(self.empty_ends));
        }
        let budget_ms = f64::from(self.policy.max_outage_ms);
        if retry_after_ms.is_some_and(|ms| outage_ms + f64::from(ms) > budget_ms) {
            let gave_up = GaveUp::RetryAfter {
                asked: retry_after_ms.unwrap_or(0).div_ceil(1000),
                seconds: self.policy.max_outage_ms / 1000,
            };
            return (fail(&diagnosis.failure, Some(gave_up)), notice);
        }
        if outage_ms + f64::from(delay_ms) > budget_ms {
            let gave_up = GaveUp::Outage(self.policy.max_outage_ms / 1000);
            return (fail(&diagnosis.failure, Some(gave_up)), notice);
        }
        let decision = Decision::Reconnect {
            delay_ms,
            attempt,
            planned: false,
            empty: false,
        };
        (decision, notice)
    }
}

/// Stop for good with `failure`, given up as `gave_up` when it was retried.
fn fail(failure: &Failure, gave_up: Option<GaveUp>) -> Decision {
    Decision::Fail {
        failure: Failure {
            gave_up,
            ..failure.clone()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::FailureCode;

    /// What a decision to fail says, in English.
    fn says(decision: &Decision) -> String {
        match decision {
            Decision::Fail { failure } => failure.english(),
            other => format!("{other:?}"),
        }
    }

    fn transient(retry_after_ms: Option<u32>) -> Diagnosis {
        Diagnosis {
            failure: Failure::new(FailureCode::HttpStatus, ["503".into()]),
            kind: FailureKind::Transient { retry_after_ms },
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_full_jitter_and_attempts_are_bounded() {
        let policy = ReconnectPolicy::default();
        let caps: Vec<u32> = (1..=7).map(|a| policy.backoff_cap_ms(a)).collect();
        assert_eq!(caps, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(policy.delay_ms(3, 1.0), 4000);
        assert_eq!(policy.delay_ms(3, 0.5), 2000);
        assert_eq!(policy.delay_ms(3, 0.0), MIN_DELAY_MS);
        assert!(policy.allows(8));
        assert!(!policy.allows(9));
        assert!(!ReconnectPolicy::never().allows(1));
        assert_eq!(policy.backoff_cap_ms(100), 30000);
    }

    #[test]
    fn planned_ends_are_quiet_and_never_give_up() {
        let mut rules = ConnectionRules::new(ReconnectPolicy::default(), false);
        rules.on_retry(2000);
        for hour_ms in 0..10_000 {
            rules.on_attempt();
            assert_eq!(rules.on_open(), None);
            rules.on_message();
            let (decision, notice) = rules.on_end(f64::from(hour_ms) * 2000.0, 0.5);
            assert_eq!(
                decision,
                Decision::Reconnect {
                    delay_ms: 2000,
                    attempt: 0,
                    planned: true,
                    empty: false
                }
            );
            assert_eq!(notice, None);
        }
    }

    #[test]
    fn empty_planned_ends_wait_a_second_then_back_off_until_a_message_whatever_retry_says() {
        let mut rules = ConnectionRules::new(ReconnectPolicy::default(), false);
        rules.on_retry(0);
        let empty_end = |rules: &mut ConnectionRules, message: bool| {
            rules.on_attempt();
            rules.on_open();
            if message {
                rules.on_message();
            }
            match rules.on_end(0.0, 0.5).0 {
                Decision::Reconnect {
                    delay_ms, empty, ..
                } => (delay_ms, empty),
                other => panic!("{other:?}"),
            }
        };
        let waits: Vec<(u32, bool)> = (0..7).map(|_| empty_end(&mut rules, false)).collect();
        assert_eq!(
            waits,
            [1000, 2000, 4000, 8000, 16000, 30000, 30000].map(|ms| (ms, true))
        );
        // A message resets the floor: the server's retry: 0 applies again.
        assert_eq!(empty_end(&mut rules, true), (0, false));
        assert_eq!(empty_end(&mut rules, false), (1000, true));
    }

    #[test]
    fn a_retry_after_beyond_the_outage_budget_fails_at_once_saying_so() {
        let mut rules = ConnectionRules::new(ReconnectPolicy::default(), false);
        let (decision, _) = rules.on_failure(&transient(Some(3_600_000)), 0.0, 0.5);
        assert_eq!(
            says(&decision),
            "the server answered 503 and asked to retry in 3600 s (Retry-After), \
                         beyond the 300 s this monitor waits"
        );
    }

    #[test]
    fn failed_attempts_count_once_per_outage_and_an_open_ends_it() {
        let mut rules = ConnectionRules::new(ReconnectPolicy::default(), false);
        rules.on_attempt();
        rules.on_open();
        // The server goes away: the next attempts never open.
        let (first, notice) = rules.on_end(0.0, 0.5);
        assert!(matches!(first, Decision::Reconnect { planned: true, .. }));
        assert_eq!(notice, None);
        rules.on_attempt();
        let (decision, notice) = rules.on_end(1000.0, 1.0);
        assert_eq!(
            decision,
            Decision::Reconnect {
                delay_ms: 1000,
                attempt: 1,
                planned: false,
                empty: false
            }
        );
        assert!(matches!(notice, Some(Notice::OutageStarted { .. })));
        rules.on_attempt();
        let (decision, notice) = rules.on_failure(&transient(None), 2000.0, 1.0);
        assert!(matches!(
            decision,
            Decision::Reconnect {
                attempt: 2,
                delay_ms: 2000,
                ..
            }
        ));
        assert_eq!(notice, None, "one notice per outage");
        rules.on_attempt();
        assert_eq!(rules.on_open(), Some(Notice::Reconnected { attempts: 2 }));
        // A new outage counts from 1 again.
        rules.on_attempt();
        let (decision, notice) = rules.on_failure(&transient(None), 9000.0, 1.0);
        assert!(matches!(decision, Decision::Reconnect { attempt: 1, .. }));
        assert!(notice.is_some());
    }

    #[test]
    fn attempts_and_outage_time_are_bounded_and_retry_after_is_honoured() {
        let policy = ReconnectPolicy {
            max_attempts: 3,
            ..ReconnectPolicy::default()
        };
        let mut rules = ConnectionRules::new(policy, false);
        for attempt in 1..=3 {
            let (decision, _) = rules.on_failure(&transient(None), 0.0, 0.0);
            assert!(matches!(decision, Decision::Reconnect { attempt: a, .. } if a == attempt));
        }
        let (decision, _) = rules.on_failure(&transient(None), 0.0, 0.0);
        assert_eq!(
            says(&decision),
            "the server answered 503 (gave up after 3 attempts)"
        );

        let mut rules = ConnectionRules::new(ReconnectPolicy::default(), false);
        let (decision, _) = rules.on_failure(&transient(Some(7000)), 0.0, 0.0);
        assert!(matches!(
            decision,
            Decision::Reconnect { delay_ms: 7000, .. }
        ));
        let (decision, _) = rules.on_failure(&transient(None), 299_000.0, 1.0);
        assert_eq!(
            says(&decision),
            "the server answered 503 (gave up after 300 s of outage)"
        );
    }

    #[test]
    fn unauthorized_refreshes_once_then_fails_and_permanent_fails_at_once() {
        let unauthorized = Diagnosis {
            failure: Failure::new(FailureCode::Unauthorized, ["401 Unauthorized".into()]),
            kind: FailureKind::Unauthorized,
        };
        let mut without_hook = ConnectionRules::new(ReconnectPolicy::default(), false);
        assert_eq!(
            says(&without_hook.on_failure(&unauthorized, 0.0, 0.5).0),
            "the server refused the credentials: it answered 401 Unauthorized"
        );
        let mut rules = ConnectionRules::new(ReconnectPolicy::default(), true);
        assert_eq!(
            rules.on_failure(&unauthorized, 0.0, 0.5).0,
            Decision::RefreshCredentials
        );
        assert!(matches!(
            rules.on_failure(&unauthorized, 0.0, 0.5).0,
            Decision::Fail { .. }
        ));
        // A successful open allows one more refresh later.
        rules.on_attempt();
        rules.on_open();
        assert_eq!(
            rules.on_failure(&unauthorized, 0.0, 0.5).0,
            Decision::RefreshCredentials
        );
        let not_found = Diagnosis::permanent(Failure::new(FailureCode::HttpStatus, ["404".into()]));
        let (decision, notice) = rules.on_failure(&not_found, 0.0, 0.5);
        assert_eq!(says(&decision), "the server answered 404");
        assert_eq!(notice, None);
    }
}
