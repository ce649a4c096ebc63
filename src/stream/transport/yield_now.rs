//! Yielding to the browser's event loop without the 4 ms clamp that nested
//! `setTimeout(0)` gets: a `MessageChannel` message is a new task at once;
//! and waiting for room in a full queue.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = "
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => { const resolve = waiting.shift(); if (resolve) resolve(); };
export function next_task() {
  return new Promise((resolve) => { waiting.push(resolve); channel.port2.postMessage(0); });
}
export function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
")]
extern "C" {
    fn next_task() -> js_sys::Promise;
    fn pause(ms: u32) -> js_sys::Promise;
}

/// How long a worker's full queue waits before it looks again, in ms.
const WORKER_ROOM_WAIT_MS: u32 = 2;

/// Resolves in a new task: the browser renders and handles input in between.
pub async fn yield_now() {
    // The promise never rejects; an error could only mean the page is going away.
    let _ = JsFuture::from(next_task()).await;
}

/// Waits a moment for the queue to empty: on the page a new task (the
/// pump applies meanwhile, on this thread); in a worker
/// [`WORKER_ROOM_WAIT_MS`], since the page applies on another thread and
/// looking again at once would take a core from it.
pub async fn wait_for_room() {
    if crate::stream::browser::worker_scope().is_some() {
        let _ = JsFuture::from(pause(WORKER_ROOM_WAIT_MS)).await;
    } else {
        yield_now().await;
    }
}
