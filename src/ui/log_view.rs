//! `<LogView>`: the log, appended to in place by [`LogRenderer`] (blocks of
//! lines written as text, bounded, following the newest line unless the
//! reader scrolled up), with its "N earlier lines not shown" notice.

use leptos::html;
use leptos::prelude::*;

use crate::render::LogRenderer;
use crate::state::TaskLog;
use crate::words::{Labels, Word};

/// The scrolling log with its "N earlier lines not shown" notice.
#[component]
pub fn LogView(
    /// The log to show.
    lines: ReadSignal<TaskLog>,
    /// The words (the dropped lines' notice, the log's name; fixed for the
    /// log's life). Default: English.
    #[prop(optional)]
    labels: Labels,
) -> impl IntoView {
    let name = labels.template(Word::Log).to_owned();
    let container = NodeRef::<html::Div>::new();
    let renderer = StoredValue::new_local(None::<LogRenderer>);
    let dropped = Memo::new(move |_| lines.with(|log| log.dropped()));
    let count = Memo::new(move |_| lines.with(|log| log.len()));

    Effect::new(move |_| {
        let Some(element) = container.get() else {
            return;
        };
        renderer.update_value(|renderer| {
            let renderer = renderer.get_or_insert_with(|| LogRenderer::new(element.into()));
            lines.with(|log| renderer.render(log));
        });
    });
    let on_scroll = move |_| {
        renderer.update_value(|renderer| {
            if let Some(renderer) = renderer {
                renderer.on_scroll();
            }
        });
    };

    view! {
        <div class="tm-log-area">
            <p class="tm-log-dropped" data-testid="log-dropped" hidden=move || dropped.get() == 0>
                {move || labels.dropped(dropped.get())}
            </p>
            <div
                class="tm-log"
                data-testid="log"
                part="log"
                data-count=move || count.get()
                role="log"
                aria-live="polite"
                aria-label=name
                tabindex="0"
                node_ref=container
                on:scroll=on_scroll
            ></div>
        </div>
    }
}
