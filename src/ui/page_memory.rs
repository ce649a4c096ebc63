//! Where a monitor remembers its task across reloads: the page URL's query
//! (set with `history.replaceState`, so the link can be shared or
//! bookmarked) and `sessionStorage` (this tab only). Browser-only: call it
//! from effects, which never run on the server.

use leptos::prelude::window;
use wasm_bindgen::JsValue;

use super::page_query::{query_with_task_id, task_id_in_query};
use crate::state::is_task_id;

/// Prefix of the `sessionStorage` keys.
const STORAGE_PREFIX: &str = "sse-task-progress:";

/// The task id remembered under `key`: the URL's `?{key}=` first (a shared
/// link wins), then this tab's `sessionStorage`.
pub fn remembered(key: &str) -> Option<String> {
    let window = window();
    let query = window.location().search().unwrap_or_default();
    task_id_in_query(&query, key).or_else(|| {
        window
            .session_storage()
            .ok()
            .flatten()
            .and_then(|storage| storage.get_item(&storage_key(key)).ok().flatten())
            .filter(|id| is_task_id(id))
    })
}

/// Remembers `id` under `key` (or forgets it when `None`), in the URL and
/// in `sessionStorage`. Errors (storage disabled, a sandboxed frame) are
/// ignored: remembering is best effort.
pub fn remember(key: &str, id: Option<&str>) {
    let window = window();
    let location = window.location();
    let query = location.search().unwrap_or_default();
    if task_id_in_query(&query, key).as_deref() != id {
        let url = format!(
            "{}{}{}",
            location.pathname().unwrap_or_default(),
            query_with_task_id(&query, key, id),
            location.hash().unwrap_or_default()
        );
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
        }
    }
    if let Ok(Some(storage)) = window.session_storage() {
        let _ = match id {
            Some(id) => storage.set_item(&storage_key(key), id),
            None => storage.remove_item(&storage_key(key)),
        };
    }
}

fn storage_key(key: &str) -> String {
    format!("{STORAGE_PREFIX}{key}")
}
