//! `<LogView>`: the log, appended to in place.
//!
//! Lines are added to (and dropped from) the DOM directly, in blocks planned
//! by [`LogBlocks`] (a burst of lines is one element), so a frame costs the
//! same with 10 or 10 000 lines on screen; text is set with `textContent`,
//! never parsed as HTML. The view follows the newest line unless the reader
//! scrolled up.

use leptos::html;
use leptos::prelude::*;
use web_sys::{Document, Element, HtmlDivElement};

use crate::task::{block_text, Block, BlockPlan, LogBlocks, LogLevel, TaskLog};

/// Distance from the bottom, in pixels, that still counts as "at the newest line".
const FOLLOW_SLACK_PX: i32 = 8;

/// The scrolling log with its "N earlier lines not shown" notice.
#[component]
pub fn LogView(
    /// The log to show.
    lines: ReadSignal<TaskLog>,
) -> impl IntoView {
    let container = NodeRef::<html::Div>::new();
    let blocks = StoredValue::new(LogBlocks::default());
    let follow = StoredValue::new(true);
    // Where the view last scrolled to by itself: a scroll that stays there is
    // not the reader's, even if blocks shown for the first time grew since.
    let auto_top = StoredValue::new(0);
    // The bottom scroll position before the first render since the last
    // scroll event: a scroll that reached it counts as "at the newest line",
    // even if more lines came (in any number of frames) before its event.
    let bottom_mark = StoredValue::new(None::<i32>);
    let dropped = Memo::new(move |_| lines.with(|log| log.dropped()));
    let count = Memo::new(move |_| lines.with(|log| log.len()));

    Effect::new(move |_| {
        let Some(element) = container.get() else {
            return;
        };
        // Read before rendering: the reader may have scrolled since the last
        // frame, before the scroll event told us.
        if follow.get_value() && element.scroll_top() < auto_top.get_value() - FOLLOW_SLACK_PX {
            follow.set_value(false);
        }
        if bottom_mark.get_value().is_none() {
            bottom_mark.set_value(Some(element.scroll_height() - element.client_height()));
        }
        lines.with(|log| {
            let plan = blocks
                .try_update_value(|blocks| blocks.update(log))
                .unwrap_or_default();
            render(&element, log, &plan);
        });
        if follow.get_value() {
            element.set_scroll_top(element.scroll_height());
            auto_top.set_value(element.scroll_top());
        }
    });

    let on_scroll = move |_| {
        let Some(element) = container.get_untracked() else {
            return;
        };
        let top = element.scroll_top();
        let bottom = element.scroll_height() - element.client_height();
        let mark = bottom_mark
            .try_update_value(Option::take)
            .flatten()
            .unwrap_or(bottom);
        if top >= bottom.min(mark) - FOLLOW_SLACK_PX {
            follow.set_value(true);
            auto_top.set_value(top);
        } else if top < auto_top.get_value() - FOLLOW_SLACK_PX {
            follow.set_value(false);
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

/// Applies `plan` to `container`, whose children are the blocks on screen.
fn render(container: &HtmlDivElement, log: &TaskLog, plan: &BlockPlan) {
    for _ in 0..plan.remove_front {
        match container.first_element_child() {
            Some(child) => child.remove(),
            None => break,
        }
    }
    if let (Some(front), Some(element)) = (plan.rewrite_front, container.first_element_child()) {
        set_block_text(&element, log, &front);
    }
    if plan.append.is_empty() {
        return;
    }
    let document = container.owner_document().unwrap_or_else(document);
    let fragment = document.create_document_fragment();
    for block in &plan.append {
        if let Ok(element) = block_element(&document, log, block) {
            let _ = fragment.append_child(&element);
        }
    }
    let _ = container.append_child(&fragment);
}

/// One block: a `div` whose class says its level (and, for a big block,
/// that it may skip layout while out of view), its text set as text.
fn block_element(
    document: &Document,
    log: &TaskLog,
    block: &Block,
) -> Result<Element, wasm_bindgen::JsValue> {
    let element = document.create_element("div")?;
    element.set_class_name(match block.level {
        LogLevel::Info if block.next - block.first >= BULK_LINES => "log-block log-bulk",
        LogLevel::Info => "log-block",
        LogLevel::Warning => "log-block log-warning",
        LogLevel::Error => "log-block log-error",
    });
    set_block_text(&element, log, block);
    Ok(element)
}

/// Lines from which a block skips layout while out of view
/// (`content-visibility: auto`). Only big blocks: the browser checks every
/// such element on every frame, which costs more than laying out a few lines
/// (measured: 5 ms more latency with 2 000 one-line blocks).
const BULK_LINES: u64 = 32;

/// Sets `element`'s text to `block`'s lines, and its line count (`--lines`),
/// which the stylesheet uses as a big block's height until it is first shown.
fn set_block_text(element: &Element, log: &TaskLog, block: &Block) {
    let lines = block.next - block.first;
    if lines >= BULK_LINES {
        let _ = element.set_attribute("style", &format!("--lines:{lines}"));
    }
    element.set_text_content(Some(&block_text(log, block)));
}
