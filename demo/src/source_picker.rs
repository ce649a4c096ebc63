//! The demo's form: which source, and its parameters.

use leptos::prelude::*;

use sse_task_progress::options::TransportKind;

use crate::config::{DemoForm, SourceKind};
use crate::field::FormField;
use crate::job_kinds::JobKindField;
use sse_task_progress::TaskSource;

/// Source menu, task parameters, custom URL, and the URL that Start will use.
#[component]
pub fn SourcePicker(
    /// The form's fields.
    form: RwSignal<DemoForm>,
    /// The OpenACS job's session, as the next (or current) run uses it.
    session_id: RwSignal<u64>,
) -> impl IntoView {
    let kind = Memo::new(move |_| form.with(|f| f.kind));
    let task_api = Signal::derive(move || kind.get() == SourceKind::TaskApi);
    let counted = Signal::derive(move || kind.get().counted());
    let paced = Signal::derive(move || {
        matches!(
            kind.get(),
            SourceKind::TaskApi
                | SourceKind::Corebos
                | SourceKind::Openacs
                | SourceKind::Secure
                | SourceKind::PostBody
        )
    });
    let transport = Memo::new(move |_| form.with(|f| f.effective_transport()));
    let custom = Signal::derive(move || kind.get() == SourceKind::Custom);
    let job = Signal::derive(move || kind.get() == SourceKind::Job);
    let shown_url = move || match form.with(|f| f.source(session_id.get())) {
        TaskSource::TaskApi { server, .. } => {
            format!("a new task on the server ({server}/api/tasks), then its event stream")
        }
        TaskSource::Job { server, kind, .. } => {
            format!("a new {kind} task on the server ({server}/api/tasks), then its event stream")
        }
        TaskSource::Url { url } if kind.get() == SourceKind::PostBody => format!("POST {url}"),
        TaskSource::Url { url } if url.is_empty() => "(type an SSE URL above)".to_owned(),
        TaskSource::Url { url } => url,
    };
    let sends_markup = Signal::derive(move || kind.get() == SourceKind::Openacs);
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
            <label class="field">
                <span>"Transport"</span>
                <select
                    data-testid="transport"
                    prop:value=move || transport.get().name()
                    prop:disabled=move || kind.get().needs_fetch()
                    on:change=move |ev| {
                        if let Some(choice) = TransportKind::from_name(&event_target_value(&ev)) {
                            form.update(|f| f.transport = choice);
                        }
                    }
                >
                    <option value="eventsource">"EventSource (the browser's)"</option>
                    <option value="fetch">"fetch (headers, POST bodies, no stalls)"</option>
                    <option value="fetch-worker">"fetch in a worker (off the main thread)"</option>
                </select>
            </label>
            <FormField label="Steps" test_id="steps" input_type="number" form
                field=|f| &mut f.steps min="1" max="100000" shown=counted />
            <FormField label="Fail at step" test_id="fail-at" input_type="number" form
                field=|f| &mut f.fail_at min="1" placeholder="never" shown=task_api />
            <FormField label="Interval (ms)" test_id="interval" input_type="number" form
                field=|f| &mut f.interval_ms min="0" max="60000" shown=paced />
            <JobKindField form shown=job />
            <FormField label="SSE URL" test_id="custom-url" input_type="url" form
                field=|f| &mut f.custom_url placeholder="https://example.org/events" wide=true
                shown=custom />
            <p class="source-url">
                "Streams: " <code data-testid="source-url">{shown_url}</code>
            </p>
            <p class="source-note" data-testid="markup-note" hidden=move || !sends_markup.get()>
                "This job sends HTML (" <code>"<li>…</li>"</code>
                "). The monitor shows what a server sends as text, never as markup, so the tags appear as written."
            </p>
        </form>
    }
}
