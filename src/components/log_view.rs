//! `<LogView>`: the log, appended to in place.
//!
//! Lines are added to (and dropped from) the DOM directly, so a new line costs
//! the same with 10 or 10 000 lines on screen; text is set with
//! `textContent`, never parsed as HTML. The view follows the newest line
//! unless the reader scrolled up.

use leptos::html;
use leptos::prelude::*;
use web_sys::{Document, Element, HtmlDivElement};

use crate::task::{plan_render, LogLine, RenderPlan, RenderedRange, TaskLog};

/// Distance from the bottom, in pixels, that still counts as "at the newest line".
const FOLLOW_SLACK_PX: i32 = 8;

/// The scrolling log with its "N earlier lines not shown" notice.
#[component]
pub fn LogView(
    /// The log to show.
    lines: ReadSignal<TaskLog>,
) -> impl IntoView {
    let container = NodeRef::<html::Div>::new();
    let rendered = StoredValue::new(RenderedRange::default());
    let follow = StoredValue::new(true);
    let dropped = Memo::new(move |_| lines.with(|log| log.dropped()));
    let count = Memo::new(move |_| lines.with(|log| log.len()));

    Effect::new(move |_| {
        let Some(element) = container.get() else {
            return;
        };
        lines.with(|log| {
            let plan = plan_render(rendered.get_value(), log.first_key(), log.next_key());
            render(&element, log, &plan);
            rendered.set_value(plan.after);
        });
        if follow.get_value() {
            element.set_scroll_top(element.scroll_height());
        }
    });

    let on_scroll = move |_| {
        if let Some(element) = container.get_untracked() {
            let bottom = element.scroll_top() + element.client_height();
            follow.set_value(bottom >= element.scroll_height() - FOLLOW_SLACK_PX);
        }
    };

    view! {
        <div class="log-panel">
            <p class="log-dropped" data-testid="log-dropped" hidden=move || dropped.get() == 0>
                {move || format!("{} earlier lines not shown", dropped.get())}
            </p>
            <div
                class="log"
                data-testid="log"
                data-count=move || count.get()
                role="log"
                aria-live="polite"
                aria-label="Task log"
                tabindex="0"
                node_ref=container
                on:scroll=on_scroll
            ></div>
        </div>
    }
}

/// Applies `plan` to `container`: drops the oldest lines, appends the new ones.
fn render(container: &HtmlDivElement, log: &TaskLog, plan: &RenderPlan) {
    for _ in 0..plan.remove_front {
        match container.first_element_child() {
            Some(child) => child.remove(),
            None => break,
        }
    }
    let document = container.owner_document().unwrap_or_else(document);
    let fragment = document.create_document_fragment();
    for line in log.lines_from(plan.append_from) {
        if let Ok(row) = line_element(&document, line) {
            let _ = fragment.append_child(&row);
        }
    }
    let _ = container.append_child(&fragment);
}

fn line_element(document: &Document, line: &LogLine) -> Result<Element, wasm_bindgen::JsValue> {
    let row = document.create_element("div")?;
    row.set_class_name(&format!("log-line log-{}", line.level.as_str()));
    row.set_attribute("data-level", line.level.as_str())?;
    if let Some(id) = &line.event_id {
        row.set_attribute("data-event-id", id)?;
    }
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(line.at_ms));
    row.set_attribute("title", &String::from(at.to_iso_string()))?;
    row.set_text_content(Some(&line.text));
    Ok(row)
}
