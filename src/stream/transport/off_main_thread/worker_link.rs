//! Bindings to `worker_link.js`: starting the page's one stream worker
//! from the page's own glue and compiled module (or from the glue of a
//! worker build, [`use_stream_worker_from`]), and posting both ways.

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

    #[cfg(feature = "stream-worker")]
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

thread_local! {
    /// The glue the stream worker imports instead of this wasm's own.
    static WORKER_GLUE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Starts the page's stream worker from `glue` (the URL of a wasm-bindgen
/// `--target web` glue whose wasm, loaded from its default path, was built
/// with this crate's `stream-worker` feature) instead of from this wasm.
/// Needed only by a wasm built without that feature (without it and without
/// this, the fetch transport's `off_main_thread` reads on the main thread);
/// call it before the first stream opens.
pub fn use_stream_worker_from(glue: &str) {
    WORKER_GLUE.with(|slot| *slot.borrow_mut() = Some(glue.to_owned()));
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
        let (glue, module) = match WORKER_GLUE.with(|glue| glue.borrow().clone()) {
            // The glue's own default wasm, which has the worker's side.
            Some(glue) => (glue, JsValue::UNDEFINED),
            None if cfg!(feature = "stream-worker") => {
                (IMPORT_META.with(ImportMeta::url), wasm_bindgen::module())
            }
            None => {
                crate::stream::browser::warn(
                    "sse-task-progress: streams stay on the main thread: this wasm has no \
                     stream worker's side (the `stream-worker` feature) and no worker build \
                     was named (`use_stream_worker_from`)",
                );
                return None;
            }
        };
        if glue.is_empty() {
            return None;
        }
        let worker = start_worker(&glue, &module, &heard)?;
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
#[cfg(feature = "stream-worker")]
pub(crate) fn tell_page(text: &str, bytes: Option<&[u8]>) {
    tell_page_js(text, bytes.map(js_sys::Uint8Array::from));
}
