//! The demo site: pick a source (the task API, a seed endpoint, any URL)
//! and watch it in a `TaskMonitor`. `main` mounts [`app::DemoApp`] to the
//! page body; trunk builds this crate (see `index.html`).

mod app;
mod config;
mod field;
mod job_kinds;
mod new_task;
mod source_picker;
mod transport;

/// The allocator: talc, smaller than the standard library's dlmalloc (see
/// the element's).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    // The page's stream worker starts this wasm too, only to read streams.
    if sse_task_progress::runs_in_stream_worker() {
        return;
    }
    leptos::mount::mount_to_body(app::DemoApp);
}
