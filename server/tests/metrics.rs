//! `GET /api/metrics` for whoever runs the server: Prometheus text of this
//! node (tasks by state, open streams, events stored, write latency, queue
//! depth), for an operator only, and absent unless turned on.

mod common;

use std::time::Duration;

use axum::http::request::Parts;
use axum::http::StatusCode;
use common::{configured, TestServer};
use futures_util::StreamExt;
use serde_json::json;
use sse_task_server::http::{Caller, Refusal};
use sse_task_server::TaskServer;

fn who(parts: &Parts) -> Result<Caller, Refusal> {
    match parts.headers.get("x-user").and_then(|v| v.to_str().ok()) {
        Some("root") => Ok(Caller::operator("root")),
        Some(name) => Ok(Caller::user(name)),
        None => Err(StatusCode::UNAUTHORIZED.into()),
    }
}

async fn get(server: &TestServer, path: &str, user: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(server.url(path))
        .header("x-user", user)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The value of the series `name` whose labels include `label`.
fn value(text: &str, name: &str, label: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(&format!("{name}{{")) && line.contains(label))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_reads_the_nodes_tasks_streams_and_writes() {
    let config = configured(|tasks| tasks.metrics = true);
    let server = TaskServer::builder(config)
        .identify(who)
        .build()
        .await
        .unwrap();
    let app = TestServer::serve(server).await;
    assert_eq!(get(&app, "/api/metrics", "alice").await.0, 403);

    let client = reqwest::Client::new();
    let task: serde_json::Value = client
        .post(app.url("/api/tasks"))
        .header("x-user", "alice")
        .json(&json!({"steps": 20, "interval_ms": 50}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = task["events_url"].as_str().unwrap();
    let stream = client
        .get(app.url(events))
        .header("x-user", "alice")
        .send()
        .await
        .unwrap();
    let mut body = stream.bytes_stream();
    body.next().await;
    // The stream is open at once; the job starts when the queue hands it
    // out (a busy machine may take a moment).
    let mut text = String::new();
    for _ in 0..200 {
        let (status, read) = get(&app, "/api/metrics", "root").await;
        assert_eq!(status, 200);
        text = read;
        if value(&text, "sse_task_tasks", "state=\"running\"") == Some(1.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        value(&text, "sse_task_open_streams", "kind=\"task\""),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(&text, "sse_task_tasks", "state=\"running\""),
        Some(1.0),
        "{text}"
    );
    drop(body);

    for _ in 0..200 {
        let (_, text) = get(&app, "/api/metrics", "root").await;
        if value(&text, "sse_task_tasks", "state=\"completed\"") == Some(1.0) {
            assert_eq!(
                value(&text, "sse_task_open_streams", "kind=\"task\""),
                Some(0.0),
                "{text}"
            );
            assert_eq!(
                value(&text, "sse_task_queue_depth", "node"),
                Some(0.0),
                "{text}"
            );
            let stored = value(&text, "sse_task_events_stored_total", "node").unwrap_or(0.0);
            assert!(stored >= 21.0, "every step and the end: {text}");
            assert!(text.contains("sse_task_write_seconds_bucket{"), "{text}");
            assert!(text.contains("node=\""), "{text}");
            app.stop().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the task did not complete");
}

#[tokio::test]
async fn without_the_setting_there_is_no_metrics_route() {
    let app = TestServer::default().await;
    assert_eq!(get(&app, "/api/metrics", "anyone").await.0, 404);
}
