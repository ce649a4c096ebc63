//! A page without Leptos following a task stream: a [`StreamView`] of its
//! own writes the percentage and the newest line into one element.
//! Built for the browser (`--target wasm32-unknown-unknown`); the crate's
//! `TaskStream` docs show this file, and a browser test runs it.

use sse_task_progress::model::{ReadyState, StreamTarget, TaskLog, TaskMeta};
use sse_task_progress::{StreamView, TaskStream, UseTaskStreamOptions};

/// Writes "40% on iteration 4 of 10" into the element with id `progress`.
#[derive(Default)]
struct ProgressLine {
    log: TaskLog,
    meta: TaskMeta,
}

impl StreamView for ProgressLine {
    fn update(&mut self, change: &mut dyn FnMut(&mut TaskLog, &mut TaskMeta)) {
        change(&mut self.log, &mut self.meta);
    }

    fn show(&mut self) {
        let line = self.log.last().map(|line| line.text.as_str()).unwrap_or("");
        let text = format!("{:.0}% {line}", self.meta.progress);
        let element = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.get_element_by_id("progress"));
        if let Some(element) = element {
            // Text, never HTML: what the server sends is shown as written.
            element.set_text_content(Some(&text));
        }
    }

    fn set_ready_state(&mut self, _state: ReadyState) {}

    fn set_target(&mut self, _target: Option<&StreamTarget>) {}
}

/// Follows the SSE stream at `url`. The stream closes when the returned
/// value is dropped: keep it for as long as the page follows the task.
pub fn follow(url: &str) -> TaskStream {
    let stream = TaskStream::new(UseTaskStreamOptions::default(), ProgressLine::default());
    stream.start_url(StreamTarget::url(url));
    stream
}

fn main() {
    // This page follows the task for good: the stream is never dropped.
    std::mem::forget(follow("/seeds/corebos/source"));
}
