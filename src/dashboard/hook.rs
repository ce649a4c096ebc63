//! The dashboard hook: [`use_tasks_dashboard`] follows every task of a
//! server over **one** connection to its multiplexed stream
//! (`GET /api/tasks/events`), so a page with many tasks stays within the
//! browser's six connections per origin. It is a stream on the same engine
//! as a task's (the same connection rules, either transport, resuming with
//! `Last-Event-ID`, the feed's server-wide sequence), applied to a
//! [`Dashboard`] and shown at most ten times a second however many
//! messages arrive.

use leptos::prelude::*;

use super::board::Dashboard;
use crate::state::{ConnectionEvent, Directive, ReadyState};
use crate::stream::{
    cancel_task, warn, Pace, ReconnectPolicy, StreamModel, StreamTarget, TaskStream, Transport,
    UseTaskStreamOptions, DASHBOARD_SHOW_EVERY_MS,
};

/// The dashboard's connection, for the user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DashboardConnection {
    /// Opening the stream.
    #[default]
    Connecting,
    /// Live.
    Open,
    /// The connection dropped; reconnecting.
    Reconnecting,
    /// The stream failed for good (the connection rules gave up, or the
    /// server refused it): no more reconnects.
    Failed(String),
}

/// Options of [`use_tasks_dashboard_with_options`].
#[derive(Debug, Clone, Default)]
pub struct TasksDashboardOptions {
    /// The multiplexed stream's URL. Default: `{server}/api/tasks/events`.
    pub events_url: Option<String>,
    /// How the stream is read. Default: the browser's `EventSource`.
    pub transport: Transport,
    /// Reconnects after failed attempts. Default: [`ReconnectPolicy::default`].
    pub reconnect: ReconnectPolicy,
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
        leptos::task::spawn_local(async move {
            if let Err(error) = cancel_task(&url).await {
                warn(&format!("could not cancel the task: {error}"));
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
    let stream_options = UseTaskStreamOptions::default()
        .transport(options.transport)
        .reconnect(options.reconnect);
    let model = BoardModel {
        dashboard,
        connection,
    };
    let stream = StoredValue::new_local(TaskStream::on_model(
        stream_options,
        Box::new(model),
        Pace::AtMostEvery(DASHBOARD_SHOW_EVERY_MS),
    ));
    // Effects run only in the browser: nothing connects on the server.
    Effect::new(move |_| {
        let target = StreamTarget::url(url.clone());
        stream.try_with_value(|s| s.start_url(target));
    });
    on_cleanup(move || {
        stream.try_with_value(TaskStream::dispose);
    });
    UseTasksDashboardReturn {
        dashboard: dashboard.read_only(),
        connection: connection.read_only(),
        server: StoredValue::new(server),
    }
}

/// The dashboard's [`StreamModel`]: feed messages go to the board, changed
/// untracked and notified once per show; connection events to its state.
struct BoardModel {
    dashboard: RwSignal<Dashboard>,
    connection: RwSignal<DashboardConnection>,
}

impl StreamModel for BoardModel {
    fn restart(&mut self, _options: &UseTaskStreamOptions) {}

    fn apply(&mut self, event: ConnectionEvent, _now_ms: f64) -> Directive {
        let connection = match event {
            ConnectionEvent::Message(raw) => {
                let applied = self
                    .dashboard
                    .try_update_untracked(|board| board.apply(&raw.data));
                return match applied {
                    Some(Ok(())) => Directive::Continue,
                    Some(Err(error)) => {
                        warn(&error.to_string());
                        Directive::Ignored
                    }
                    None => Directive::Ignored,
                };
            }
            ConnectionEvent::Starting
            | ConnectionEvent::NewCredentials
            | ConnectionEvent::Queued => DashboardConnection::Connecting,
            ConnectionEvent::Opened { .. } => DashboardConnection::Open,
            ConnectionEvent::Waiting
            | ConnectionEvent::Reconnecting { .. }
            | ConnectionEvent::Idle { .. }
            | ConnectionEvent::Offline
            | ConnectionEvent::Paused => DashboardConnection::Reconnecting,
            ConnectionEvent::HistoryLost { .. } => {
                warn("the server no longer has some of the feed's events; rows show their last state");
                return Directive::Continue;
            }
            ConnectionEvent::Failed { failure } => {
                let reason = failure.english();
                self.connection.try_set(DashboardConnection::Failed(reason));
                return Directive::Close;
            }
            ConnectionEvent::Stopped { .. } => return Directive::Close,
        };
        self.connection.try_set(connection);
        Directive::Continue
    }

    fn show(&mut self) {
        self.dashboard.notify();
    }

    fn set_ready_state(&mut self, _state: ReadyState) {}

    fn set_target(&mut self, _target: Option<&StreamTarget>) {}
}
