//! The Rust half of `<task-monitor>`: `js/task-monitor.js` defines the
//! custom element and creates one [`TaskMonitorHost`] per connected
//! element, forwarding attribute changes and `start()` / `stop()`. Freeing
//! the host (the element left the page) removes the panel and closes its
//! stream.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot};

use crate::attributes::OBSERVED;
use crate::monitor::Monitor;

/// The stylesheet of the shadow root: the element's look and its custom properties.
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/task-monitor.min.css"));

/// One mounted `<task-monitor>`.
#[wasm_bindgen]
pub struct TaskMonitorHost {
    monitor: Rc<Monitor>,
}

#[wasm_bindgen]
impl TaskMonitorHost {
    /// Mounts the monitor for `host` in `root` (its shadow root), reading
    /// its attributes, in the words of `translation` (the built-in
    /// translation of the page's language as a JS object of label keys, or
    /// `undefined` for English); starts at once with `autostart`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        host: HtmlElement,
        root: ShadowRoot,
        translation: JsValue,
    ) -> Result<TaskMonitorHost, JsValue> {
        let document = host
            .owner_document()
            .ok_or_else(|| JsValue::from_str("the element has no document"))?;
        let style = document.create_element("style")?;
        style.set_text_content(Some(STYLE));
        root.append_child(&style)?;
        let container = document.create_element("div")?;
        container.set_class_name("tm-root");
        root.append_child(&container)?;
        Ok(Self {
            monitor: Monitor::mount(host, &container, translation)?,
        })
    }

    /// The attributes the element observes.
    #[wasm_bindgen(js_name = observedAttributes)]
    pub fn observed_attributes() -> Vec<String> {
        OBSERVED.iter().map(|name| (*name).to_owned()).collect()
    }

    /// Reads the attributes again (one changed): the next start uses them;
    /// with `autostart`, a new source starts at once; a new `task-id`
    /// reattaches.
    #[wasm_bindgen(js_name = attributesChanged)]
    pub fn attributes_changed(&self) {
        self.monitor.attributes_changed();
    }

    /// Starts what the attributes name (replacing a finished run).
    pub fn start(&self) {
        self.monitor.start();
    }

    /// Stops the run and cancels its task on the server, when it has one.
    pub fn stop(&self) {
        self.monitor.stop();
    }

    /// The status's short name: `idle`, `connecting`, `queued`, `open`, `waiting`,
    /// `offline`, `paused`, `reconnecting`, `completed`, `failed` or `stopped`.
    pub fn status(&self) -> String {
        self.monitor.status()
    }

    /// The URL of the task's state on the task API (`GET` it), once the
    /// element created a task; empty otherwise.
    #[wasm_bindgen(js_name = statusUrl)]
    pub fn status_url(&self) -> String {
        self.monitor.status_url()
    }

    /// The percentage done, 0 to 100.
    pub fn progress(&self) -> f64 {
        self.monitor.progress()
    }
}

/// Where the page's stream worker (`transport="fetch-worker"`) gets its
/// code: the glue of the element's worker build (`worker/` beside the
/// script), whose wasm has the worker's side that this page build leaves out.
#[wasm_bindgen(js_name = useStreamWorker)]
pub fn use_stream_worker(glue: &str) {
    sse_task_progress::use_stream_worker_from(glue);
}
