//! The monotonic clock: `performance.now()`, in ms, of the page or of the
//! worker (0 where there is none), for time budgets and the reconnect rules.

/// Milliseconds since the page (or the worker) started.
pub(crate) fn now_ms() -> f64 {
    let performance = match super::browser::window() {
        Some(window) => window.performance(),
        None => super::browser::worker_scope().and_then(|worker| worker.performance()),
    };
    performance.map_or(0.0, |performance| performance.now())
}
