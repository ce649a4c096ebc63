//! Bindings to the JS inbox (`inbox.js`) that collects an `EventSource`'s
//! messages so wasm can take them in batches.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::EventSource;

#[wasm_bindgen(module = "/src/stream/transport/inbox.js")]
extern "C" {
    /// The JS side: listeners on the source and the queued events.
    #[wasm_bindgen(js_name = Inbox)]
    type JsInbox;

    #[wasm_bindgen(constructor, js_class = "Inbox")]
    fn new(
        source: &EventSource,
        types: Vec<String>,
        take_every: u32,
        take_bytes: u32,
        wake: &Closure<dyn FnMut(u32)>,
    ) -> JsInbox;

    #[wasm_bindgen(method, js_class = "Inbox")]
    fn take(this: &JsInbox) -> String;

    #[wasm_bindgen(method, js_class = "Inbox", js_name = sawReplacementChar)]
    fn saw_replacement_char(this: &JsInbox) -> bool;

    #[wasm_bindgen(method, js_class = "Inbox")]
    fn detach(this: &JsInbox);
}

/// The messages of one source, queued in JS until [`Inbox::take`].
pub struct Inbox {
    inner: JsInbox,
    _wake: Closure<dyn FnMut(u32)>,
}

impl Inbox {
    /// Listens to `types` on `source`. `wake` gets the queue's length on the
    /// first event after a take and whenever it holds `take_every` or more
    /// (at least `take_every` once it holds `take_bytes` of data).
    pub fn listen(
        source: &EventSource,
        types: Vec<String>,
        (take_every, take_bytes): (u32, u32),
        wake: impl FnMut(u32) + 'static,
    ) -> Self {
        let wake = Closure::new(wake);
        let inner = JsInbox::new(source, types, take_every.max(1), take_bytes, &wake);
        Self { inner, _wake: wake }
    }

    /// Every queued message, as `wire::message_batch` encodes them.
    pub fn take(&self) -> String {
        self.inner.take()
    }

    /// Whether any message so far held U+FFFD (what bytes of another
    /// charset become when the browser reads them as UTF-8).
    pub fn saw_replacement_char(&self) -> bool {
        self.inner.saw_replacement_char()
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        self.inner.detach();
    }
}
