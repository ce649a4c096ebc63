//! The few browser services the stream core needs (the window, the page's
//! URLs, `fetch`, tasks, timers, animation frames, console warnings, an
//! error's words; `fetch`, timers and the clock work in a worker too), on `web-sys` and
//! `wasm-bindgen-futures` alone, so the core runs under any view: the Leptos
//! hook, or the `<task-monitor>` element, which links no Leptos at all.

use std::future::Future;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::Window;

/// The page's window, when there is one.
pub(crate) fn window() -> Option<Window> {
    web_sys::window()
}

/// The worker's global scope, when the code runs in a worker.
pub(crate) fn worker_scope() -> Option<web_sys::WorkerGlobalScope> {
    js_sys::global().dyn_into().ok()
}

// The global scope's own functions: the window's on a page, the worker's
// in a worker.
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `fetch(url, init)`.
    pub(crate) fn fetch(url: &str, init: &web_sys::RequestInit) -> js_sys::Promise;

    #[wasm_bindgen(js_name = setTimeout)]
    fn global_set_timeout(callback: &js_sys::Function, delay_ms: i32) -> i32;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn global_clear_timeout(handle: i32);

    /// `performance.now()`, in ms.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub(crate) fn performance_now() -> f64;
}

/// `url` resolved against the page's address; `None` when it is no URL.
pub(crate) fn page_url(url: &str) -> Option<web_sys::Url> {
    // The global's location: the page's, or the stream worker's.
    let base = global_field("location", "href").unwrap_or_default();
    web_sys::Url::new_with_base(url, &base).ok()
}

/// `globalThis[object][field]` as a string, in a page or a worker.
pub(crate) fn global_field(object: &str, field: &str) -> Option<String> {
    let object = js_sys::Reflect::get(&js_sys::global(), &object.into()).ok()?;
    js_sys::Reflect::get(&object, &field.into())
        .ok()?
        .as_string()
}

/// Runs `future` on the page's event loop.
pub(crate) fn spawn_local(future: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(future);
}

/// Writes `message` to the console as a warning.
pub(crate) fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}

/// The browser's words for `error` (an `Error`'s message, or a thrown
/// string), or `otherwise`.
pub(crate) fn error_words(error: &wasm_bindgen::JsValue, otherwise: &str) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| otherwise.to_owned())
}

/// A pending `setTimeout` (its handle), cleared with [`Timeout::clear`].
#[derive(Debug)]
pub(crate) struct Timeout(pub(crate) i32);

impl Timeout {
    /// Cancels the call, if it has not run yet.
    pub(crate) fn clear(self) {
        global_clear_timeout(self.0);
    }
}

/// Calls `callback` once after `delay_ms` (on the page or in the worker).
pub(crate) fn set_timeout(callback: impl FnOnce() + 'static, delay_ms: u32) -> Timeout {
    let callback = Closure::once_into_js(callback);
    let delay = i32::try_from(delay_ms).unwrap_or(i32::MAX);
    Timeout(global_set_timeout(callback.unchecked_ref(), delay))
}

/// Calls `callback` once before the next repaint.
pub(crate) fn request_animation_frame(callback: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(callback);
    if let Some(window) = window() {
        let _ = window.request_animation_frame(callback.unchecked_ref());
    }
}
