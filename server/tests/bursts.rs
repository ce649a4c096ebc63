//! Bursts and odd bytes: 1 000 tasks created at once, 1 000 cancels of one
//! task at once, and a body that is not UTF-8. The server answers each
//! request with JSON and keeps working.

mod common;

use std::time::Duration;

use common::{configured, create_task, get_json, TestServer};
use futures_util::future::join_all;
use serde_json::json;

#[tokio::test]
async fn a_thousand_tasks_at_once_are_created_or_refused_with_429_and_all_created_ones_finish() {
    let server = TestServer::start(configured(|tasks| {
        tasks.workers = 4;
        tasks.queue_capacity = 256;
    }))
    .await;
    let client = reqwest::Client::new();
    let requests = (0..1000).map(|_| {
        client
            .post(server.url("/api/tasks"))
            .json(&json!({"steps": 2, "interval_ms": 0}))
            .send()
    });
    let mut created = 0;
    let mut refused = 0;
    for response in join_all(requests).await {
        let response = response.unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        match status {
            201 => created += 1,
            429 => {
                assert!(body["error"].as_str().unwrap().contains("queue is full"));
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created + refused, 1000);
    assert!(created >= 256, "only {created} created");
    // Every created task runs to completion.
    let mut done = 0;
    for _ in 0..200 {
        let (_, tasks) = get_json(&server, "/api/tasks?limit=1000").await;
        let tasks = tasks.as_array().unwrap().clone();
        assert_eq!(tasks.len(), created);
        done = tasks.iter().filter(|t| t["state"] == "completed").count();
        if done == created {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done, created);
}

#[tokio::test]
async fn a_thousand_cancels_at_once_cancel_once_and_conflict_the_rest() {
    let server = TestServer::default().await;
    let task = create_task(&server, json!({"steps": 1000, "interval_ms": 20})).await;
    let cancel_url = server.url(task["cancel_url"].as_str().unwrap());
    let client = reqwest::Client::new();
    let statuses: Vec<u16> = join_all((0..1000).map(|_| client.post(&cancel_url).send()))
        .await
        .into_iter()
        .map(|response| response.unwrap().status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 999);
    let (_, snapshot) = get_json(&server, task["status_url"].as_str().unwrap()).await;
    assert_eq!(snapshot["state"], "cancelled");
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_400() {
    let server = TestServer::default().await;
    let response = reqwest::Client::new()
        .post(server.url("/api/tasks"))
        .header("content-type", "application/json")
        .body(b"{\"steps\": 3, \"interval_ms\": 0, \"label\": \"caf\xC3(\"}".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].is_string());
}
