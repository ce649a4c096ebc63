//! The hook's options for the demo's [`TransportPlan`]: `EventSource`, or
//! `fetch` plain (on the main thread or in the stream worker), with a bearer token it refreshes after a 401, or with a
//! `POST` body.

use std::sync::{Arc, Mutex};

use gloo_net::http::Request;
use wasm_bindgen_futures::JsFuture;

use crate::config::TransportPlan;
use sse_task_progress::{options::FetchOptions, Transport, UseTaskStreamOptions};

/// Options for `plan`, listening to the delta seed's named events too.
pub fn demo_options(plan: &TransportPlan) -> UseTaskStreamOptions {
    let transport = match plan {
        TransportPlan::EventSource => Transport::EventSource,
        TransportPlan::Fetch { off_main_thread } => {
            Transport::Fetch(FetchOptions::default().off_main_thread(*off_main_thread))
        }
        TransportPlan::Post { body } => Transport::Fetch(FetchOptions::default().json_body(body)),
        TransportPlan::Bearer { token_url } => Transport::Fetch(bearer(token_url.clone())),
    };
    UseTaskStreamOptions::default()
        .named_events(["delta"])
        .transport(transport)
}

/// Sends the current token; after a 401 asks `token_url` for a new one.
fn bearer(token_url: String) -> FetchOptions {
    let token = Arc::new(Mutex::new(String::new()));
    let current = token.clone();
    FetchOptions::default()
        .headers(move || {
            let token = current.lock().map(|t| t.clone()).unwrap_or_default();
            vec![("Authorization".to_owned(), format!("Bearer {token}"))]
        })
        .on_unauthorized(move || {
            let token = token.clone();
            let url = token_url.clone();
            Box::pin(async move {
                // Without a new token the retry fails with the server's reason.
                if let (Some(issued), Ok(mut token)) = (issue_token(&url).await, token.lock()) {
                    *token = issued;
                }
            })
        })
}

/// `POST url` and the `token` field of its JSON answer. (Read through JS:
/// a serde type for one field would cost the demo more than 1 KB of wasm.)
async fn issue_token(url: &str) -> Option<String> {
    let response = Request::post(url).send().await.ok()?;
    let raw: web_sys::Response = response.into();
    let json = JsFuture::from(raw.json().ok()?).await.ok()?;
    js_sys::Reflect::get(&json, &"token".into())
        .ok()?
        .as_string()
}
