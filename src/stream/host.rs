//! [`Host`]: what the controller asks of its surroundings (clocks, chance,
//! timers, later tasks, frames, the page's life, the transports), so that
//! it runs in the browser ([`BrowserHost`]) and, in native tests, on a
//! fake clock over a fake connection.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::browser::{request_animation_frame, set_timeout, spawn_local, Timeout};
use super::clock::now_ms;
use super::fetch_options::Transport;
use super::options::UseTaskStreamOptions;
use super::page_life::{is_hidden, is_offline, PageEvent, PageLife};
use super::transport::{
    yield_now, CountedTransport, EventSourceTransport, FetchTransport, StreamTransport,
    TabShareTransport, WorkerTransport,
};

/// A callback run once, later.
pub(crate) type Later = Box<dyn FnOnce()>;

/// Work that waits on the browser (a request, the user's refresh hook).
pub(crate) type Spawned = Pin<Box<dyn Future<Output = ()>>>;

/// The controller's surroundings.
pub(crate) trait Host {
    /// The monotonic clock, in ms (`performance.now()` on a page).
    fn clock(&self) -> fn() -> f64;
    /// The wall clock, in ms since the epoch (stamps log lines).
    fn wall_clock_ms(&self) -> f64;
    /// A number in `[0, 1)` (the jitter of the backoff).
    fn random(&self) -> f64;
    /// Runs `callback` after `delay_ms`.
    fn set_timeout(&self, callback: Later, delay_ms: u32) -> Timeout;
    /// Cancels `timer` if it has not run.
    fn clear_timeout(&self, timer: Timeout);
    /// Runs `callback` in a later task, so the current one stays short.
    fn in_next_task(&self, callback: Later);
    /// Runs `callback` before the next repaint (never in a hidden tab).
    fn before_repaint(&self, callback: Later);
    /// Runs `work` to its end on the page's event loop.
    fn spawn(&self, work: Spawned);
    /// True when the browser says it has no network.
    fn is_offline(&self) -> bool;
    /// True when the page's tab is hidden.
    fn is_hidden(&self) -> bool;
    /// Tells `on_event` what the page does until the guard is dropped.
    fn watch_page(&self, on_event: Box<dyn Fn(PageEvent)>) -> Box<dyn Any>;
    /// The transport `options` name.
    fn transport(&self, options: &UseTaskStreamOptions) -> Box<dyn StreamTransport>;
}

/// The browser (a page, or a worker's global scope).
pub(crate) struct BrowserHost;

impl Host for BrowserHost {
    fn clock(&self) -> fn() -> f64 {
        now_ms
    }

    fn wall_clock_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    fn set_timeout(&self, callback: Later, delay_ms: u32) -> Timeout {
        set_timeout(callback, delay_ms)
    }

    fn clear_timeout(&self, timer: Timeout) {
        timer.clear();
    }

    fn in_next_task(&self, callback: Later) {
        spawn_local(async move {
            yield_now().await;
            callback();
        });
    }

    fn before_repaint(&self, callback: Later) {
        request_animation_frame(callback);
    }

    fn spawn(&self, work: Spawned) {
        spawn_local(work);
    }

    fn is_offline(&self) -> bool {
        is_offline()
    }

    fn is_hidden(&self) -> bool {
        is_hidden()
    }

    fn watch_page(&self, on_event: Box<dyn Fn(PageEvent)>) -> Box<dyn Any> {
        Box::new(PageLife::listen(on_event))
    }

    /// The transport the options name, shared across tabs unless they say
    /// not to.
    fn transport(&self, options: &UseTaskStreamOptions) -> Box<dyn StreamTransport> {
        let (inner, kind): (Box<dyn StreamTransport>, String) = match &options.transport {
            Transport::EventSource => (Box::new(EventSourceTransport), "eventsource".into()),
            Transport::Fetch(fetch) => (
                if fetch.off_main_thread {
                    Box::new(WorkerTransport {
                        fetch: FetchTransport {
                            options: fetch.clone(),
                        },
                    })
                } else {
                    Box::new(FetchTransport {
                        options: fetch.clone(),
                    })
                },
                format!(
                    "fetch {} {}",
                    fetch.method(),
                    fetch.body.as_deref().unwrap_or_default()
                ),
            ),
        };
        // Counted where a real connection is made: a tab that follows
        // another's shared stream holds none.
        let inner: Box<dyn StreamTransport> = Box::new(CountedTransport { inner });
        if options.share_across_tabs {
            Box::new(TabShareTransport::new(Rc::from(inner), kind))
        } else {
            inner
        }
    }
}
