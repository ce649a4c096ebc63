//! Every kind of bad input to the task API gets a 4xx JSON `{"error": ...}`,
//! never a panic.

mod common;

use std::time::Duration;

use common::{configured, create_task, expect_error, get_json, TestServer};
use serde_json::json;

#[tokio::test]
async fn malformed_oversized_mistyped_and_out_of_range_bodies_are_refused() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let post = || client.post(server.url("/api/tasks"));
    expect_error(
        post()
            .header("content-type", "application/json")
            .body("{\"steps\": 3,"),
        400,
        "EOF",
    )
    .await;
    expect_error(
        post()
            .header("content-type", "application/json")
            .body(format!(
                "{{\"steps\": 3, \"interval_ms\": 0, \"label\": \"{}\"}}",
                "x".repeat(20_000)
            )),
        413,
        "length limit",
    )
    .await;
    expect_error(post().body("steps=3"), 415, "Content-Type").await;
    expect_error(
        post().json(&json!({"steps": 0, "interval_ms": 0})),
        422,
        "steps",
    )
    .await;
    expect_error(
        post().json(&json!({"steps": 100001, "interval_ms": 0})),
        422,
        "steps",
    )
    .await;
    expect_error(
        post().json(&json!({"steps": 3, "interval_ms": 60001})),
        422,
        "interval_ms",
    )
    .await;
    expect_error(
        post().json(&json!({"steps": 3, "interval_ms": 0, "fail_at": 9})),
        422,
        "fail_at",
    )
    .await;
    expect_error(
        post().json(&json!({"steps": -1, "interval_ms": 0})),
        422,
        "steps",
    )
    .await;
    expect_error(
        post().json(&json!({"steps": 3, "interval_ms": 0, "bogus": 1})),
        422,
        "bogus",
    )
    .await;
    // serde's wording and a position in the text the server re-encoded
    // stay out of the message.
    let response = post()
        .json(&json!({"interval_ms": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "steps is required");
    let response = post().json(&json!({"steps": "3"})).send().await.unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    let error = body["error"].as_str().unwrap();
    assert!(error.starts_with("steps: invalid type"), "{error}");
    assert!(!error.contains("line 1"), "{error}");
    expect_error(
        client.get(server.url("/api/run?steps=999999999999")),
        400,
        "steps",
    )
    .await;
}

#[tokio::test]
async fn unknown_tasks_and_routes_are_404() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let id = "00000000-0000-4000-8000-000000000000";
    expect_error(client.get(server.url(&format!("/api/tasks/{id}"))), 404, id).await;
    expect_error(
        client.get(server.url(&format!("/api/tasks/{id}/events"))),
        404,
        id,
    )
    .await;
    expect_error(
        client.post(server.url(&format!("/api/tasks/{id}/cancel"))),
        404,
        id,
    )
    .await;
    expect_error(client.get(server.url("/api/nope")), 404, "no such route").await;
}

#[tokio::test]
async fn garbage_last_event_ids_are_400_and_future_ones_say_the_history_is_lost() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let task = create_task(&server, json!({"steps": 3, "interval_ms": 0})).await;
    let events = server.url(task["events_url"].as_str().unwrap());
    tokio::time::sleep(Duration::from_millis(100)).await;
    expect_error(
        client.get(&events).header("Last-Event-ID", "abc"),
        400,
        "non-negative integer",
    )
    .await;
    expect_error(
        client.get(format!("{events}?lastEventId=-4")),
        400,
        "integer",
    )
    .await;
    // A resume point beyond the task's events (a replaced store) is said
    // first, then the events the server has follow from the start.
    let body = client
        .get(&events)
        .header("Last-Event-ID", "99")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lost = body.find(
        "event: history-lost\ndata: {\"message\":\"Last-Event-ID 99 is beyond the last event (4)",
    );
    let first = body.find("id: 1\n");
    assert!(lost.is_some() && lost < first, "{body}");
    assert!(body.contains("id: CLOSE"), "{body}");
}

#[tokio::test]
async fn a_full_queue_answers_429_with_retry_after() {
    let server = TestServer::start(configured(|tasks| {
        tasks.workers = 1;
        tasks.queue_capacity = 2;
    }))
    .await;
    let long = json!({"steps": 100, "interval_ms": 1000});
    // One runs, two wait: the queue is full.
    create_task(&server, long.clone()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    create_task(&server, long.clone()).await;
    create_task(&server, long.clone()).await;
    let response = reqwest::Client::new()
        .post(server.url("/api/tasks"))
        .json(&long)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("queue is full"));
}

#[tokio::test]
async fn close_on_an_ended_task_is_204_on_a_running_one_a_400_that_says_why() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    // No interval_ms: the default pause (500 ms) keeps it running a while.
    let task = create_task(&server, json!({"steps": 50})).await;
    let id = task["id"].as_str().unwrap();
    let events = server.url(task["events_url"].as_str().unwrap());
    // Queued or running, depending on the moment: not ended, either way.
    expect_error(
        client.get(&events).header("Last-Event-ID", "CLOSE"),
        400,
        "says the task ended, but task",
    )
    .await;
    let cancel = client
        .post(server.url(&format!("/api/tasks/{id}/cancel")))
        .send()
        .await
        .unwrap();
    assert!(cancel.status().is_success(), "{}", cancel.status());
    for _ in 0..100 {
        let (_, state) = get_json(&server, &format!("/api/tasks/{id}")).await;
        if state["state"] == "cancelled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let response = client
        .get(&events)
        .header("Last-Event-ID", "CLOSE")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
}
