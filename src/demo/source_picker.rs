//! The demo's form: which source, and its parameters.

use leptos::prelude::*;

use super::config::{DemoForm, SourceKind};
use crate::task::TaskSource;

/// Source menu, task parameters, custom URL, and the URL that Start will use.
#[component]
pub fn SourcePicker(
    /// The form's fields.
    form: RwSignal<DemoForm>,
) -> impl IntoView {
    let kind = Memo::new(move |_| form.with(|f| f.kind));
    let field = move |read: fn(&DemoForm) -> &String| move || form.with(|f| read(f).clone());
    let shown_url = move || match form.with(|f| f.source(0)) {
        TaskSource::TaskApi { server, .. } => {
            format!("POST {server}/api/tasks, then its events_url")
        }
        TaskSource::Url { url } => url,
    };
    view! {
        <form class="source-picker" on:submit=|ev| ev.prevent_default() aria-label="Source">
            <label class="field wide">
                <span>"Source"</span>
                <select
                    data-testid="source-kind"
                    prop:value=move || kind.get().slug()
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(kind) = SourceKind::from_slug(&value) {
                            form.update(|f| f.kind = kind);
                        }
                    }
                >
                    {SourceKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.slug()>{k.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <Show when=move || kind.get() == SourceKind::TaskApi>
                <label class="field">
                    <span>"Steps"</span>
                    <input
                        type="number"
                        min="1"
                        max="100000"
                        data-testid="steps"
                        prop:value=field(|f| &f.steps)
                        on:input=move |ev| form.update(|f| f.steps = event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span>"Fail at step"</span>
                    <input
                        type="number"
                        min="1"
                        placeholder="never"
                        data-testid="fail-at"
                        prop:value=field(|f| &f.fail_at)
                        on:input=move |ev| form.update(|f| f.fail_at = event_target_value(&ev))
                    />
                </label>
            </Show>
            <Show when=move || matches!(kind.get(), SourceKind::TaskApi | SourceKind::Corebos | SourceKind::Openacs)>
                <label class="field">
                    <span>"Interval (ms)"</span>
                    <input
                        type="number"
                        min="0"
                        max="60000"
                        data-testid="interval"
                        prop:value=field(|f| &f.interval_ms)
                        on:input=move |ev| form.update(|f| f.interval_ms = event_target_value(&ev))
                    />
                </label>
            </Show>
            <Show when=move || kind.get() == SourceKind::Custom>
                <label class="field wide">
                    <span>"SSE URL"</span>
                    <input
                        type="url"
                        placeholder="https://example.org/events"
                        data-testid="custom-url"
                        prop:value=field(|f| &f.custom_url)
                        on:input=move |ev| form.update(|f| f.custom_url = event_target_value(&ev))
                    />
                </label>
            </Show>
            <p class="source-url">
                "Streams: " <code data-testid="source-url">{shown_url}</code>
            </p>
        </form>
    }
}
