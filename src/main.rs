//! The demo site's entry point: mounts [`DemoApp`] to the page body.

use sse_task_progress::demo::DemoApp;

fn main() {
    leptos::mount::mount_to_body(DemoApp);
}
