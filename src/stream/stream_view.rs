//! [`StreamView`]: what a stream writes to. The hook's implementation is its
//! Leptos signals; the `<task-monitor>` element's is its own DOM, with no
//! Leptos at all. Both get the same controller, rules and transports.

use super::target::StreamTarget;
use crate::state::{ReadyState, TaskLog, TaskMeta};

/// Where a [`crate::TaskStream`] keeps its log and state, and how it shows
/// them.
///
/// The stream changes the log and the state through [`StreamView::update`]
/// many times per frame, then calls [`StreamView::show`] once (at most once
/// per animation frame in a flood, at once for a slow stream and for every
/// change of status).
///
/// `show` runs while the stream is busy: a view that calls back into the
/// stream (a page script stopping it from an event handler) must do so
/// later, e.g. in a microtask.
pub trait StreamView {
    /// Runs `change` on the log and the state, showing nothing yet. A view
    /// that no longer exists does not run it.
    fn update(&mut self, change: &mut dyn FnMut(&mut TaskLog, &mut TaskMeta));

    /// Shows the log and the state as they are now.
    fn show(&mut self);

    /// The connection's `readyState` changed (for `fetch`: in the same terms).
    fn set_ready_state(&mut self, state: ReadyState);

    /// What is streamed changed: `None` while a task is being created or
    /// checked, then its URLs.
    fn set_target(&mut self, target: Option<&StreamTarget>);
}
