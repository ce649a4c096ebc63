//! `/seeds/tizen`: the Tizen TV push demo's `server_sent_events_server.php`.
//!
//! `retry: 2000`, one `data: push time => <RFC 2822 date>`, then the response
//! ends, so the browser reconnects every two seconds.

use std::time::Duration;

use axum::extract::State;
use axum::response::sse::Event;
use axum::response::Response;
use futures_util::stream;

use crate::sse::{retry_event, sse_response};
use crate::state::AppState;

/// The seed's reconnection interval.
pub const RETRY: Duration = Duration::from_millis(2000);

/// `GET /seeds/tizen`.
pub async fn push(State(state): State<AppState>) -> Response {
    let now = chrono::Local::now().to_rfc2822();
    let events = stream::iter([
        retry_event(RETRY),
        Event::default().data(format!("push time => {now}")),
    ]);
    sse_response(events, state.config.keep_alive, &state.shutdown)
}
