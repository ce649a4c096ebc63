//! The page's life as a stream sees it: the network going offline and back
//! online, the page entering and leaving the back/forward cache, the tab
//! hidden and shown. [`PageLife`] listens while a stream runs and tells a
//! callback; dropping it stops listening.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget};

use super::browser::window;

/// What happened to the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageEvent {
    /// `offline`: the browser lost the network.
    Offline,
    /// `online`: the network is back.
    Online,
    /// `pagehide` into the back/forward cache.
    Frozen,
    /// `pageshow` out of the back/forward cache.
    Restored,
    /// The tab was hidden.
    Hidden,
    /// The tab is shown again.
    Shown,
}

/// True when the browser says it has no network.
pub(crate) fn is_offline() -> bool {
    window().is_some_and(|window| !window.navigator().on_line())
}

/// True when the page's tab is hidden.
pub(crate) fn is_hidden() -> bool {
    window()
        .and_then(|window| window.document())
        .is_some_and(|document| document.hidden())
}

type Listener = Closure<dyn FnMut(Event)>;

/// The page's listeners (one closure on the window and the document),
/// removed on drop.
pub(crate) struct PageLife {
    targets: Vec<(EventTarget, &'static str)>,
    listener: Listener,
}

impl PageLife {
    /// Listens, telling `on_event` what happens.
    pub(crate) fn listen(on_event: impl Fn(PageEvent) + 'static) -> Self {
        let listener: Listener = Closure::new(move |event: Event| {
            // `PageTransitionEvent.persisted`, read as a property.
            let persisted = || {
                js_sys::Reflect::get(&event, &"persisted".into())
                    .is_ok_and(|value| value.is_truthy())
            };
            let page_event = match event.type_().as_str() {
                "offline" => PageEvent::Offline,
                "online" => PageEvent::Online,
                "pagehide" if persisted() => PageEvent::Frozen,
                "pageshow" if persisted() => PageEvent::Restored,
                "visibilitychange" if is_hidden() => PageEvent::Hidden,
                "visibilitychange" => PageEvent::Shown,
                _ => return,
            };
            on_event(page_event);
        });
        let mut life = Self {
            targets: Vec::new(),
            listener,
        };
        let Some(window) = window() else {
            return life;
        };
        if let Some(document) = window.document() {
            life.add(document.into(), "visibilitychange");
        }
        for name in ["offline", "online", "pagehide", "pageshow"] {
            life.add(window.clone().into(), name);
        }
        life
    }

    fn add(&mut self, target: EventTarget, name: &'static str) {
        let callback = self.listener.as_ref().unchecked_ref();
        if target
            .add_event_listener_with_callback(name, callback)
            .is_ok()
        {
            self.targets.push((target, name));
        }
    }
}

impl Drop for PageLife {
    fn drop(&mut self) {
        let callback = self.listener.as_ref().unchecked_ref();
        for (target, name) in &self.targets {
            let _ = target.remove_event_listener_with_callback(name, callback);
        }
    }
}
