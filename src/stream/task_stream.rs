//! [`TaskStream`]: one task stream on its own, writing to any
//! [`StreamView`]. The hook wraps one around its signals; a view without
//! Leptos (the `<task-monitor>` element) uses it directly and gets every
//! guarantee of the hook: resuming without loss or doubling, planned ends,
//! backoff, bounded log, Stop cancelling the task on the server.

use std::rc::Rc;

use sse_task_protocol::CreateTaskRequest;

use super::controller::{Controller, Shared};
use super::host::BrowserHost;
use super::model::{StreamModel, TaskModel};
use super::options::UseTaskStreamOptions;
use super::pump::Pace;
use super::stream_view::StreamView;
use super::target::StreamTarget;
use crate::state::TaskSource;

/// A task stream writing to a [`StreamView`]. Nothing connects until a
/// start; dropping it closes the stream (the task goes on on the server).
///
/// ## Usage
/// A page without Leptos that shows the percentage and the newest line in
/// one element (`examples/without_leptos.rs`, which a browser test runs):
#[doc = concat!("```no_run\n", include_str!("../../examples/without_leptos.rs"), "```")]
pub struct TaskStream {
    controller: Shared,
}

impl TaskStream {
    /// A stream with `options`, writing to `view`.
    pub fn new(options: UseTaskStreamOptions, view: impl StreamView + 'static) -> Self {
        Self::on_model(
            options,
            Box::new(TaskModel::new(Box::new(view))),
            Pace::EveryFrame,
        )
    }

    /// A stream with `options` applying to `model`, shown at `pace` (the
    /// dashboard's stream is one).
    pub(crate) fn on_model(
        options: UseTaskStreamOptions,
        model: Box<dyn StreamModel>,
        pace: Pace,
    ) -> Self {
        Self {
            controller: Controller::new(options, model, pace, Rc::new(BrowserHost)),
        }
    }

    /// Runs `f` on the controller unless it is busy (a call from inside
    /// [`StreamView::show`] is dropped: make it later).
    fn with(&self, f: impl FnOnce(&mut Controller)) {
        if let Ok(mut controller) = self.controller.try_borrow_mut() {
            f(&mut controller);
        }
    }

    /// Opens `target` (replacing any current stream).
    pub fn start_url(&self, target: StreamTarget) {
        self.with(|c| c.start_url(target));
    }

    /// Creates a task with `POST {server}/api/tasks`, then streams it; stop
    /// then cancels it on the server. `server` is an origin such as
    /// `http://127.0.0.1:8080`, or empty for the page's own.
    pub fn start_task(&self, server: &str, request: CreateTaskRequest) {
        self.start_source(TaskSource::TaskApi {
            server: server.to_owned(),
            request,
        });
    }

    /// Creates a task of the server's job `kind` with `params` (a JSON
    /// object's text) on `server`'s task API, then streams it; stop then
    /// cancels it on the server.
    pub fn start_job(&self, server: &str, kind: &str, params: &str) {
        self.start_source(TaskSource::Job {
            server: server.to_owned(),
            kind: kind.to_owned(),
            params: params.to_owned(),
            label: None,
        });
    }

    /// Reattaches to task `id` of `server`'s task API: replays its whole log,
    /// every line once and in order, then goes on live. An unknown id, or a
    /// task the server's retention removed, fails at once with a message
    /// that says so.
    pub fn attach_task(&self, server: &str, id: &str) {
        let server = server.trim_end_matches('/').to_owned();
        let id = id.to_owned();
        self.with(|c| c.attach_task(server, id));
    }

    /// Starts `source`: creates the task on the task API, or opens the URL
    /// (replacing any current stream).
    pub fn start_source(&self, source: TaskSource) {
        let server = match &source {
            TaskSource::TaskApi { server, .. } | TaskSource::Job { server, .. } => {
                server.trim_end_matches('/').to_owned()
            }
            TaskSource::Url { url } => return self.start_url(StreamTarget::url(url.clone())),
        };
        match source.create_body() {
            Some(Ok(body)) => self.with(|c| c.start_task(server, body)),
            Some(Err(problem)) => self.with(|c| c.fail_to_start(problem)),
            None => {}
        }
    }

    /// Uses `options` from the next start on (the current stream goes on as
    /// it is).
    pub fn set_options(&self, options: UseTaskStreamOptions) {
        self.with(|c| c.set_options(options));
    }

    /// Closes the stream at once, logs "Interrupted", and cancels the task
    /// on the server when it has a cancel URL.
    pub fn stop(&self) {
        self.with(Controller::stop);
    }

    /// The cancel URL given in the options.
    pub fn cancel_url(&self) -> Option<String> {
        self.controller
            .try_borrow()
            .ok()
            .and_then(|c| c.cancel_url())
    }

    /// Closes everything without touching the log (the view went away).
    pub(crate) fn dispose(&self) {
        self.with(Controller::dispose);
    }
}

impl Drop for TaskStream {
    fn drop(&mut self) {
        self.dispose();
    }
}
