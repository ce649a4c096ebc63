//! `GET /api/tasks/events`, the multiplexed stream of every task, over real
//! sockets: a first connection gets a snapshot of the tasks already there,
//! then every new task's `created` and events in server order; connections
//! dropped every few events and resumed with `Last-Event-ID` lose and
//! double nothing; a resume id beyond the feed says the history is lost and
//! starts over with a snapshot.

mod common;

use std::time::Duration;

use common::{
    create_task, get_json, parse_frames, read_body, read_frames_with_id, Frame, TestServer,
};
use serde_json::{json, Value};

async fn wait_for_state(server: &TestServer, id: &str, state: &str) {
    for _ in 0..200 {
        let (_, task) = get_json(server, &format!("/api/tasks/{id}")).await;
        if task["state"] == state {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("task {id} never became {state}");
}

/// Reads one resumed connection of the feed (the server drops it after 5
/// rows) until it ends or `count` rows came.
async fn connection(server: &TestServer, last_event_id: &str, count: usize) -> Vec<Frame> {
    let response = reqwest::Client::new()
        .get(server.url("/api/tasks/events?drop_every=5"))
        .header("Last-Event-ID", last_event_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    read_frames_with_id(response, count.min(5)).await
}

fn data(frame: &Frame) -> Value {
    serde_json::from_str(frame.data.as_deref().unwrap_or("null")).unwrap()
}

#[tokio::test]
async fn every_task_over_one_connection_resumed_without_loss_or_doubling() {
    let server = TestServer::default().await;
    let before = create_task(&server, json!({ "steps": 3, "interval_ms": 5 })).await;
    let before_id = before["id"].as_str().unwrap().to_owned();
    wait_for_state(&server, &before_id, "completed").await;

    // The first connection: the snapshot, then `synced` with the position.
    let mut request = reqwest::Client::new()
        .get(server.url("/api/tasks/events?drop_every=5"))
        .send();
    let response = (&mut request).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let task = create_task(&server, json!({ "steps": 4, "interval_ms": 10 })).await;
        tasks.push(task["id"].as_str().unwrap().to_owned());
    }
    let first = parse_frames(&read_body(response, Duration::from_secs(10)).await);
    let snapshot: Vec<Value> = first
        .iter()
        .filter(|f| f.id.is_none() && f.data.is_some())
        .map(data)
        .collect();
    assert_eq!(snapshot.len(), 1, "{first:?}");
    assert_eq!(snapshot[0]["task"], before_id.as_str());
    assert_eq!(snapshot[0]["event"], "snapshot");
    assert_eq!(snapshot[0]["state"], "completed");
    assert_eq!(snapshot[0]["progress"], 100.0);
    assert_eq!(snapshot[0]["seq"], 4);
    let synced = first.iter().find(|f| data(f)["event"] == "synced").unwrap();
    let position: u64 = synced.id.as_deref().unwrap().parse().unwrap();

    // Every later row, over connections the server drops every 5 rows.
    let mut rows: Vec<Frame> = first
        .into_iter()
        .filter(|f| f.id.is_some() && data(f)["event"] != "synced")
        .collect();
    let wanted = 2 * (1 + 4 + 1);
    for _ in 0..10 {
        if rows.len() >= wanted {
            break;
        }
        let last = rows
            .last()
            .and_then(|f| f.id.clone())
            .unwrap_or(position.to_string());
        let more = connection(&server, &last, wanted - rows.len()).await;
        rows.extend(more.into_iter().filter(|f| f.id.is_some()));
    }
    let gseqs: Vec<u64> = rows
        .iter()
        .map(|f| f.id.as_deref().unwrap().parse().unwrap())
        .collect();
    let expected: Vec<u64> = (position + 1..=position + wanted as u64).collect();
    assert_eq!(
        gseqs, expected,
        "one server-wide sequence, nothing lost or doubled"
    );
    for task in &tasks {
        let mine: Vec<Value> = rows
            .iter()
            .map(data)
            .filter(|d| d["task"] == task.as_str())
            .collect();
        let kinds: Vec<&str> = mine.iter().map(|d| d["event"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["created", "message", "message", "message", "message", "message"]
        );
        let seqs: Vec<u64> = mine[1..]
            .iter()
            .map(|d| d["seq"].as_u64().unwrap())
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        assert_eq!(mine[5]["id"], "CLOSE");
        assert_eq!(mine[4]["data"]["progress"], 100.0);
    }
}

#[tokio::test]
async fn a_resume_id_beyond_the_feed_says_the_history_is_lost_then_sends_a_snapshot() {
    let server = TestServer::default().await;
    let task = create_task(&server, json!({"steps": 1, "interval_ms": 0})).await;
    wait_for_state(&server, task["id"].as_str().unwrap(), "completed").await;
    let response = reqwest::Client::new()
        .get(server.url("/api/tasks/events"))
        .header("Last-Event-ID", "999999")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let frames: Vec<Frame> = read_frames_with_id(response, 1)
        .await
        .into_iter()
        .filter(|frame| frame.data.is_some())
        .collect();
    assert_eq!(
        frames[0].event.as_deref(),
        Some("history-lost"),
        "{frames:?}"
    );
    assert!(frames[0]
        .data
        .as_deref()
        .unwrap()
        .contains("beyond the feed's newest event"));
    let data: Vec<Value> = frames[1..]
        .iter()
        .filter_map(|frame| serde_json::from_str(frame.data.as_deref()?).ok())
        .collect();
    assert_eq!(data[0]["event"], "snapshot", "{frames:?}");
    assert_eq!(data.last().unwrap()["event"], "synced", "{frames:?}");
}
