//! `<ProgressBar>`: a native `<progress>` with its percentage label and ARIA values.

use leptos::prelude::*;

use crate::words::{whole_percent, Labels, Word};

/// The bar and its "42%" label.
#[component]
pub fn ProgressBar(
    /// Percentage done, 0.0..=100.0.
    #[prop(into)]
    progress: Signal<f64>,
    /// The words (the percentage's form, the bar's name; fixed for the
    /// bar's life). Default: English.
    #[prop(optional)]
    labels: Labels,
) -> impl IntoView {
    let name = labels.template(Word::Bar).to_owned();
    let label = Memo::new(move |_| labels.percent(progress.get()));
    view! {
        <div class="tm-progress">
            <progress
                data-testid="progress-bar"
                part="bar"
                max="100"
                prop:value=move || progress.get()
                aria-label=name
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || whole_percent(progress.get())
                aria-valuetext=move || label.get()
            ></progress>
            <span class="tm-progress-label" data-testid="progress-label" part="percent" aria-hidden="true">
                {move || label.get()}
            </span>
        </div>
    }
}
