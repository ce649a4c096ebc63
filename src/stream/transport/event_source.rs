//! A browser `EventSource` with its listeners, closed and detached on drop.

use sse_task_protocol::{EVENT_CANCELLED, EVENT_FAILED};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, EventSource};

use super::inbox::Inbox;
use crate::task::ReadyState;

type Listener = Closure<dyn FnMut(Event)>;

/// An open `EventSource`: its `open` and `error` events go to a closure at
/// once, its messages to an [`Inbox`] that is emptied with [`Source::take`].
pub struct Source {
    inner: EventSource,
    inbox: Inbox,
    listeners: Vec<(&'static str, Listener)>,
}

impl Source {
    /// Opens `url`. `on_state` gets `open` and `error`; messages of type
    /// `message`, `failed`, `cancelled` and every name in `event_types` are
    /// queued, and `wake` is called as [`Inbox::listen`] says.
    pub fn open(
        url: &str,
        event_types: &[String],
        take_every: u32,
        on_state: impl Fn(Event) + Clone + 'static,
        wake: impl FnMut(u32) + 'static,
    ) -> Result<Self, JsValue> {
        let inner = EventSource::new(url)?;
        let mut types: Vec<String> = ["message", EVENT_FAILED, EVENT_CANCELLED]
            .into_iter()
            .map(String::from)
            .collect();
        for name in event_types {
            if !types.contains(name) && name != "open" && name != "error" {
                types.push(name.clone());
            }
        }
        let inbox = Inbox::listen(&inner, types, take_every, wake);
        // Built first, so that a failure below still closes the source on drop.
        let mut source = Self {
            inner,
            inbox,
            listeners: Vec::with_capacity(2),
        };
        for name in ["open", "error"] {
            let handler = on_state.clone();
            let listener: Listener = Closure::new(move |event: Event| handler(event));
            source
                .inner
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())?;
            source.listeners.push((name, listener));
        }
        Ok(source)
    }

    /// Every message received since the last take, as one batch.
    pub fn take(&self) -> String {
        self.inbox.take()
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
