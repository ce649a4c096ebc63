//! Yielding to the browser's event loop without the 4 ms clamp that nested
//! `setTimeout(0)` gets: a `MessageChannel` message is a new task at once.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = "
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => { const resolve = waiting.shift(); if (resolve) resolve(); };
export function next_task() {
  return new Promise((resolve) => { waiting.push(resolve); channel.port2.postMessage(0); });
}
")]
extern "C" {
    fn next_task() -> js_sys::Promise;
}

/// Resolves in a new task: the browser renders and handles input in between.
pub async fn yield_now() {
    // The promise never rejects; an error could only mean the page is going away.
    let _ = JsFuture::from(next_task()).await;
}
