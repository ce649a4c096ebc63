//! A browser `EventSource` with its listeners, closed and detached on drop.

use sse_task_protocol::{EVENT_CANCELLED, EVENT_FAILED};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, EventSource};

use crate::task::ReadyState;

type Listener = Closure<dyn FnMut(Event)>;

/// An open `EventSource` and the closures listening to it.
pub struct Source {
    inner: EventSource,
    listeners: Vec<(String, Listener)>,
}

impl Source {
    /// Opens `url` and calls `on_event` for `open`, `error`, `message`,
    /// `failed`, `cancelled` and every name in `event_types`.
    pub fn open(
        url: &str,
        event_types: &[String],
        on_event: impl Fn(Event) + Clone + 'static,
    ) -> Result<Self, JsValue> {
        let inner = EventSource::new(url)?;
        let mut names: Vec<String> = ["open", "error", "message", EVENT_FAILED, EVENT_CANCELLED]
            .into_iter()
            .map(String::from)
            .collect();
        for name in event_types {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        let mut listeners = Vec::with_capacity(names.len());
        for name in names {
            let handler = on_event.clone();
            let listener: Listener = Closure::new(move |event: Event| handler(event));
            inner.add_event_listener_with_callback(&name, listener.as_ref().unchecked_ref())?;
            listeners.push((name, listener));
        }
        Ok(Self { inner, listeners })
    }

    /// The source's real `readyState`.
    pub fn ready_state(&self) -> ReadyState {
        ReadyState::from_code(self.inner.ready_state())
    }

    /// The URL the source was opened with.
    pub fn url(&self) -> String {
        self.inner.url()
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        self.inner.close();
        for (name, listener) in &self.listeners {
            let _ = self
                .inner
                .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}
