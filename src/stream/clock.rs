//! The page's monotonic clock: `performance.now()`, in ms (0 where the page
//! has none), for time budgets and the reconnect rules.

/// Milliseconds since the page started.
pub(crate) fn now_ms() -> f64 {
    super::browser::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}
