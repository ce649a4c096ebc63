//! Bounded by design: ended tasks are removed by retention (never a running
//! one), a removed task says so, and the task list comes in pages.

mod common;

use std::time::Duration;

use common::{create_task, get_json, TestServer};
use serde_json::json;
use sse_mock_server::ServerConfig;
use sse_task_server::Retention;

async fn wait_until_ended(server: &TestServer, status_url: &str) {
    for _ in 0..100 {
        let (_, task) = get_json(server, status_url).await;
        if task["state"] == "completed" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{status_url} did not end");
}

#[tokio::test]
async fn retention_removes_the_oldest_ended_tasks_never_a_running_one_and_says_so() {
    let server = TestServer::start(ServerConfig {
        retention: Retention {
            max_age: Duration::from_secs(3600),
            max_count: 2,
        },
        retention_sweep: Duration::from_millis(200),
        ..ServerConfig::default()
    })
    .await;
    let running = create_task(&server, json!({"steps": 1000, "interval_ms": 100})).await;
    let mut ended = Vec::new();
    for _ in 0..4 {
        let task = create_task(&server, json!({"steps": 1, "interval_ms": 0})).await;
        wait_until_ended(&server, task["status_url"].as_str().unwrap()).await;
        ended.push(task);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, listed) = get_json(&server, "/api/tasks").await;
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            ended[3]["id"].as_str().unwrap(),
            ended[2]["id"].as_str().unwrap(),
            running["id"].as_str().unwrap()
        ]
    );
    for removed in &ended[..2] {
        let (status, body) = get_json(&server, removed["status_url"].as_str().unwrap()).await;
        assert_eq!(status, 410);
        assert!(
            body["error"].as_str().unwrap().contains("removed"),
            "{body}"
        );
        let (status, _) = get_json(&server, removed["events_url"].as_str().unwrap()).await;
        assert_eq!(status, 410);
    }
}

#[tokio::test]
async fn the_task_list_comes_in_pages_linked_by_the_next_header() {
    let server = TestServer::default().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        let task = create_task(&server, json!({"steps": 1, "interval_ms": 0})).await;
        created.push(task["id"].as_str().unwrap().to_owned());
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut next = Some("/api/tasks?limit=2".to_owned());
    while let Some(path) = next.take() {
        let response = reqwest::get(server.url(&path)).await.unwrap();
        assert_eq!(response.status(), 200);
        next = response.headers().get("link").map(|link| {
            let link = link.to_str().unwrap();
            link[link.find('<').unwrap() + 1..link.find('>').unwrap()].to_owned()
        });
        let page: Vec<serde_json::Value> = response.json().await.unwrap();
        assert!(page.len() <= 2);
        seen.extend(
            page.iter()
                .map(|task| task["id"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(seen, created);
    let (status, _) = get_json(&server, "/api/tasks?limit=0").await;
    assert_eq!(status, 422);
}
