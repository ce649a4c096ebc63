//! `<TasksDashboard>`: every task of a server, live over one connection: a
//! table with each task's state, bar, percentage and last line, Stop per
//! task, and its full log on demand. The rows are plain DOM updated in
//! place (see `row_dom.rs`), so 200 tasks updating cost what changed.

use leptos::html;
use leptos::prelude::*;

use super::hook::{use_tasks_dashboard_with_options, DashboardConnection, TasksDashboardOptions};
use super::log_panel::TaskLogPanel;
use super::row_dom::{clicked_row_action, RowAction, TaskRows};
use super::rows::RowsOnScreen;
use crate::stream::Transport;

/// Rows created in one render at most; the rest come on the next animation
/// frames. Measured on two cores (`BENCHMARKS.md`): 400 rows at once held
/// one frame for 82 ms of script; 100, 50 and 25 still let the first frame
/// reach 50 to 83 ms; with 10, no frame went over 33 ms.
const ROWS_PER_RENDER: usize = 10;

/// The live table of every task of `server`.
///
/// ## Usage
/// ```no_run
/// use leptos::prelude::*;
/// use sse_task_progress::TasksDashboard;
///
/// leptos::mount::mount_to_body(|| view! { <TasksDashboard server="" /> });
/// ```
#[component]
pub fn TasksDashboard(
    /// Origin of the server (`http://127.0.0.1:8080`), or empty for the page's own.
    #[prop(into)]
    server: String,
    /// The multiplexed stream's URL (default: `{server}/api/tasks/events`).
    #[prop(optional, into)]
    events_url: Option<String>,
    /// How the stream is read (default: the browser's `EventSource`).
    #[prop(optional)]
    transport: Transport,
) -> impl IntoView {
    let options = TasksDashboardOptions {
        events_url,
        transport,
        ..TasksDashboardOptions::default()
    };
    let board = use_tasks_dashboard_with_options(server.clone(), options);
    let open_task = RwSignal::new(None::<String>);
    let count = Memo::new(move |_| board.dashboard.with(|d| d.tasks().len()));
    let empty = Memo::new(move |_| {
        count.get() == 0 && board.connection.with(|c| *c == DashboardConnection::Open)
    });
    let connection = move || {
        board.connection.with(|c| match c {
            DashboardConnection::Connecting => "Connecting…".to_owned(),
            DashboardConnection::Open => format!("Live: {} tasks", count.get()),
            DashboardConnection::Reconnecting => "Connection lost; reconnecting".to_owned(),
            DashboardConnection::Failed(reason) => format!("Failed: {reason}"),
        })
    };
    let connection_name = move || {
        board.connection.with(|c| match c {
            DashboardConnection::Connecting => "connecting",
            DashboardConnection::Open => "open",
            DashboardConnection::Reconnecting => "reconnecting",
            DashboardConnection::Failed(_) => "failed",
        })
    };
    // The rows are written to the DOM directly (browser only: effects never
    // run on the server), each render touching only the cells that changed.
    let body = NodeRef::<html::Div>::new();
    let mut screen = RowsOnScreen::default();
    let mut rows = TaskRows::new();
    // Rows left by a render's cap are added on the next animation frame.
    let more_rows = Trigger::new();
    Effect::new(move |_| {
        more_rows.track();
        let Some(body) = body.get() else {
            return;
        };
        let plan = board.dashboard.with(|d| screen.update(d, ROWS_PER_RENDER));
        if !plan.is_empty() {
            rows.apply(&body, &plan);
        }
        if plan.more {
            request_animation_frame(move || more_rows.notify());
        }
    });
    let on_click = move |event: web_sys::MouseEvent| match clicked_row_action(&event) {
        Some(RowAction::Stop(id)) => board.stop(&id),
        Some(RowAction::OpenLog(id)) => open_task.set(Some(id)),
        None => {}
    };
    view! {
        <section class="tm-dashboard" data-testid="tasks-dashboard" aria-label="Every task">
            <p class="tm-connection" data-testid="dashboard-connection" data-state=connection_name role="status">
                {connection}
            </p>
            <div class="tm-table" role="table" aria-label="Tasks">
                <div class="tm-row tm-row-head" role="row">
                    // Spaced like the rows (see `row_dom.rs`).
                    <span role="columnheader">"Task"</span>" "
                    <span role="columnheader">"State"</span>" "
                    <span role="columnheader">"Progress"</span>" "
                    <span role="columnheader">"Last line"</span>" "
                    <span role="columnheader"><span class="tm-visually-hidden">"Actions"</span></span>
                </div>
                <div class="tm-rows" role="rowgroup" node_ref=body on:click=on_click></div>
            </div>
            <p class="tm-empty" data-testid="dashboard-empty" hidden=move || !empty.get()>
                "No tasks on the server yet: each task appears here when it is created."
            </p>
            {move || {
                open_task
                    .get()
                    .map(|task_id| view! { <TaskLogPanel server=server.clone() task_id /> })
            }}
        </section>
    }
}
