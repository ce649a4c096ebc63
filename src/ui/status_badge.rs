//! `<StatusBadge>`: the stream's status in words, announced politely.

use leptos::prelude::*;

use crate::state::TaskStatus;

/// "Running", "Waiting for the next connection…", "Reconnecting (2 failed attempts)…", "Failed: <reason>", ...
#[component]
pub fn StatusBadge(
    /// The status to show.
    #[prop(into)]
    status: Signal<TaskStatus>,
) -> impl IntoView {
    view! {
        <p
            class=move || status.with(TaskStatus::badge_class)
            data-testid="status"
            data-status=move || status.with(|s| s.name())
            role="status"
        >
            {move || status.with(|s| s.label())}
        </p>
    }
}
