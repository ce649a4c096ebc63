//! The monotonic clock: `performance.now()`, in ms, of the page or of the
//! worker, for time budgets and the reconnect rules.

/// Milliseconds since the page (or the worker) started.
pub(crate) fn now_ms() -> f64 {
    super::browser::performance_now()
}
