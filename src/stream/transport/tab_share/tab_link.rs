//! Bindings to `tab_link.js`: a `BroadcastChannel` and a Web Lock of one
//! name, which the tabs watching one stream share.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(module = "/src/stream/transport/tab_share/tab_link.js")]
extern "C" {
    #[wasm_bindgen(js_name = canShare)]
    fn can_share() -> bool;

    #[wasm_bindgen(js_name = TabLink)]
    type JsTabLink;

    #[wasm_bindgen(constructor, js_class = "TabLink")]
    fn new(
        name: &str,
        heard: &Closure<dyn FnMut(String)>,
        lead: &Closure<dyn FnMut()>,
    ) -> JsTabLink;

    #[wasm_bindgen(method, js_class = "TabLink")]
    fn say(this: &JsTabLink, text: &str);

    #[wasm_bindgen(method, js_class = "TabLink")]
    fn close(this: &JsTabLink);
}

/// True when the browser has both `BroadcastChannel` and Web Locks.
pub(crate) fn browser_can_share() -> bool {
    can_share()
}

/// One tab's link; closed (the lock given up) on drop.
pub(crate) struct TabLink {
    inner: JsTabLink,
    _heard: Closure<dyn FnMut(String)>,
    _lead: Closure<dyn FnMut()>,
}

impl TabLink {
    /// Joins the channel `name` and asks for its lock: `heard` gets what
    /// other tabs say, `lead` runs once the lock is this tab's.
    pub(crate) fn join(
        name: &str,
        heard: impl FnMut(String) + 'static,
        lead: impl FnMut() + 'static,
    ) -> Self {
        let heard: Closure<dyn FnMut(String)> = Closure::new(heard);
        let lead: Closure<dyn FnMut()> = Closure::new(lead);
        Self {
            inner: JsTabLink::new(name, &heard, &lead),
            _heard: heard,
            _lead: lead,
        }
    }

    /// Posts `text` to the other tabs.
    pub(crate) fn say(&self, text: &str) {
        self.inner.say(text);
    }
}

impl Drop for TabLink {
    fn drop(&mut self) {
        self.inner.close();
    }
}
