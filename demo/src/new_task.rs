//! `<NewTaskButton>`: the Tasks view's way to create a task (`POST
//! /api/tasks` with the form's steps and interval), so a fresh server's
//! empty table can be filled from the page.

use gloo_net::http::Request;
use leptos::prelude::*;
use sse_task_progress::CreateTaskRequest;

use crate::config::DemoForm;

/// A button that creates a task of the form's steps and interval, and a
/// line saying what happened.
#[component]
pub fn NewTaskButton(
    /// The form (its server, steps and interval are used).
    form: RwSignal<DemoForm>,
) -> impl IntoView {
    let said = RwSignal::new(String::new());
    let create = move |_| {
        let (server, request) = form.with_untracked(|f| {
            // The table's task fails at no step, whatever the form says.
            let request = CreateTaskRequest {
                fail_at: None,
                ..f.task_request()
            };
            (f.server.clone(), request)
        });
        said.set("Creating a task…".into());
        leptos::task::spawn_local(async move {
            let sent = Request::post(&format!("{server}/api/tasks")).json(&request);
            let outcome = match sent {
                Ok(sent) => sent.send().await,
                Err(error) => Err(error),
            };
            said.set(match outcome {
                Ok(response) if response.ok() => {
                    format!("Task created: {} steps", request.steps)
                }
                Ok(response) => format!(
                    "The server refused the task ({}): {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                ),
                Err(error) => format!("Could not reach the server: {error}"),
            });
        });
    };
    view! {
        <p class="new-task">
            <button type="button" class="demo-button" data-testid="new-task" on:click=create>
                "Start a task of " {move || form.with(|f| f.steps.clone())} " steps"
            </button>
            <span class="new-task-said" role="status" data-testid="new-task-said">{move || said.get()}</span>
        </p>
    }
}
