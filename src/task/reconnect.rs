//! The hook's reconnect policy: bounded attempts with exponential backoff.

/// How often and how fast to reconnect after the connection is lost.
///
/// Attempts count from the last event received: a stream that keeps
/// delivering keeps reconnecting; one that delivers nothing gives up after
/// `max_attempts`, so there is never a reconnect storm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Attempts without a new event before giving up. Default: 5.
    pub max_attempts: u32,
    /// Delay before the hook's first own reconnect, in ms. Default: 1000.
    pub initial_delay_ms: u32,
    /// Longest delay between two attempts, in ms. Default: 16 000.
    pub max_delay_ms: u32,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_delay_ms: 1000,
            max_delay_ms: 16_000,
        }
    }
}

impl ReconnectPolicy {
    /// No reconnect at all: the first error ends the stream.
    pub fn never() -> Self {
        Self {
            max_attempts: 0,
            ..Self::default()
        }
    }

    /// True when attempt number `attempt` (1-based) is still allowed.
    pub fn allows(&self, attempt: u32) -> bool {
        attempt >= 1 && attempt <= self.max_attempts
    }

    /// Delay before attempt `attempt` (1-based): doubling from the initial
    /// delay, capped at the maximum.
    pub fn delay_ms(&self, attempt: u32) -> u32 {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial_delay_ms
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_attempts_are_bounded() {
        let policy = ReconnectPolicy::default();
        let delays: Vec<u32> = (1..=7).map(|a| policy.delay_ms(a)).collect();
        assert_eq!(delays, [1000, 2000, 4000, 8000, 16000, 16000, 16000]);
        assert!(policy.allows(5));
        assert!(!policy.allows(6));
        assert!(!ReconnectPolicy::never().allows(1));
        assert_eq!(policy.delay_ms(100), 16000);
    }
}
