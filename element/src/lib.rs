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
//! - `words.rs`: the element's words (translation, `labels`, `start-label`, `stop-label`);
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
mod words;

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

    /// The package's README lists every label key and every failure code.
    #[test]
    fn the_readme_lists_every_label_key_and_failure_code() {
        let readme = include_str!("../npm/README.md");
        for word in sse_task_progress::Word::ALL {
            let row = format!(
                "| `{}` | {} |",
                word.key(),
                word.english().replace('|', "\\|")
            );
            assert!(readme.contains(&row), "the npm README lacks {row}");
        }
        for code in sse_task_progress::FailureCode::ALL {
            let row = format!("| `{}` |", code.name());
            assert!(readme.contains(&row), "the npm README lacks the code {row}");
        }
    }

    /// The script fetches a translation for exactly the library's built-in languages.
    #[test]
    fn the_script_knows_the_built_in_languages() {
        let script = include_str!("../js/task-monitor.js");
        let listed = script
            .lines()
            .find_map(|line| line.strip_prefix("const LANGUAGES = "))
            .expect("task-monitor.js lists its LANGUAGES");
        let expected = serde_json::to_string(sse_task_progress::words::BUILTIN_LANGUAGES).unwrap();
        assert_eq!(listed.trim_end_matches(';'), expected);
    }
}

/// The allocator: talc, about 2.8 KB (gzipped) smaller than the standard
/// library's dlmalloc in this wasm, and single-threaded as the page is.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
