//! Timing rules checked on paused tokio time through `oneshot`: the coreBOS
//! seed's one-second pace and the delta seed's ten-second connection cap.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use sse_mock_server::{app, AppState, ServerConfig};
use sse_task_server::TaskServer;
use tokio::time::Instant;
use tower::ServiceExt;

async fn body_text(path: &str) -> (String, Duration) {
    let config = ServerConfig::default();
    let server = TaskServer::builder(config.server.clone())
        .build()
        .await
        .unwrap();
    let state = AppState::new(config, server, Default::default()).await;
    let start = Instant::now();
    let response = app(state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    drop(state);
    (String::from_utf8(bytes.to_vec()).unwrap(), start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn corebos_events_are_one_second_apart_by_default() {
    let (body, elapsed) = body_text("/seeds/corebos/source").await;
    assert!(body.ends_with("id: CLOSE\ndata: {\"message\":\"Process complete\"}\n\n"));
    // Ten sleeps of one second: after each of the ten iterations.
    assert!(
        elapsed >= Duration::from_secs(10) && elapsed < Duration::from_secs(11),
        "took {elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_delta_connection_closes_after_ten_seconds() {
    let (body, elapsed) = body_text("/seeds/delta").await;
    assert!(!body.contains("data:"), "no message was stored: {body:?}");
    assert!(
        elapsed >= Duration::from_secs(10) && elapsed < Duration::from_secs(11),
        "took {elapsed:?}"
    );
}
