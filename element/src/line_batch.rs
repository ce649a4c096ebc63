//! The `task-line` events of one render as one batch: the lines' texts and
//! ids joined, with their end offsets, handed to `js/line_events.js` in one
//! call, which dispatches one event per line in order. Measured on 100 000
//! lines, one event per field crossing from wasm cost the element most of
//! its time (`BENCHMARKS.md`). Each line is still its own bubbling, composed
//! `task-line` event with `{text, level, eventId}`, in order; the offsets
//! count UTF-16 units, as JS's `substring` does.

use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::HtmlElement;

#[wasm_bindgen(module = "/js/line_events.js")]
extern "C" {
    #[wasm_bindgen(js_name = dispatchLines)]
    fn dispatch_lines(
        host: &HtmlElement,
        texts: &str,
        text_ends: &[u32],
        levels: &[u8],
        ids: &str,
        id_ends: &[u32],
        has_ids: &[u8],
    );
}

/// Lines waiting to be told, in order.
#[derive(Debug, Default, PartialEq)]
pub struct LineBatch {
    texts: String,
    text_ends: Vec<u32>,
    levels: Vec<u8>,
    ids: String,
    id_ends: Vec<u32>,
    has_ids: Vec<u8>,
    /// UTF-16 length of `texts` and of `ids` so far (JS offsets).
    text_units: u32,
    id_units: u32,
}

impl LineBatch {
    /// Adds a line: its text, its level's name, its event id.
    pub fn push(&mut self, text: &str, level: &str, event_id: Option<&str>) {
        self.texts.push_str(text);
        self.text_units += utf16_len(text);
        self.text_ends.push(self.text_units);
        self.levels.push(match level {
            "warning" => 1,
            "error" => 2,
            _ => 0,
        });
        if let Some(id) = event_id {
            self.ids.push_str(id);
            self.id_units += utf16_len(id);
        }
        self.id_ends.push(self.id_units);
        self.has_ids.push(u8::from(event_id.is_some()));
    }

    /// True when no line waits.
    pub fn is_empty(&self) -> bool {
        self.text_ends.is_empty()
    }

    /// Dispatches every waiting line on `host`, in order, and empties the batch.
    pub fn dispatch(&mut self, host: &HtmlElement) {
        if !self.is_empty() {
            dispatch_lines(
                host,
                &self.texts,
                &self.text_ends,
                &self.levels,
                &self.ids,
                &self.id_ends,
                &self.has_ids,
            );
        }
        *self = Self::default();
    }
}

/// Length in UTF-16 code units, as JS's `substring` counts.
fn utf16_len(text: &str) -> u32 {
    let units = if text.is_ascii() {
        text.len()
    } else {
        text.encode_utf16().count()
    };
    u32::try_from(units).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_utf16_units_and_a_missing_id_is_flagged() {
        let mut batch = LineBatch::default();
        batch.push("ab", "info", Some("1"));
        batch.push("é😀", "warning", None);
        batch.push("c", "error", Some("10"));
        assert_eq!(batch.texts, "abé😀c");
        // "é" is one unit, "😀" two.
        assert_eq!(batch.text_ends, [2, 5, 6]);
        assert_eq!(batch.levels, [0, 1, 2]);
        assert_eq!(batch.ids, "110");
        assert_eq!(batch.id_ends, [1, 1, 3]);
        assert_eq!(batch.has_ids, [1, 0, 1]);
    }
}
