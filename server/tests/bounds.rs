//! Bounded by design: ended tasks are removed by retention (never a running
//! one), a removed task says so, and the task list comes in pages; on
//! SQLite, and on Redis as another node sees it.

mod common;

use std::time::Duration;

use common::redis::Redis;
use common::{configured, create_task, get_json, TestServer};
use serde_json::json;
use sse_task_server::RedisConfig;
use sse_task_server::Retention;
use sse_task_server::TaskServerConfig;

/// Two nodes on one Redis started with `config`.
async fn two_nodes(redis: &Redis, mut config: TaskServerConfig) -> (TestServer, TestServer) {
    config.redis = Some(RedisConfig::new(redis.url()));
    (
        TestServer::start(config.clone()).await,
        TestServer::start(config).await,
    )
}

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

fn retaining_two() -> TaskServerConfig {
    configured(|tasks| {
        tasks.retention = Retention {
            max_age: Duration::from_secs(3600),
            max_count: 2,
        };
        tasks.retention_sweep = Duration::from_millis(200);
    })
}

#[tokio::test]
async fn retention_removes_the_oldest_ended_tasks_never_a_running_one_and_says_so() {
    let server = TestServer::start(retaining_two()).await;
    retention_case(&server, &server).await;
}

#[tokio::test]
async fn on_redis_retention_holds_across_nodes() {
    let redis = Redis::start();
    let (a, b) = two_nodes(&redis, retaining_two()).await;
    retention_case(&a, &b).await;
}

/// Tasks created on `server`, the list and the removals seen on `seen_on`.
async fn retention_case(server: &TestServer, seen_on: &TestServer) {
    let running = create_task(server, json!({"steps": 1000, "interval_ms": 100})).await;
    let mut ended = Vec::new();
    for _ in 0..4 {
        let task = create_task(server, json!({"steps": 1, "interval_ms": 0})).await;
        wait_until_ended(server, task["status_url"].as_str().unwrap()).await;
        ended.push(task);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, listed) = get_json(seen_on, "/api/tasks").await;
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
        let (status, body) = get_json(seen_on, removed["status_url"].as_str().unwrap()).await;
        assert_eq!(status, 410);
        assert!(
            body["error"].as_str().unwrap().contains("removed"),
            "{body}"
        );
        let (status, _) = get_json(seen_on, removed["events_url"].as_str().unwrap()).await;
        assert_eq!(status, 410);
    }
}

#[tokio::test]
async fn the_task_list_comes_in_pages_linked_by_the_next_header() {
    let server = TestServer::default().await;
    paging_case(&server, &server).await;
}

#[tokio::test]
async fn on_redis_the_task_list_of_every_node_comes_in_pages() {
    let redis = Redis::start();
    let (a, b) = two_nodes(&redis, configured(|_| {})).await;
    paging_case(&a, &b).await;
}

/// Tasks created on `server`, listed page by page on `seen_on`.
async fn paging_case(server: &TestServer, seen_on: &TestServer) {
    let mut created = Vec::new();
    for _ in 0..5 {
        let task = create_task(server, json!({"steps": 1, "interval_ms": 0})).await;
        created.push(task["id"].as_str().unwrap().to_owned());
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut next = Some("/api/tasks?limit=2".to_owned());
    while let Some(path) = next.take() {
        let response = reqwest::get(seen_on.url(&path)).await.unwrap();
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
    let (status, _) = get_json(seen_on, "/api/tasks?limit=0").await;
    assert_eq!(status, 422);
}
