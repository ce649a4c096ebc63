//! Several server processes (the real binary) on one real Redis: a task
//! created on one node streams from another and resumes on a third; the
//! node running the job is SIGKILLed and another finishes it; a cancel on
//! one node stops the job on another; a Redis restarted mid-job loses and
//! doubles nothing; one node's viewers cost Redis one reader; a Redis that
//! does not answer is one line and exit 1.

mod common;
#[path = "../../server/tests/common/redis.rs"]
mod redis;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{
    expected_ids, get_json_at, ids, parse_frames, post_task, read_body, read_frames_with_id,
};
use redis::Redis;
use serde_json::json;

/// A server process, SIGKILLed when dropped.
struct Node {
    child: Child,
    base: String,
}

impl Node {
    fn start(redis: &Redis) -> Self {
        Self::start_with(redis, &["--workers", "2"])
    }

    fn start_with(redis: &Redis, flags: &[&str]) -> Self {
        let url = redis.url();
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "--redis".as_ref(),
            url.as_ref(),
            "--redis-lease-ms".as_ref(),
            "1000".as_ref(),
        ];
        args.extend(flags.iter().map(|flag| std::ffi::OsStr::new(*flag)));
        let (child, base) = common::spawn_server(&args);
        Self { child, base }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn stream_from(base: &str, events: &str, last_event_id: Option<&str>) -> Vec<String> {
    let mut request = reqwest::Client::new().get(format!("{base}{events}"));
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let response = request.send().await.unwrap();
    ids(&parse_frames(
        &read_body(response, Duration::from_secs(30)).await,
    ))
}

#[tokio::test]
async fn create_on_a_stream_from_b_resume_on_c_and_a_killed_mid_job_loses_nothing() {
    let redis = Redis::start();
    // A alone takes the job; B and C join once it runs.
    let mut a = Node::start(&redis);
    let task = post_task(&a.base, json!({"steps": 40, "interval_ms": 50})).await;
    let events = task["events_url"].as_str().unwrap().to_owned();
    let b = Node::start(&redis);
    let c = Node::start(&redis);

    let seen_on_b = read_frames_with_id(
        reqwest::get(format!("{}{events}", b.base)).await.unwrap(),
        5,
    )
    .await;
    let seen_on_b = ids(&seen_on_b);
    // The browser drops its connection on B; the node running the job dies.
    a.kill();
    let rest_on_c = stream_from(&c.base, &events, seen_on_b.last().map(String::as_str)).await;
    let mut all = seen_on_b.clone();
    all.extend(rest_on_c);
    assert_eq!(
        all,
        expected_ids(40),
        "every event once, in order, across B and C"
    );

    let (status, snapshot) = get_json_at(&b.base, task["status_url"].as_str().unwrap()).await;
    assert_eq!(
        (status, snapshot["state"].as_str()),
        (200, Some("completed"))
    );
    // What Redis holds replays the same on any node.
    assert_eq!(stream_from(&b.base, &events, None).await, expected_ids(40));
    // The feed of every task agrees: one created, 41 events, on either node.
    let feed = reqwest::get(format!("{}/api/tasks/events", c.base))
        .await
        .unwrap();
    let text = {
        let mut text = String::new();
        let mut response = feed;
        while !text.contains("\"synced\"") {
            let chunk = response.chunk().await.unwrap().unwrap();
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        text
    };
    assert!(text.contains("\"state\":\"completed\""), "{text}");
}

#[tokio::test]
async fn a_cancel_on_one_node_stops_the_job_on_another() {
    let redis = Redis::start();
    let a = Node::start(&redis);
    let task = post_task(&a.base, json!({"steps": 200, "interval_ms": 50})).await;
    let b = Node::start(&redis);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}{}",
            b.base,
            task["cancel_url"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cancelled: serde_json::Value = response.json().await.unwrap();
    assert_eq!(cancelled["state"], "cancelled");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, later) = get_json_at(&a.base, task["status_url"].as_str().unwrap()).await;
    assert_eq!(
        later["last_event_id"], cancelled["last_event_id"],
        "a step was stored after the cancel: {later}"
    );
    let ids = stream_from(&a.base, task["events_url"].as_str().unwrap(), None).await;
    let last = cancelled["last_event_id"].as_u64().unwrap();
    assert_eq!(
        ids.len() as u64,
        last,
        "every event once up to the cancel: {ids:?}"
    );
}

#[tokio::test]
async fn a_redis_restarted_mid_job_leaves_the_task_going_on_with_nothing_doubled() {
    let mut redis = Redis::start_with(true);
    let a = Node::start(&redis);
    let b = Node::start(&redis);
    let task = post_task(&a.base, json!({"steps": 60, "interval_ms": 50})).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    redis.restart(Duration::from_millis(1500));
    let events = task["events_url"].as_str().unwrap();
    let status = task["status_url"].as_str().unwrap();
    let mut state = String::new();
    for _ in 0..200 {
        let (_, snapshot) = get_json_at(&b.base, status).await;
        state = snapshot["state"].as_str().unwrap_or_default().to_owned();
        if state == "completed" || state == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, "completed", "the task went on after the restart");
    assert_eq!(stream_from(&b.base, events, None).await, expected_ids(60));
}

#[tokio::test]
async fn a_thousand_viewers_on_a_node_cost_redis_one_reader() {
    let redis = Redis::start();
    let a = Node::start(&redis);
    let task = post_task(&a.base, json!({"steps": 30, "interval_ms": 100})).await;
    let events = task["events_url"].as_str().unwrap().to_owned();
    let clients_before: usize = redis.query(&["CLIENT", "LIST"]).lines().count();
    let viewers: Vec<_> = (0..200)
        .map(|_| {
            let url = format!("{}{events}", a.base);
            tokio::spawn(async move {
                let response = reqwest::get(url).await.unwrap();
                ids(&parse_frames(
                    &read_body(response, Duration::from_secs(30)).await,
                ))
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let clients_during: usize = redis.query(&["CLIENT", "LIST"]).lines().count();
    assert!(
        clients_during <= clients_before + 1,
        "200 viewers opened Redis connections: {clients_before} -> {clients_during}"
    );
    for viewer in viewers {
        assert_eq!(viewer.await.unwrap(), expected_ids(30));
    }
}

#[tokio::test]
async fn the_queue_bound_holds_across_nodes() {
    let redis = Redis::start();
    let flags = ["--workers", "1", "--queue-capacity", "3"];
    let (a, b) = (
        Node::start_with(&redis, &flags),
        Node::start_with(&redis, &flags),
    );
    // One long task per node's worker, then three that wait: the queue is full.
    for base in [&a.base, &b.base] {
        post_task(base, json!({"steps": 100, "interval_ms": 100})).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for base in [&a.base, &b.base, &a.base] {
        post_task(base, json!({"steps": 1, "interval_ms": 0})).await;
    }
    for base in [&a.base, &b.base] {
        let response = reqwest::Client::new()
            .post(format!("{base}/api/tasks"))
            .json(&json!({"steps": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 429, "{base} took a fourth waiting task");
    }
}

#[test]
fn a_redis_that_does_not_answer_is_one_line_and_exit_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = Command::new(env!("CARGO_BIN_EXE_sse-mock-server"))
        .args(["--addr", "127.0.0.1:0", "--redis"])
        .arg(format!("redis://127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach Redis at redis://127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it listened: {:?}", output.stdout);
}
