//! `<TaskControls>`: Start Long Task / Stop Task, each disabled when it cannot act.

use leptos::prelude::*;

use crate::words::{Labels, Word};

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
    /// The words (fixed for the buttons' life). Default: English.
    #[prop(optional)]
    labels: Labels,
    /// Hides Start (the page starts the task its own way).
    #[prop(optional)]
    hide_start: bool,
) -> impl IntoView {
    let say = |word| labels.template(word).to_owned();
    view! {
        <div class="tm-controls" part="controls" role="group" aria-label=say(Word::Controls)>
            <button
                type="button"
                class="tm-button tm-primary"
                data-testid="start"
                part="start"
                hidden=hide_start
                disabled=move || !can_start.get()
                on:click=move |_| on_start.run(())
            >
                {say(Word::Start)}
            </button>
            <button
                type="button"
                class="tm-button"
                data-testid="stop"
                part="stop"
                disabled=move || !can_stop.get()
                on:click=move |_| on_stop.run(())
            >
                {say(Word::Stop)}
            </button>
        </div>
    }
}
