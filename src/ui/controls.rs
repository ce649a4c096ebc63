//! `<TaskControls>`: Start Long Task / Stop Task, each disabled when it cannot act.

use leptos::prelude::*;

/// The two buttons of the coreBOS seed page.
#[component]
pub fn TaskControls(
    /// Whether Start can act (nothing is running).
    #[prop(into)]
    can_start: Signal<bool>,
    /// Whether Stop can act (something is running).
    #[prop(into)]
    can_stop: Signal<bool>,
    /// Called on Start.
    on_start: Callback<()>,
    /// Called on Stop.
    on_stop: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="tm-controls" role="group" aria-label="Task controls">
            <button
                type="button"
                class="tm-button tm-primary"
                data-testid="start"
                disabled=move || !can_start.get()
                on:click=move |_| on_start.run(())
            >
                "Start Long Task"
            </button>
            <button
                type="button"
                class="tm-button"
                data-testid="stop"
                disabled=move || !can_stop.get()
                on:click=move |_| on_stop.run(())
            >
                "Stop Task"
            </button>
        </div>
    }
}
