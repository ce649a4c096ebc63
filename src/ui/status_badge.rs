//! `<StatusBadge>`: the stream's status in words, announced politely.

use leptos::prelude::*;

use crate::state::TaskStatus;
use crate::words::Labels;

/// "Running", "Waiting for the next connection…", "Reconnecting (2 failed attempts)…", "Failed: <reason>", ...
#[component]
pub fn StatusBadge(
    /// The status to show.
    #[prop(into)]
    status: Signal<TaskStatus>,
    /// The words (fixed for the badge's life). Default: English.
    #[prop(optional)]
    labels: Labels,
) -> impl IntoView {
    view! {
        <p
            class=move || status.with(TaskStatus::badge_class)
            data-testid="status"
            part="status"
            data-status=move || status.with(|s| s.name())
            role="status"
        >
            {move || status.with(|s| s.words(&labels))}
        </p>
    }
}
