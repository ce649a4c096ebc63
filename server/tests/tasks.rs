//! The task API end to end over real sockets: streaming, resume, cancel,
//! several clients, slow clients, and graceful shutdown.

mod common;

use std::time::Duration;

use common::{
    create_task, expected_ids, get_json, ids, parse_frames, read_body, read_frames_with_id,
    TestServer,
};
use serde_json::json;

#[tokio::test]
async fn a_task_streams_retry_every_step_in_order_and_close() {
    let server = TestServer::default().await;
    let task = create_task(
        &server,
        json!({"steps": 5, "interval_ms": 0, "label": "import"}),
    )
    .await;
    assert!(uuid_like(task["id"].as_str().unwrap()));
    let response = reqwest::get(server.url(task["events_url"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["x-accel-buffering"], "no");
    let body = read_body(response, Duration::from_secs(10)).await;
    assert!(body.starts_with("retry: 1000\n\n"), "{body:?}");
    let frames = parse_frames(&body);
    assert_eq!(ids(&frames), expected_ids(5));
    assert_eq!(
        frames[1].data.as_deref(),
        Some(
            r#"{"message":"import: step 1 of 5","progress":20,"code":"step","step":1,"steps":5,"label":"import"}"#
        )
    );
    assert_eq!(
        frames.last().unwrap().data.as_deref(),
        Some(r#"{"message":"Process complete","code":"complete"}"#)
    );
    let (_, snapshot) = get_json(&server, task["status_url"].as_str().unwrap()).await;
    assert_eq!(snapshot["state"], "completed");
    assert_eq!(snapshot["progress"], 100.0);
    // Resuming after CLOSE tells the browser to stop reconnecting.
    let after_close = reqwest::Client::new()
        .get(server.url(task["events_url"].as_str().unwrap()))
        .header("Last-Event-ID", "CLOSE")
        .send()
        .await
        .unwrap();
    assert_eq!(after_close.status(), 204);
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn two_clients_of_one_task_see_the_same_events() {
    let server = TestServer::default().await;
    let task = create_task(&server, json!({"steps": 20, "interval_ms": 2})).await;
    let url = server.url(task["events_url"].as_str().unwrap());
    let (a, b) = tokio::join!(reqwest::get(&url), reqwest::get(&url));
    let (a, b) = tokio::join!(
        read_body(a.unwrap(), Duration::from_secs(10)),
        read_body(b.unwrap(), Duration::from_secs(10))
    );
    assert_eq!(parse_frames(&a), parse_frames(&b));
    assert_eq!(ids(&parse_frames(&a)), expected_ids(20));
}

#[tokio::test]
async fn cancel_stops_the_job_on_the_server() {
    let server = TestServer::default().await;
    let task = create_task(&server, json!({"steps": 100, "interval_ms": 50})).await;
    let response = reqwest::get(server.url(task["events_url"].as_str().unwrap()))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let reader = tokio::spawn(read_body(response, Duration::from_secs(10)));
    tokio::time::sleep(Duration::from_millis(180)).await;
    let cancelled = client
        .post(server.url(task["cancel_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    let snapshot: serde_json::Value = cancelled.json().await.unwrap();
    assert_eq!(snapshot["state"], "cancelled");
    let step_at_cancel = snapshot["step"].as_u64().unwrap();
    assert!((1..100).contains(&step_at_cancel));
    // The stream ends with the cancelled event: no step after it.
    let frames = parse_frames(&reader.await.unwrap());
    let last = frames.last().unwrap();
    assert_eq!(last.event.as_deref(), Some("cancelled"));
    assert_eq!(
        frames
            .iter()
            .filter(|f| f.event.is_none() && f.id.is_some())
            .count() as u64,
        step_at_cancel
    );
    // Nothing runs afterwards.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, later) = get_json(&server, task["status_url"].as_str().unwrap()).await;
    assert_eq!(later["step"].as_u64().unwrap(), step_at_cancel);
    assert_eq!(later["state"], "cancelled");
    // A second cancel is a conflict.
    let again = client
        .post(server.url(task["cancel_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let body: serde_json::Value = again.json().await.unwrap();
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("already cancelled"));
}

#[tokio::test]
async fn a_failing_task_ends_with_a_failed_event() {
    let server = TestServer::default().await;
    let response = reqwest::get(server.url("/api/run?steps=5&interval_ms=0&fail_at=3"))
        .await
        .unwrap();
    let task_id = response.headers()["x-task-id"].to_str().unwrap().to_owned();
    let frames = parse_frames(&read_body(response, Duration::from_secs(10)).await);
    assert_eq!(ids(&frames), ["1", "2", "3"]);
    let last = frames.last().unwrap();
    assert_eq!(last.event.as_deref(), Some("failed"));
    assert!(last.data.as_deref().unwrap().contains("step 3 of 5 failed"));
    let (_, snapshot) = get_json(&server, &format!("/api/tasks/{task_id}")).await;
    assert_eq!(snapshot["state"], "failed");
}

#[tokio::test]
async fn a_client_that_stops_reading_does_not_delay_another() {
    let server = TestServer::default().await;
    // Big enough that the stalled client's socket buffers fill up.
    let label = "x".repeat(180);
    let task = create_task(
        &server,
        json!({"steps": 20000, "interval_ms": 0, "label": label}),
    )
    .await;
    let url = server.url(task["events_url"].as_str().unwrap());
    let stalled = reqwest::get(&url).await.unwrap();
    let fast = reqwest::get(&url).await.unwrap();
    let frames = parse_frames(&read_body(fast, Duration::from_secs(60)).await);
    assert_eq!(frames.iter().filter(|f| f.id.is_some()).count(), 20001);
    drop(stalled);
}

#[tokio::test]
async fn graceful_shutdown_ends_open_streams_and_returns() {
    let mut server = TestServer::default().await;
    let task = create_task(&server, json!({"steps": 1000, "interval_ms": 100})).await;
    let response = reqwest::get(server.url(task["events_url"].as_str().unwrap()))
        .await
        .unwrap();
    let frames = read_frames_with_id(response, 1).await;
    assert_eq!(ids(&frames), ["1"]);
    server.shutdown();
    let result = tokio::time::timeout(Duration::from_secs(5), &mut server.done)
        .await
        .expect("server did not stop in time");
    assert!(result.unwrap().is_ok());
}

#[tokio::test]
async fn a_label_with_cr_lf_cannot_inject_fields_or_events() {
    let server = TestServer::default().await;
    let label = "evil\r\nid: 99\n\nevent: failed\rdata: x";
    let task = create_task(
        &server,
        json!({"steps": 2, "interval_ms": 0, "label": label}),
    )
    .await;
    let response = reqwest::get(server.url(task["events_url"].as_str().unwrap()))
        .await
        .unwrap();
    let frames = parse_frames(&read_body(response, Duration::from_secs(10)).await);
    assert_eq!(ids(&frames), expected_ids(2));
    assert!(frames.iter().all(|f| f.event.is_none()));
    let data: serde_json::Value = serde_json::from_str(frames[1].data.as_deref().unwrap()).unwrap();
    assert_eq!(data["message"], format!("{label}: step 1 of 2"));
}
