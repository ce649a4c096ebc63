//! `<StatusBadge>`: the stream's status in words, announced politely.

use leptos::prelude::*;

use crate::task::TaskStatus;

/// "Running", "Waiting for the next connection…", "Reconnecting (2 failed attempts)…", "Failed: <reason>", ...
#[component]
pub fn StatusBadge(
    /// The status to show.
    #[prop(into)]
    status: Signal<TaskStatus>,
) -> impl IntoView {
    view! {
        <p
            class=move || format!("status status-{}", status.with(|s| s.name()))
            data-testid="status"
            data-status=move || status.with(|s| s.name())
            role="status"
        >
            {move || status.with(|s| s.label())}
        </p>
    }
}
