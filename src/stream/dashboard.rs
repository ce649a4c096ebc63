//! The dashboard hook: [`use_tasks_dashboard`] follows every task of a
//! server over **one** `EventSource` on its multiplexed stream
//! (`GET /api/tasks/events`), so a page with many tasks stays within the
//! browser's six connections per origin. The browser reconnects by itself
//! with `Last-Event-ID` (the feed's server-wide sequence), so a dropped
//! connection resumes without loss; messages are applied once per
//! animation frame, however many arrive.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventSource, MessageEvent};

use super::http;
use crate::task::Dashboard;

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

/// The open source and its listeners (dropped with it).
struct FeedSource {
    source: EventSource,
    _listeners: Vec<Closure<dyn FnMut(Event)>>,
}

impl FeedSource {
    fn close(&self) {
        self.source.close();
    }
}

/// Opens the stream; messages wait in a queue applied once per frame.
fn open(
    url: &str,
    dashboard: RwSignal<Dashboard>,
    connection: RwSignal<DashboardConnection>,
) -> Result<FeedSource, String> {
    let source = EventSource::new(url).map_err(|_| format!("the browser refused {url}"))?;
    let pending: Rc<RefCell<Vec<String>>> = Rc::default();
    let scheduled = Rc::new(RefCell::new(false));
    let on_message = {
        let pending = pending.clone();
        Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let Some(data) = event
                .dyn_ref::<MessageEvent>()
                .and_then(|message| message.data().as_string())
            else {
                return;
            };
            pending.borrow_mut().push(data);
            if scheduled.replace(true) {
                return;
            }
            let (pending, scheduled) = (pending.clone(), scheduled.clone());
            request_animation_frame(move || {
                scheduled.replace(false);
                let messages = std::mem::take(&mut *pending.borrow_mut());
                dashboard.try_update(|board| {
                    for data in &messages {
                        if let Err(error) = board.apply(data) {
                            leptos::logging::warn!("{error}");
                        }
                    }
                });
            });
        })
    };
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
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(FeedSource {
        source,
        _listeners: vec![on_message, on_open, on_error],
    })
}
