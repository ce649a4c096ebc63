//! `<SignIn>`: when the server has users (`sse-mock-server --user`), who is
//! signed in, and a form to sign in with a token (`POST /session`), which
//! sets the session cookie every later request of the page sends by
//! itself, the `EventSource` included. On a server without users it shows
//! nothing.

use gloo_net::http::Request;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsValue;

/// What `GET /session` answers (read with the browser's `JSON.parse`).
#[derive(Debug, Clone, Default)]
struct Session {
    /// The server has users.
    users: bool,
    /// Who this page is signed in as.
    user: Option<String>,
}

impl Session {
    /// `{users, user}` from `text`; nobody and no users when it is not that.
    fn read(text: &str) -> Self {
        let Ok(answer) = js_sys::JSON::parse(text) else {
            return Self::default();
        };
        let field = |name: &str| js_sys::Reflect::get(&answer, &name.into()).ok();
        Self {
            users: field("users").and_then(|v| v.as_bool()).unwrap_or(false),
            user: field("user").and_then(|v| v.as_string()),
        }
    }
}

/// The sign-in line of the page's own server (`server`: its origin, empty
/// for the page's).
#[component]
pub fn SignIn(server: String) -> impl IntoView {
    let session = RwSignal::new(Session::default());
    let said = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let url = format!("{server}/session");
    let ask = {
        let url = url.clone();
        move || {
            let url = url.clone();
            leptos::task::spawn_local(async move {
                if let Ok(response) = Request::get(&url).send().await {
                    if let Ok(text) = response.text().await {
                        session.set(Session::read(&text));
                    }
                }
            });
        }
    };
    ask();
    let sign_in = {
        let url = url.clone();
        let ask = ask.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let (url, ask) = (url.clone(), ask.clone());
            let token = JsValue::from_str(&token.get_untracked());
            let body = js_sys::JSON::stringify(&token)
                .map(String::from)
                .unwrap_or_default();
            let body = format!("{{\"token\":{body}}}");
            leptos::task::spawn_local(async move {
                let sent = match Request::post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                {
                    Ok(request) => request.send().await,
                    Err(error) => Err(error),
                };
                said.set(match sent {
                    Ok(response) if response.ok() => String::new(),
                    Ok(_) => "No user has this token.".into(),
                    Err(error) => format!("Could not reach the server: {error}"),
                });
                ask();
            });
        }
    };
    let sign_out = move |_| {
        let (url, ask) = (url.clone(), ask.clone());
        leptos::task::spawn_local(async move {
            let _ = Request::delete(&url).send().await;
            ask();
        });
    };
    move || {
        let Session { users, user } = session.get();
        match (users, user) {
            (false, _) => None,
            (true, Some(user)) => Some(
                view! {
                    <p class="sign-in" data-testid="signed-in">
                        "Signed in as " <strong>{user}</strong> " "
                        <button type="button" class="demo-button" on:click=sign_out.clone()>"Sign out"</button>
                    </p>
                }
                .into_any(),
            ),
            (true, None) => Some(
                view! {
                    <form class="sign-in" data-testid="sign-in" on:submit=sign_in.clone()>
                        <label>
                            "This server has users: your token "
                            <input type="password" autocomplete="current-password" data-testid="sign-in-token"
                                bind:value=token />
                        </label>
                        <button type="submit" class="demo-button">"Sign in"</button>
                        <span role="status">{move || said.get()}</span>
                    </form>
                }
                .into_any(),
            ),
        }
    }
}
