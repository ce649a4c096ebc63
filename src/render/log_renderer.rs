//! [`LogRenderer`]: the log written straight into a container element.
//!
//! Lines are added to (and dropped from) the DOM directly, in blocks planned
//! by [`LogBlocks`] (a burst of lines is one element), so a frame costs the
//! same with 10 or 10 000 lines on screen; text is set with `textContent`,
//! never parsed as HTML. The view follows the newest line unless the reader
//! scrolled up.

use web_sys::{Document, Element, HtmlElement};

use super::log_blocks::{block_text, Block, BlockPlan, LogBlocks};
use crate::state::{LogLevel, TaskLog};

/// Distance from the bottom, in pixels, that still counts as "at the newest line".
const FOLLOW_SLACK_PX: i32 = 8;

/// Lines from which a block skips layout while out of view
/// (`content-visibility: auto`). Only big blocks: the browser checks every
/// such element on every frame, which costs more than laying out a few lines
/// (measured: 5 ms more latency with 2 000 one-line blocks).
const BULK_LINES: u64 = 32;

/// Renders a [`TaskLog`] into a scrolling container (`.log`), whose children
/// it owns: call [`LogRenderer::render`] after each change of the log and
/// [`LogRenderer::on_scroll`] from the container's `scroll` event.
pub struct LogRenderer {
    container: HtmlElement,
    blocks: LogBlocks,
    follow: bool,
    /// Where the view last scrolled to by itself: a scroll that stays there
    /// is not the reader's, even if blocks shown for the first time grew since.
    auto_top: i32,
    /// The bottom scroll position before the first render since the last
    /// scroll event: a scroll that reached it counts as "at the newest
    /// line", even if more lines came (in any number of frames) before its event.
    bottom_mark: Option<i32>,
}

impl LogRenderer {
    /// A renderer that owns `container`'s content from now on: whatever it
    /// held is removed (a view reusing the element of another log, like the
    /// dashboard's Log panel opened on another task, starts empty).
    pub fn new(container: HtmlElement) -> Self {
        container.set_text_content(None);
        Self {
            container,
            blocks: LogBlocks::default(),
            follow: true,
            auto_top: 0,
            bottom_mark: None,
        }
    }

    /// Brings the container up to date with `log`, and scrolls to the newest
    /// line unless the reader scrolled up.
    pub fn render(&mut self, log: &TaskLog) {
        let element = &self.container;
        // Read before rendering: the reader may have scrolled since the last
        // frame, before the scroll event told us.
        if self.follow && element.scroll_top() < self.auto_top - FOLLOW_SLACK_PX {
            self.follow = false;
        }
        if self.bottom_mark.is_none() {
            self.bottom_mark = Some(element.scroll_height() - element.client_height());
        }
        let plan = self.blocks.update(log);
        apply_plan(element, log, &plan);
        if self.follow {
            element.set_scroll_top(element.scroll_height());
            self.auto_top = element.scroll_top();
        }
    }

    /// The reader (or we) scrolled: follow the newest line again once at
    /// the bottom, stop following when scrolled up.
    pub fn on_scroll(&mut self) {
        let element = &self.container;
        let top = element.scroll_top();
        let bottom = element.scroll_height() - element.client_height();
        let mark = self.bottom_mark.take().unwrap_or(bottom);
        if top >= bottom.min(mark) - FOLLOW_SLACK_PX {
            self.follow = true;
            self.auto_top = top;
        } else if top < self.auto_top - FOLLOW_SLACK_PX {
            self.follow = false;
        }
    }
}

/// Applies `plan` to `container`, whose children are the blocks on screen.
fn apply_plan(container: &HtmlElement, log: &TaskLog, plan: &BlockPlan) {
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
    let Some(document) = container.owner_document() else {
        return;
    };
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
        LogLevel::Info if block.next - block.first >= BULK_LINES => "tm-log-block tm-log-bulk",
        LogLevel::Info => "tm-log-block",
        LogLevel::Warning => "tm-log-block tm-log-warning",
        LogLevel::Error => "tm-log-block tm-log-error",
    });
    set_block_text(&element, log, block);
    Ok(element)
}

/// Sets `element`'s text to `block`'s lines, and its line count (`--lines`),
/// which the stylesheet uses as a big block's height until it is first shown.
fn set_block_text(element: &Element, log: &TaskLog, block: &Block) {
    let lines = block.next - block.first;
    if lines >= BULK_LINES {
        let _ = element.set_attribute("style", &format!("--lines:{lines}"));
    }
    element.set_text_content(Some(&block_text(log, block)));
}
