//! Bindings to `worker_link.js`: starting the page's one stream worker
//! from the page's own glue and compiled module, and posting both ways.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

#[wasm_bindgen(module = "/src/stream/transport/off_main_thread/worker_link.js")]
extern "C" {
    #[wasm_bindgen(js_name = canStartWorker)]
    fn can_start_worker() -> bool;

    #[wasm_bindgen(js_name = startWorker)]
    fn start_worker(
        glue: &str,
        module: &JsValue,
        heard: &Closure<dyn FnMut(String, Option<js_sys::Uint8Array>)>,
    ) -> Option<web_sys::Worker>;

    #[wasm_bindgen(js_name = tellWorker)]
    fn tell_worker(worker: &web_sys::Worker, text: &str);

    #[wasm_bindgen(js_name = tellPage)]
    fn tell_page_js(text: &str, bytes: Option<js_sys::Uint8Array>);
}

#[wasm_bindgen]
extern "C" {
    /// `import.meta` of the glue: its `url` is the script the worker imports.
    type ImportMeta;

    #[wasm_bindgen(thread_local_v2, js_namespace = import, js_name = meta)]
    static IMPORT_META: ImportMeta;

    #[wasm_bindgen(method, getter)]
    fn url(this: &ImportMeta) -> String;
}

/// What the page hears from the worker: a report's string and a batch's bytes.
pub(crate) type Heard = Closure<dyn FnMut(String, Option<js_sys::Uint8Array>)>;

/// The page's end of the stream worker; the worker ends with the page, or
/// when it is stopped.
pub(crate) struct WorkerLink {
    worker: web_sys::Worker,
    _heard: Heard,
}

impl WorkerLink {
    /// Starts the worker on this page's glue and module; `None` where the
    /// browser has no module workers or the page no wasm-bindgen glue.
    pub(crate) fn start(heard: Heard) -> Option<Self> {
        if !can_start_worker() {
            return None;
        }
        let glue = IMPORT_META.with(ImportMeta::url);
        if glue.is_empty() {
            return None;
        }
        let worker = start_worker(&glue, &wasm_bindgen::module(), &heard)?;
        Some(Self {
            worker,
            _heard: heard,
        })
    }

    /// Ends the worker at once (the link stays: it may be what is running).
    pub(crate) fn stop(&self) {
        self.worker.terminate();
    }

    /// Posts `text` to the worker.
    pub(crate) fn tell(&self, text: &str) {
        tell_worker(&self.worker, text);
    }
}

/// In the worker: posts `text` to the page, with `bytes` moved beside it.
pub(crate) fn tell_page(text: &str, bytes: Option<&[u8]>) {
    tell_page_js(text, bytes.map(js_sys::Uint8Array::from));
}
