//! `<ProgressBar>`: a native `<progress>` with its percentage label and ARIA values.

use leptos::prelude::*;

use crate::render::{format_percent, whole_percent};

/// The bar and its "42%" label.
#[component]
pub fn ProgressBar(
    /// Percentage done, 0.0..=100.0.
    #[prop(into)]
    progress: Signal<f64>,
) -> impl IntoView {
    let label = Memo::new(move |_| format_percent(progress.get()));
    view! {
        <div class="tm-progress">
            <progress
                data-testid="progress-bar"
                max="100"
                prop:value=move || progress.get()
                aria-label="Task progress"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || whole_percent(progress.get())
                aria-valuetext=move || label.get()
            ></progress>
            <span class="tm-progress-label" data-testid="progress-label" aria-hidden="true">
                {move || label.get()}
            </span>
        </div>
    }
}
