//! `<TaskLogPanel>`: one task's full log, status and bar, reattached from
//! the server (its whole log replayed once, then live).

use leptos::prelude::*;

use crate::ui::{use_task_stream, LogView, ProgressBar, StatusBadge};

/// The full log of task `task_id` on `server`'s task API.
#[component]
pub fn TaskLogPanel(
    /// Origin of the server, or empty for the page's own.
    #[prop(into)]
    server: String,
    /// The task.
    #[prop(into)]
    task_id: String,
) -> impl IntoView {
    let stream = use_task_stream(String::new());
    let (attach_server, attach_id) = (server, task_id.clone());
    // In the browser only (effects never run on the server).
    Effect::new(move |_| stream.attach_task(attach_server.clone(), attach_id.clone()));
    view! {
        <section class="tm-log-panel" data-testid="task-log-panel" aria-label="Task log">
            <h2 class="tm-log-title">"Task " <code>{task_id}</code></h2>
            <StatusBadge status=stream.status />
            <ProgressBar progress=stream.progress />
            <LogView lines=stream.lines />
        </section>
    }
}
