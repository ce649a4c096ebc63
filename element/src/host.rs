//! The Rust half of `<task-monitor>`: `js/task-monitor.js` defines the
//! custom element and creates one [`TaskMonitorHost`] per connected
//! element, forwarding attribute changes and `start()` / `stop()`. Freeing
//! the host (the element left the page) unmounts the view and closes its
//! stream.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot};

use crate::attributes::{ElementSettings, OBSERVED};
use crate::view::{element_view, ElementControls};

/// The stylesheet of the shadow root: the element's look and its custom properties.
const STYLE: &str = include_str!("../style/task-monitor.css");

/// One mounted `<task-monitor>`.
#[wasm_bindgen]
pub struct TaskMonitorHost {
    host: HtmlElement,
    controls: ElementControls,
    /// Unmounts the view (and closes the stream) when dropped.
    _mounted: Box<dyn Any>,
}

#[wasm_bindgen]
impl TaskMonitorHost {
    /// Mounts the monitor for `host` in `root` (its shadow root), reading
    /// its attributes; starts at once with `autostart`.
    #[wasm_bindgen(constructor)]
    pub fn new(host: HtmlElement, root: ShadowRoot) -> Result<TaskMonitorHost, JsValue> {
        let document = host
            .owner_document()
            .ok_or_else(|| JsValue::from_str("the element has no document"))?;
        let style = document.create_element("style")?;
        style.set_text_content(Some(STYLE));
        root.append_child(&style)?;
        let container: HtmlElement = document.create_element("div")?.unchecked_into();
        container.set_class_name("task-monitor-root");
        root.append_child(&container)?;

        let settings = read_settings(&host);
        let slot = Rc::new(RefCell::new(None));
        let out = slot.clone();
        let view_host = host.clone();
        let mounted = mount_to(container, move || {
            let (view, controls) = element_view(view_host, settings);
            *out.borrow_mut() = Some(controls);
            view
        });
        let controls = slot
            .borrow_mut()
            .take()
            .ok_or_else(|| JsValue::from_str("the view did not mount"))?;
        Ok(Self {
            host,
            controls,
            _mounted: Box::new(mounted),
        })
    }

    /// The attributes the element observes.
    #[wasm_bindgen(js_name = observedAttributes)]
    pub fn observed_attributes() -> Vec<String> {
        OBSERVED.iter().map(|name| (*name).to_owned()).collect()
    }

    /// Reads the attributes again (one changed): the next start uses them;
    /// with `autostart`, a new source starts at once.
    #[wasm_bindgen(js_name = attributesChanged)]
    pub fn attributes_changed(&self) {
        let settings = read_settings(&self.host);
        self.controls.settings.try_maybe_update(|current| {
            let changed = *current != settings;
            if changed {
                *current = settings;
            }
            (changed, ())
        });
    }

    /// Starts what the attributes name (replacing a finished run).
    pub fn start(&self) {
        self.controls.start();
    }

    /// Stops the run and cancels its task on the server, when it has one.
    pub fn stop(&self) {
        self.controls.stop();
    }

    /// The status's short name: `idle`, `connecting`, `open`, `waiting`,
    /// `reconnecting`, `completed`, `failed` or `stopped`.
    pub fn status(&self) -> String {
        self.controls
            .stream
            .status
            .try_with_untracked(|status| status.name().to_owned())
            .unwrap_or_default()
    }

    /// The URL of the task's state on the task API (`GET` it), once the
    /// element created a task; empty otherwise.
    #[wasm_bindgen(js_name = statusUrl)]
    pub fn status_url(&self) -> String {
        self.controls
            .stream
            .target
            .try_with_untracked(|target| target.as_ref().and_then(|t| t.status_url.clone()))
            .flatten()
            .unwrap_or_default()
    }

    /// The percentage done, 0 to 100.
    pub fn progress(&self) -> f64 {
        self.controls
            .stream
            .progress
            .try_get_untracked()
            .unwrap_or_default()
    }
}

/// The host's observed attributes, read into settings.
fn read_settings(host: &HtmlElement) -> ElementSettings {
    ElementSettings::read(|name| host.get_attribute(name))
}
