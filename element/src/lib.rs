//! `<task-monitor>`: the monitor of `sse-task-progress` as a custom element
//! for any HTML page (PHP, Tcl, plain HTML), built from the same Leptos
//! components. `scripts/build-element.sh` (run by trunk) builds it into
//! `dist/element/`: `task-monitor.js` defines the element and loads this
//! crate's wasm.
//!
//! - `attributes.rs`: the attributes read into settings (pure);
//! - `events.rs`: which DOM events to send, and sending them;
//! - `view.rs`: the view in the shadow root, autostart, the page events;
//! - `host.rs`: what `task-monitor.js` calls.

#![deny(missing_docs)]

pub mod attributes;
pub mod events;
mod host;
mod view;

pub use host::TaskMonitorHost;
