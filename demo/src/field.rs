//! `<FormField>`: one labelled input of the demo form, bound to a field of
//! [`DemoForm`].

use leptos::prelude::*;

use crate::config::DemoForm;

/// Picks one text field of the form.
pub type FieldOf = fn(&mut DemoForm) -> &mut String;

/// A label and an input that reads and writes `field` of `form`.
#[component]
pub fn FormField(
    /// Text of the label.
    label: &'static str,
    /// `data-testid` of the input.
    test_id: &'static str,
    /// The input's `type` (`number`, `url`, ...).
    input_type: &'static str,
    /// The form.
    form: RwSignal<DemoForm>,
    /// Which field of the form.
    field: FieldOf,
    /// `min` of a number input.
    #[prop(optional)]
    min: Option<&'static str>,
    /// `max` of a number input.
    #[prop(optional)]
    max: Option<&'static str>,
    /// Placeholder text.
    #[prop(optional)]
    placeholder: Option<&'static str>,
    /// Spans the form's whole width.
    #[prop(optional)]
    wide: bool,
    /// Whether the field applies to the chosen source (hidden otherwise).
    shown: Signal<bool>,
) -> impl IntoView {
    let value = move || {
        let mut current = form.get();
        std::mem::take(field(&mut current))
    };
    view! {
        <label class=if wide { "field wide" } else { "field" } hidden=move || !shown.get()>
            <span>{label}</span>
            <input
                type=input_type
                min=min
                max=max
                placeholder=placeholder
                data-testid=test_id
                prop:value=value
                on:input=move |ev| form.update(|f| *field(f) = event_target_value(&ev))
            />
        </label>
    }
}
