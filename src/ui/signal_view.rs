//! The hook's [`StreamView`]: the log and the state live in Leptos signals,
//! changed untracked and notified once per [`StreamView::show`].

use leptos::prelude::*;

use crate::state::{ReadyState, TaskLog, TaskMeta};
use crate::stream::{StreamTarget, StreamView};

/// The hook's signals, written only by its stream.
#[derive(Clone, Copy)]
pub struct SignalView {
    /// The bounded log.
    pub log: RwSignal<TaskLog>,
    /// Progress, status, ids.
    pub meta: RwSignal<TaskMeta>,
    /// The connection's `readyState`.
    pub ready_state: RwSignal<ReadyState>,
    /// What is being streamed.
    pub target: RwSignal<Option<StreamTarget>>,
}

impl SignalView {
    /// Fresh signals: an empty log of `capacity` lines, idle, closed.
    pub fn new(capacity: usize) -> Self {
        Self {
            log: RwSignal::new(TaskLog::with_capacity(capacity)),
            meta: RwSignal::new(TaskMeta::default()),
            ready_state: RwSignal::new(ReadyState::Closed),
            target: RwSignal::new(None),
        }
    }
}

impl StreamView for SignalView {
    fn update(&mut self, change: &mut dyn FnMut(&mut TaskLog, &mut TaskMeta)) {
        let meta = self.meta;
        self.log
            .try_update_untracked(|log| meta.try_update_untracked(|meta| change(log, meta)));
    }

    fn show(&mut self) {
        self.log.notify();
        self.meta.notify();
    }

    fn set_ready_state(&mut self, state: ReadyState) {
        self.ready_state.try_set(state);
    }

    fn set_target(&mut self, target: Option<&StreamTarget>) {
        self.target.try_set(target.cloned());
    }
}
