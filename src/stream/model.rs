//! [`StreamModel`]: what one stream's engine applies its connection events
//! and messages to. A task stream's is [`TaskModel`] (the reducer over a
//! [`StreamView`]); the dashboard's is its board of every task.

use super::options::UseTaskStreamOptions;
use super::stream_view::StreamView;
use super::target::StreamTarget;
use crate::state::{apply, ConnectionEvent, Directive, ReadyState, TaskLog};
use crate::wire::MessageReader;
use crate::words::Labels;

/// Where a stream's events go, and how they are shown.
pub(crate) trait StreamModel {
    /// A run starts with `options` (its capacity, its reader).
    fn restart(&mut self, options: &UseTaskStreamOptions);
    /// Applies `event`, showing nothing yet; `now_ms` (the wall clock)
    /// stamps new lines. [`Directive::Close`] ends the stream for good.
    fn apply(&mut self, event: ConnectionEvent, now_ms: f64) -> Directive;
    /// Shows everything applied so far.
    fn show(&mut self);
    /// The connection's `readyState` changed.
    fn set_ready_state(&mut self, state: ReadyState);
    /// What is streamed changed (`None` while a task is created or checked).
    fn set_target(&mut self, target: Option<&StreamTarget>);
}

/// A task stream's model: the reducer applied to a [`StreamView`]'s log and
/// state, with the options' message reader and labels.
pub(crate) struct TaskModel {
    view: Box<dyn StreamView>,
    reader: MessageReader,
    labels: Labels,
}

impl TaskModel {
    /// The model of `view`.
    pub(crate) fn new(view: Box<dyn StreamView>) -> Self {
        Self {
            view,
            reader: MessageReader::default(),
            labels: Labels::english(),
        }
    }
}

impl StreamModel for TaskModel {
    fn restart(&mut self, options: &UseTaskStreamOptions) {
        self.reader = options.reader.clone();
        self.labels = options.labels.clone();
        let (capacity, capacity_bytes) = (options.capacity, options.capacity_bytes);
        self.view.update(&mut |log, _| {
            if log.capacity() != capacity || log.capacity_bytes() != capacity_bytes {
                *log = TaskLog::with_capacities(capacity, capacity_bytes);
            }
        });
    }

    fn apply(&mut self, event: ConnectionEvent, now_ms: f64) -> Directive {
        let reading = (&self.reader, &self.labels);
        let mut event = Some(event);
        let mut directive = Directive::Ignored;
        self.view.update(&mut |log, meta| {
            if let Some(event) = event.take() {
                directive = apply(log, meta, event, reading, now_ms);
            }
        });
        directive
    }

    fn show(&mut self) {
        self.view.show();
    }

    fn set_ready_state(&mut self, state: ReadyState) {
        self.view.set_ready_state(state);
    }

    fn set_target(&mut self, target: Option<&StreamTarget>) {
        self.view.set_target(target);
    }
}
