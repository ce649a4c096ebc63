//! `<LogView>`: the log, appended to in place.
//!
//! Lines are added to (and dropped from) the DOM directly, so a new line costs
//! the same with 10 or 10 000 lines on screen; text is set with
//! `textContent`, never parsed as HTML. The view follows the newest line
//! unless the reader scrolled up.

use leptos::html;
use leptos::prelude::*;
use web_sys::{Document, Element, HtmlDivElement};

use crate::task::{plan_render, LogLevel, LogLine, RenderPlan, RenderedRange, TaskLog};

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

    // Fires when a frame's budget ran out before the DOM caught up.
    let behind = Trigger::new();
    Effect::new(move |_| {
        behind.track();
        let Some(element) = container.get() else {
            return;
        };
        let caught_up = lines.with(|log| {
            let plan = plan_render(rendered.get_value(), log.first_key(), log.next_key());
            let reached = render(&element, log, &plan);
            rendered.set_value(RenderedRange {
                first: plan.after.first,
                next: reached,
            });
            reached >= plan.after.next
        });
        if follow.get_value() {
            element.set_scroll_top(element.scroll_height());
        }
        if !caught_up {
            request_animation_frame(move || behind.notify());
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

/// Time one frame may spend adding lines, in ms: a flood is rendered over
/// several frames instead of in one long task.
const FRAME_BUDGET_MS: f64 = 8.0;

/// Applies `plan` to `container`: drops the oldest lines, appends new ones
/// until the frame's budget is spent. Returns the key after the last line
/// appended.
fn render(container: &HtmlDivElement, log: &TaskLog, plan: &RenderPlan) -> u64 {
    for _ in 0..plan.remove_front {
        match container.first_element_child() {
            Some(child) => child.remove(),
            None => break,
        }
    }
    let document = container.owner_document().unwrap_or_else(document);
    let clock = window().performance();
    let now = || clock.as_ref().map_or(0.0, |p| p.now());
    let deadline = now() + FRAME_BUDGET_MS;
    let fragment = document.create_document_fragment();
    let mut reached = plan.append_from;
    for (i, line) in log.lines_from(plan.append_from).enumerate() {
        if i % 64 == 63 && now() > deadline {
            break;
        }
        if let Ok(row) = line_element(&document, line) {
            let _ = fragment.append_child(&row);
        }
        reached = line.key + 1;
    }
    let _ = container.append_child(&fragment);
    reached
}

/// One line: a `div` whose class says its level, its text set as text.
fn line_element(document: &Document, line: &LogLine) -> Result<Element, wasm_bindgen::JsValue> {
    let row = document.create_element("div")?;
    row.set_class_name(match line.level {
        LogLevel::Info => "log-line",
        LogLevel::Warning => "log-line log-warning",
        LogLevel::Error => "log-line log-error",
    });
    row.set_text_content(Some(&line.text));
    Ok(row)
}
