//! `<JobKindField>`: the job source's kind and its parameters as JSON, with
//! the kinds the server runs (`GET {server}/api/kinds`) named beside them.

use gloo_net::http::Request;
use leptos::prelude::*;
use sse_task_protocol::KindsResponse;

use crate::config::DemoForm;
use crate::field::FormField;

/// The kinds the server runs, or why they could not be listed.
async fn kinds_of(server: String) -> Result<Vec<String>, String> {
    let response = Request::get(&format!("{server}/api/kinds"))
        .send()
        .await
        .map_err(|error| format!("cannot list the server's job kinds: {error}"))?;
    if !response.ok() {
        return Err(format!(
            "the server lists no job kinds ({})",
            response.status()
        ));
    }
    let kinds: KindsResponse = response
        .json()
        .await
        .map_err(|error| format!("the server's list of job kinds is unreadable: {error}"))?;
    Ok(kinds.kinds)
}

/// The kind, the parameters and the server's kinds (asked for when shown);
/// hidden unless `shown`.
#[component]
pub fn JobKindField(
    /// The form (its server, job kind and parameters).
    form: RwSignal<DemoForm>,
    /// Whether the job source is chosen.
    shown: Signal<bool>,
) -> impl IntoView {
    let server = Memo::new(move |_| form.with(|f| f.server.clone()));
    let kinds = RwSignal::new(Vec::<String>::new());
    let problem = RwSignal::new(String::new());
    // Asked for each time the job source is shown, or its server changes.
    Effect::new(move |_| {
        if !shown.get() {
            return;
        }
        let server = server.get();
        leptos::task::spawn_local(async move {
            match kinds_of(server).await {
                Ok(listed) => {
                    kinds.set(listed);
                    problem.set(String::new());
                }
                Err(why) => problem.set(why),
            }
        });
    });
    let listed = move || match (kinds.get(), problem.get()) {
        (_, problem) if !problem.is_empty() => problem,
        (kinds, _) if kinds.is_empty() => "The server lists no job kinds.".to_owned(),
        (kinds, _) => format!("The server runs: {}", kinds.join(", ")),
    };
    view! {
        <FormField label="Job kind" test_id="job-kind" input_type="text" form
            field=|f| &mut f.job_kind placeholder="countdown" shown />
        <FormField label="Parameters (JSON)" test_id="job-params" input_type="text" form
            field=|f| &mut f.params placeholder="{}" wide=true shown />
        <p class="source-note" data-testid="job-kinds" hidden=move || !shown.get()>{listed}</p>
    }
}
