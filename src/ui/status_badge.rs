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
    /// The words. Default: English.
    #[prop(optional, into)]
    labels: Signal<Labels>,
) -> impl IntoView {
    view! {
        <p
            class=move || status.with(TaskStatus::badge_class)
            data-testid="status"
            part="status"
            data-status=move || status.with(|s| s.name())
            role="status"
        >
            {move || labels.with(|labels| status.with(|s| s.words(labels)))}
        </p>
    }
}
