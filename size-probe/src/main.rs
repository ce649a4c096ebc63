//! The smallest Leptos CSR app a team would add a long job to: a heading and
//! a button that counts. With the `monitor` feature it also shows a
//! `<TaskMonitor>` of `/long-task` (the README's first example). The size
//! budget builds it both ways (release, wasm-opt -Oz, gzip -9): the
//! difference is what the crate adds to an app.

use leptos::prelude::*;

fn main() {
    #[cfg(feature = "monitor")]
    if sse_task_progress::runs_in_stream_worker() {
        return;
    }
    leptos::mount::mount_to_body(App);
}

/// The app: the shell, and the monitor with `monitor`.
#[component]
fn App() -> impl IntoView {
    let clicks = RwSignal::new(0_u32);
    view! {
        <h1>"Exports"</h1>
        <button on:click=move |_| clicks.update(|count| *count += 1)>
            "Clicked " {clicks} " times"
        </button>
        {monitor()}
    }
}

#[cfg(feature = "monitor")]
fn monitor() -> impl IntoView {
    use sse_task_progress::{TaskMonitor, TaskSource};
    let source = TaskSource::Url {
        url: "/long-task".into(),
    };
    view! { <TaskMonitor source=Signal::stored(source) /> }
}

#[cfg(not(feature = "monitor"))]
fn monitor() -> impl IntoView {}
