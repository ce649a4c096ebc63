//! The dashboard hook: [`use_tasks_dashboard`] follows every task of a
//! server over **one** `EventSource` on its multiplexed stream
//! (`GET /api/tasks/events`), so a page with many tasks stays within the
//! browser's six connections per origin. The browser reconnects by itself
//! with `Last-Event-ID` (the feed's server-wide sequence), so a dropped
//! connection resumes without loss; messages are applied at most ten times
//! a second, however many arrive.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventSource};

use super::http;
use super::transport::inbox::Inbox;
use crate::task::{decode_batch, Dashboard, RawMessage};

/// Messages waiting in the inbox that make it apply them at once.
const TAKE_EVERY: u32 = 2048;

/// How often waiting messages are applied (and the table rendered) at most.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Messages applied in one go at most; the rest wait for the next animation
/// frame. A page opened on a busy server first reads a snapshot of every
/// task plus what came meanwhile (~700 messages for 200 tasks), which in one
/// go held a frame too long.
const APPLY_AT_MOST: usize = 256;

/// Messages left waiting at most: in a flood faster than
/// [`APPLY_AT_MOST`] per frame, the surplus is applied at once, so memory
/// stays bounded and the table does not fall further and further behind.
const WAITING_AT_MOST: usize = 8192;

/// The dashboard's connection, for the user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DashboardConnection {
    /// Opening the stream.
    #[default]
    Connecting,
    /// Live.
    Open,
    /// The connection dropped; the browser is reconnecting.
    Reconnecting,
    /// The server refused the stream (an error status): no more reconnects.
    Failed(String),
}

/// Options of [`use_tasks_dashboard_with_options`].
#[derive(Debug, Clone, Default)]
pub struct TasksDashboardOptions {
    /// The multiplexed stream's URL. Default: `{server}/api/tasks/events`.
    pub events_url: Option<String>,
}

/// What [`use_tasks_dashboard`] returns; `Copy`.
#[derive(Clone, Copy)]
pub struct UseTasksDashboardReturn {
    /// Every task seen, with its state, progress and last line.
    pub dashboard: ReadSignal<Dashboard>,
    /// The connection's state.
    pub connection: ReadSignal<DashboardConnection>,
    server: StoredValue<String>,
}

impl UseTasksDashboardReturn {
    /// Cancels task `id` on the server (its next update shows it cancelled).
    pub fn stop(&self, id: &str) {
        let Some(server) = self.server.try_get_value() else {
            return;
        };
        let url = format!("{server}/api/tasks/{id}/cancel");
        spawn_local(async move {
            if let Err(error) = http::cancel_task(&url).await {
                leptos::logging::warn!("could not cancel the task: {error}");
            }
        });
    }

    /// The server's origin (empty for the page's own).
    pub fn server(&self) -> String {
        self.server.get_value()
    }
}

/// Follows every task of `server` (an origin such as
/// `http://127.0.0.1:8080`, or empty for the page's own) over one
/// connection, from the moment the component is on the page until it goes.
///
/// ## Usage
/// ```no_run
/// use leptos::prelude::*;
/// use sse_task_progress::use_tasks_dashboard;
///
/// #[component]
/// fn Running() -> impl IntoView {
///     let board = use_tasks_dashboard("");
///     view! {
///         <p>
///             {move || board.dashboard.with(|d| {
///                 d.tasks().iter().filter(|t| !t.phase.is_terminal()).count()
///             })}
///             " running"
///         </p>
///     }
/// }
/// ```
pub fn use_tasks_dashboard(server: impl Into<String>) -> UseTasksDashboardReturn {
    use_tasks_dashboard_with_options(server, TasksDashboardOptions::default())
}

/// [`use_tasks_dashboard`] with `options`.
pub fn use_tasks_dashboard_with_options(
    server: impl Into<String>,
    options: TasksDashboardOptions,
) -> UseTasksDashboardReturn {
    let server = server.into().trim_end_matches('/').to_owned();
    let url = options
        .events_url
        .unwrap_or_else(|| format!("{server}/api/tasks/events"));
    let dashboard = RwSignal::new(Dashboard::default());
    let connection = RwSignal::new(DashboardConnection::Connecting);
    // Effects run only in the browser: nothing connects on the server.
    Effect::new(move |_| match open(&url, dashboard, connection) {
        Ok(source) => {
            let source = SendWrapper::new(source);
            on_cleanup(move || source.close());
        }
        Err(reason) => connection.set(DashboardConnection::Failed(reason)),
    });
    UseTasksDashboardReturn {
        dashboard: dashboard.read_only(),
        connection: connection.read_only(),
        server: StoredValue::new(server),
    }
}

/// The open source, its inbox and its listeners (dropped with it).
struct FeedSource {
    source: EventSource,
    _inbox: Rc<Inbox>,
    _listeners: Vec<Closure<dyn FnMut(Event)>>,
}

impl FeedSource {
    fn close(&self) {
        self.source.close();
    }
}

/// How many of `waiting` messages to apply in this frame.
fn to_apply_now(waiting: usize) -> usize {
    waiting
        .min(APPLY_AT_MOST)
        .max(waiting.saturating_sub(WAITING_AT_MOST))
}

/// Applies the inbox's messages to the dashboard, at most
/// [`APPLY_AT_MOST`] at a time (unless more than [`WAITING_AT_MOST`] wait).
struct Applier {
    // Weak: the inbox owns `wake`, which owns this; a strong reference here
    // would keep the inbox (and its JS listener) alive forever.
    inbox: Rc<RefCell<Weak<Inbox>>>,
    /// Messages taken from the inbox and not applied yet, oldest first.
    waiting: RefCell<VecDeque<RawMessage>>,
    /// A flush is scheduled for the next animation frame.
    again: Cell<bool>,
    dashboard: RwSignal<Dashboard>,
}

impl Applier {
    fn flush(self: &Rc<Self>) {
        let Some(inbox) = self.inbox.borrow().upgrade() else {
            return;
        };
        let mut waiting = self.waiting.borrow_mut();
        waiting.extend(decode_batch(&inbox.take()));
        let count = to_apply_now(waiting.len());
        self.dashboard.try_update(|board| {
            for message in waiting.drain(..count) {
                if let Err(error) = board.apply(&message.data) {
                    leptos::logging::warn!("{error}");
                }
            }
        });
        if !waiting.is_empty() && !self.again.replace(true) {
            let me = self.clone();
            request_animation_frame(move || {
                me.again.set(false);
                me.flush();
            });
        }
    }
}

/// Opens the stream. Messages wait in the JS inbox (a listener as cheap as
/// the browser's own counter: Chrome dispatches a whole network chunk's
/// events in one task) and are applied together, at most once per
/// [`FLUSH_EVERY`], or at once when [`TAKE_EVERY`] wait.
fn open(
    url: &str,
    dashboard: RwSignal<Dashboard>,
    connection: RwSignal<DashboardConnection>,
) -> Result<FeedSource, String> {
    let source = EventSource::new(url).map_err(|_| format!("the browser refused {url}"))?;
    let inbox_slot: Rc<RefCell<Weak<Inbox>>> = Rc::default();
    let scheduled = Rc::new(RefCell::new(false));
    let applier = Rc::new(Applier {
        inbox: inbox_slot.clone(),
        waiting: RefCell::default(),
        again: Cell::new(false),
        dashboard,
    });
    let flush = move || applier.flush();
    let wake = move |queued: u32| {
        if queued >= TAKE_EVERY {
            flush();
            return;
        }
        if scheduled.replace(true) {
            return;
        }
        let (flush, scheduled) = (flush.clone(), scheduled.clone());
        set_timeout(
            move || {
                scheduled.replace(false);
                flush();
            },
            FLUSH_EVERY,
        );
    };
    let inbox = Rc::new(Inbox::listen(
        &source,
        vec!["message".to_owned()],
        TAKE_EVERY,
        wake,
    ));
    inbox_slot.replace(Rc::downgrade(&inbox));
    let on_open = Closure::<dyn FnMut(Event)>::new(move |_| {
        connection.try_set(DashboardConnection::Open);
    });
    let closed_source = source.clone();
    let failed_url = url.to_owned();
    let on_error = Closure::<dyn FnMut(Event)>::new(move |_| {
        if closed_source.ready_state() == EventSource::CLOSED {
            let url = failed_url.clone();
            spawn_local(async move {
                let diagnosis = http::diagnose(&url).await;
                connection.try_set(DashboardConnection::Failed(diagnosis.reason));
            });
        } else {
            connection.try_set(DashboardConnection::Reconnecting);
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(FeedSource {
        source,
        _inbox: inbox,
        _listeners: vec![on_open, on_error],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_applies_a_slice_and_a_flood_never_leaves_more_than_the_bound_waiting() {
        assert_eq!(to_apply_now(0), 0);
        assert_eq!(to_apply_now(100), 100);
        assert_eq!(to_apply_now(700), APPLY_AT_MOST);
        assert_eq!(to_apply_now(WAITING_AT_MOST), APPLY_AT_MOST);
        assert_eq!(to_apply_now(WAITING_AT_MOST + 10_000), 10_000);
    }
}
