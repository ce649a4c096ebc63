//! `<TasksDashboard>`: every task of a server, live over one connection: a
//! table with each task's state, bar, percentage and last line, Stop per
//! task, and its full log on demand.

use leptos::prelude::*;

use super::TaskLogPanel;
use crate::stream::{
    use_tasks_dashboard_with_options, DashboardConnection, TasksDashboardOptions,
    UseTasksDashboardReturn,
};
use crate::task::{format_percent, DashboardTask};

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
) -> impl IntoView {
    let board =
        use_tasks_dashboard_with_options(server.clone(), TasksDashboardOptions { events_url });
    let open_task = RwSignal::new(None::<String>);
    let ids = Memo::new(move |_| {
        board
            .dashboard
            .with(|d| d.tasks().iter().map(|t| t.id.clone()).collect::<Vec<_>>())
    });
    let connection = move || {
        board.connection.with(|c| match c {
            DashboardConnection::Connecting => "Connecting…".to_owned(),
            DashboardConnection::Open => format!("Live: {} tasks", ids.with(Vec::len)),
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
    view! {
        <section class="tasks-dashboard" data-testid="tasks-dashboard" aria-label="Every task">
            <p class="dashboard-connection" data-testid="dashboard-connection" data-state=connection_name role="status">
                {connection}
            </p>
            <table class="tasks">
                <thead>
                    <tr>
                        <th scope="col">"Task"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Progress"</th>
                        <th scope="col">"Last line"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || ids.get() key=|id| id.clone() let:id>
                        <TaskRow board id open_task />
                    </For>
                </tbody>
            </table>
            {move || {
                open_task
                    .get()
                    .map(|task_id| view! { <TaskLogPanel server=server.clone() task_id /> })
            }}
        </section>
    }
}

/// One task's row; re-rendered only when that task changed.
#[component]
fn TaskRow(
    board: UseTasksDashboardReturn,
    id: String,
    open_task: RwSignal<Option<String>>,
) -> impl IntoView {
    let row_id = id.clone();
    let task = Memo::new(move |_| {
        board.dashboard.with(|d| {
            d.task(&row_id)
                .cloned()
                .unwrap_or_else(|| DashboardTask::new(&row_id))
        })
    });
    let read = move |f: fn(&DashboardTask) -> String| move || task.with(f);
    let name = read(|t| t.label.clone().unwrap_or_else(|| short(&t.id)));
    let phase = read(|t| t.phase.as_str().to_owned());
    let percent = read(|t| format_percent(t.progress));
    let last_line = read(|t| t.last_line.clone().unwrap_or_default());
    let missed = read(|t| t.missed.to_string());
    let (stop_id, log_id) = (id.clone(), id.clone());
    view! {
        <tr data-testid="task-row" data-task-id=id data-state=phase data-missed=missed>
            <td class="task-name">{name}</td>
            <td class=move || format!("task-phase phase-{}", phase())>{phase}</td>
            <td class="task-progress">
                <progress max="100" prop:value=move || task.with(|t| t.progress)></progress>
                <span class="progress-label">{percent}</span>
            </td>
            <td class="task-last-line">{last_line}</td>
            <td class="task-actions">
                <button
                    type="button"
                    class="button"
                    data-testid="task-stop"
                    disabled=move || task.with(|t| t.phase.is_terminal())
                    on:click=move |_| board.stop(&stop_id)
                >
                    "Stop"
                </button>
                <button
                    type="button"
                    class="button"
                    data-testid="task-open-log"
                    on:click=move |_| open_task.set(Some(log_id.clone()))
                >
                    "Log"
                </button>
            </td>
        </tr>
    }
}

/// The first block of a UUID, enough to tell tasks apart on screen.
fn short(id: &str) -> String {
    id.split('-').next().unwrap_or(id).to_owned()
}
