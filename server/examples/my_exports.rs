//! An app whose users sign in, each with tasks of their own: a sign-in form
//! and a cookie session (the app's, as any app has one), a job of the
//! app's own ("export my data"), and a page with `<task-monitor>` and a
//! dashboard of the user's tasks over the feed. The task server is told who
//! each request is by the app's session (`identify`): alice and bob each
//! see, stream and stop only their own exports, and the browser's
//! `EventSource` needs nothing in its URL, the session cookie is enough.
//!
//! `cargo run -p sse-task-server --example my_exports -- ELEMENT_DIR [PORT]`
//! (ELEMENT_DIR: the built element, `dist/element` after
//! `scripts/build-element.sh`); sign in as `alice` / `alice-password` or
//! `bob` / `bob-password`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sse_task_server::http::{refuse_cross_origin_actions, Caller};
use sse_task_server::{
    parse_params, Job, JobContext, JobError, JobPlan, TaskServer, TaskServerConfig,
};

/// The app's accounts: name and password (an example's; a real app has its own).
const ACCOUNTS: [(&str, &str); 2] = [("alice", "alice-password"), ("bob", "bob-password")];

/// The session cookie's name.
const COOKIE: &str = "my_exports_session";

/// The app's sessions: id -> user name.
type Sessions = Arc<Mutex<HashMap<String, String>>>;

/// The signed-in user of a request, as the app's middleware found it.
#[derive(Clone)]
struct SignedIn(String);

/// The app's own job: exports the user's records, one step each.
struct Export;

#[derive(serde::Deserialize)]
struct ExportParams {
    #[serde(default = "forty")]
    records: u32,
    #[serde(default = "pause_ms")]
    pause_ms: u64,
}

fn forty() -> u32 {
    40
}

fn pause_ms() -> u64 {
    250
}

impl Job for Export {
    fn plan(&self, params: &serde_json::Value) -> Result<JobPlan, String> {
        let ExportParams { records, .. } = parse_params(params)?;
        match records {
            1..=10_000 => Ok(JobPlan { steps: records }),
            _ => Err(format!("records must be 1 to 10000, got {records}")),
        }
    }

    fn run(&self, context: &JobContext) -> Result<(), JobError> {
        let params: ExportParams = parse_params(context.params()).map_err(JobError::Failed)?;
        for record in context.resume_from() + 1..=params.records {
            context.sleep(Duration::from_millis(params.pause_ms))?;
            let line = format!("exported record {record} of {}", params.records);
            context.step(record, line)?;
        }
        Ok(())
    }
}

/// The app's middleware: the session cookie's user, for the routes after it.
async fn find_user(State(sessions): State<Sessions>, mut request: Request, next: Next) -> Response {
    let user = session_of(request.headers()).and_then(|id| {
        let sessions = sessions.lock().ok()?;
        sessions.get(&id).cloned()
    });
    if let Some(user) = user {
        request.extensions_mut().insert(SignedIn(user));
    }
    next.run(request).await
}

fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| {
            let (name, value) = cookie.trim().split_once('=')?;
            (name == COOKIE).then(|| value.to_owned())
        })
}

#[derive(serde::Deserialize)]
struct SignInForm {
    user: String,
    password: String,
}

async fn sign_in(State(sessions): State<Sessions>, Form(form): Form<SignInForm>) -> Response {
    let known = ACCOUNTS
        .iter()
        .any(|(user, password)| *user == form.user && *password == form.password);
    if !known {
        return (
            StatusCode::UNAUTHORIZED,
            Html(sign_in_page("Wrong name or password.")),
        )
            .into_response();
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    if let Ok(mut sessions) = sessions.lock() {
        sessions.insert(id.clone(), form.user);
    }
    let cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

async fn sign_out(State(sessions): State<Sessions>, headers: HeaderMap) -> Response {
    if let (Some(id), Ok(mut sessions)) = (session_of(&headers), sessions.lock()) {
        sessions.remove(&id);
    }
    let expired = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, expired)], Redirect::to("/")).into_response()
}

async fn home(user: Option<axum::Extension<SignedIn>>) -> Html<String> {
    match user {
        Some(axum::Extension(SignedIn(user))) => Html(PAGE.replace("{user}", &user)),
        None => Html(sign_in_page("")),
    }
}

fn sign_in_page(problem: &str) -> String {
    SIGN_IN.replace("{problem}", problem)
}

const SIGN_IN: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in: My exports</title></head>
<body><main><h1>My exports</h1><p id="problem">{problem}</p>
<form method="post" action="/sign-in"><label>Name <input name="user" id="user" autocomplete="username"></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
<button id="sign-in">Sign in</button></form></main></body></html>"#;

const PAGE: &str = r##"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>My exports</title>
<script type="module" src="/element/task-monitor.js"></script></head><body><main>
<h1>My exports</h1><p id="who">Signed in as {user}</p>
<form method="post" action="/sign-out"><button id="sign-out">Sign out</button></form>
<button id="export">Export my data</button>
<task-monitor aria-label="Export"></task-monitor>
<h2>My tasks</h2>
<table id="tasks"><thead><tr><th>Task</th><th>State</th><th>Progress</th></tr></thead><tbody></tbody></table>
</main><script>
document.getElementById("export").onclick = async () => {
  const answer = await fetch("/api/tasks", { method: "POST",
    headers: { "content-type": "application/json" }, body: JSON.stringify({ kind: "export" }) });
  // The monitor follows the task it is given: its whole log, then live; Stop cancels it.
  document.querySelector("task-monitor").setAttribute("task-id", (await answer.json()).id);
};
// The dashboard: my tasks' feed over one connection; the session cookie is all it sends.
const rows = new Map();
new EventSource("/api/tasks/events").onmessage = (event) => {
  const d = JSON.parse(event.data);
  if (!d.task) return;
  let row = rows.get(d.task);
  if (!row) {
    row = document.querySelector("#tasks tbody").insertRow(0);
    row.dataset.task = d.task;
    row.insertCell().textContent = d.task.slice(0, 8);
    row.insertCell();
    row.insertCell();
    rows.set(d.task, row);
  }
  const ended = { failed: "failed", cancelled: "cancelled" }[d.event]
    || (d.id === "CLOSE" ? "completed" : d.event === "message" ? "running" : null);
  const state = d.state || ended;
  const progress = d.progress ?? (d.data && d.data.progress);
  if (state) row.cells[1].textContent = state;
  if (progress != null) row.cells[2].textContent = Math.round(progress) + " %";
};
</script></body></html>"##;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let element = args.next().ok_or("ELEMENT_DIR?")?;
    let port: u16 = args.next().unwrap_or_else(|| "3000".into()).parse()?;
    let config = TaskServerConfig {
        max_active_per_user: 3,
        ..TaskServerConfig::default()
    };
    let server = TaskServer::builder(config)
        .job("export", Export)
        // Who a request is: the user the app's middleware found, or nobody.
        .identify(|parts| match parts.extensions.get::<SignedIn>() {
            Some(SignedIn(user)) => Ok(Caller::user(user)),
            None => Err(StatusCode::UNAUTHORIZED.into()),
        })
        .build()
        .await?;
    let sessions = Sessions::default();
    // The app's own forms get the task API's guard: no page of another
    // origin may sign a visitor in or out.
    let policy = Arc::new(server.config().access_policy());
    let app = Router::new()
        .route("/", get(home))
        .route("/sign-in", post(sign_in))
        .route("/sign-out", post(sign_out))
        .layer(from_fn_with_state(policy, refuse_cross_origin_actions))
        .with_state(Arc::clone(&sessions))
        .nest_service("/element", tower_http::services::ServeDir::new(element))
        .merge(server.router())
        .layer(from_fn_with_state(sessions, find_user));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    server
        .serve(listener, app, async {
            tokio::signal::ctrl_c().await.unwrap_or(())
        })
        .await?;
    Ok(())
}
