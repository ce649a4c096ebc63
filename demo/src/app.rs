//! The demo page's root component: the source picker and a
//! [`TaskMonitor`] over the chosen source, or the Tasks view
//! ([`TasksDashboard`], `?view=tasks`).

use leptos::either::EitherOf3;
use leptos::prelude::*;
use sse_task_progress::{TaskMonitor, TasksDashboard};

use crate::config::{wants_tasks_view, DemoForm};
use crate::new_task::NewTaskButton;
use crate::source_picker::SourcePicker;
use crate::transport::demo_options;

/// True when the browser has `EventSource`.
fn supports_event_source() -> bool {
    js_sys::Reflect::has(&window(), &"EventSource".into()).unwrap_or(false)
}

/// The whole demo page. The server defaults to the page's own origin;
/// `?server=` and `?source=` in the page URL override it.
#[component]
pub fn DemoApp() -> impl IntoView {
    let query = window().location().search().unwrap_or_default();
    let form = RwSignal::new(DemoForm::from_query(&query));
    let tasks_view = wants_tasks_view(&query);
    // The OpenACS job's session: the first Start uses the one shown, each
    // later Start a new one (shown from then on).
    let session_id = RwSignal::new(new_session_id());
    let session_used = StoredValue::new(false);
    let source = Signal::derive(move || form.with(|f| f.source(session_id.get())));
    let on_start = Callback::new(move |()| {
        if session_used.get_value() {
            session_id.set(new_session_id());
        }
        session_used.set_value(true);
        remember_form(&form.get_untracked());
    });
    // Read at each Start: the transport, token and body of the chosen source.
    let options = Signal::derive(move || form.with(|f| demo_options(&f.transport_plan())));
    view! {
        <main class="demo">
            <header class="demo-header">
                <h1>"Live task progress"</h1>
                <p class="lede">
                    "A Leptos component over Server-Sent Events: start a long task, watch its log and progress, stop it on the server."
                </p>
                <p class="lede" data-testid="element-links">
                    "The same monitor as a "<code>"<task-monitor>"</code>" element for any HTML page: "
                    <a href="element/es.html">"the coreBOS page rewritten around it"</a>" · "
                    <a href="element/three.html">"three monitors at once"</a>
                </p>
            </header>
            <nav class="demo-views" aria-label="Views">
                <a href="./" aria-current=if tasks_view { None } else { Some("page") }>"One task"</a>
                " · "
                <a href="?view=tasks" data-testid="tasks-view-link" aria-current=if tasks_view { Some("page") } else { None }>
                    "Tasks (every task, one connection)"
                </a>
            </nav>
            {if !supports_event_source() {
                EitherOf3::C(view! {
                    <p class="unsupported" data-testid="unsupported" role="alert">
                        "Sorry, your browser does not support server-sent events."
                    </p>
                })
            } else if tasks_view {
                EitherOf3::B(view! {
                    <NewTaskButton form />
                    <TasksDashboard server=form.with_untracked(|f| f.server.clone()) />
                })
            } else {
                EitherOf3::A(view! {
                    <SourcePicker form session_id />
                    <TaskMonitor source options on_start remember_as="task" />
                })
            }}
        </main>
    }
}

/// Writes the form into the page's URL (`history.replaceState`): a reload
/// during the task shows the form that started it.
fn remember_form(form: &DemoForm) {
    let location = window().location();
    let query = form.query(&location.search().unwrap_or_default());
    let url = format!(
        "{}{query}{}",
        location.pathname().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = window().history() {
        let _ =
            history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

fn new_session_id() -> u64 {
    (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64
}
