//! `<task-monitor>`: the monitor of `sse-task-progress` as a custom element
//! for any HTML page (PHP, Tcl, plain HTML). It is built from the library's
//! core without Leptos: the same stream ([`sse_task_progress::TaskStream`]:
//! controller, reconnect rules, transports, bounded log) and the same log
//! renderer ([`sse_task_progress::render::LogRenderer`]) as the Leptos components,
//! with the components' markup, so its wasm carries no reactive system or
//! renderer. `scripts/build-element.sh` (run by trunk) builds it into
//! `dist/element/`: `task-monitor.js` defines the element and loads this
//! crate's wasm.
//!
//! - `attributes.rs`: the attributes read into settings (pure);
//! - `events.rs`: which DOM events to send, and sending them;
//! - `line_batch.rs`: a render's `task-line` events sent in one call;
//! - `panel.rs`: the panel in the shadow root, on the components' markup (`build.rs`);
//! - `monitor.rs`: one element's stream, rendering, autostart, `task-id`;
//! - `host.rs`: what `task-monitor.js` calls.

#![deny(missing_docs)]

pub mod attributes;
pub mod events;
mod host;
mod line_batch;
mod monitor;
mod panel;

pub use host::TaskMonitorHost;

#[cfg(test)]
mod npm_package {
    /// The npm package (`element/npm/package.json`) is this crate's version.
    #[test]
    fn the_npm_package_has_the_crates_version() {
        let manifest: serde_json::Value =
            serde_json::from_str(include_str!("../npm/package.json")).unwrap();
        assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(manifest["type"], "module");
        assert_eq!(manifest["exports"]["."], "./task-monitor.js");
    }
}

/// The allocator: talc, about 2.8 KB (gzipped) smaller than the standard
/// library's dlmalloc in this wasm, and single-threaded as the page is.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
