//! The page's life as a stream sees it: the network going offline and back
//! online, the page entering and leaving the back/forward cache, the tab
//! hidden and shown. [`PageLife`] listens while a stream runs and tells a
//! callback; dropping it stops listening.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget, PageTransitionEvent};

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

/// The page's listeners, removed on drop.
pub(crate) struct PageLife {
    listeners: Vec<(EventTarget, &'static str, Listener)>,
}

impl PageLife {
    /// Listens, telling `on_event` what happens.
    pub(crate) fn listen(on_event: impl Fn(PageEvent) + Clone + 'static) -> Self {
        let mut life = Self {
            listeners: Vec::new(),
        };
        let Some(window) = window() else {
            return life;
        };
        let document = window.document();
        let window: EventTarget = window.into();
        for name in ["offline", "online", "pagehide", "pageshow"] {
            let on_event = on_event.clone();
            life.add(&window, name, move |event: Event| {
                let persisted = event
                    .dyn_ref::<PageTransitionEvent>()
                    .is_some_and(PageTransitionEvent::persisted);
                let page_event = match event.type_().as_str() {
                    "offline" => PageEvent::Offline,
                    "online" => PageEvent::Online,
                    "pagehide" if persisted => PageEvent::Frozen,
                    "pageshow" if persisted => PageEvent::Restored,
                    _ => return,
                };
                on_event(page_event);
            });
        }
        if let Some(document) = document {
            life.add(&document.into(), "visibilitychange", move |_| {
                on_event(if is_hidden() {
                    PageEvent::Hidden
                } else {
                    PageEvent::Shown
                });
            });
        }
        life
    }

    fn add(&mut self, target: &EventTarget, name: &'static str, f: impl FnMut(Event) + 'static) {
        let listener: Listener = Closure::new(f);
        if target
            .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
            .is_ok()
        {
            self.listeners.push((target.clone(), name, listener));
        }
    }
}

impl Drop for PageLife {
    fn drop(&mut self) {
        for (target, name, listener) in &self.listeners {
            let _ =
                target.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}
