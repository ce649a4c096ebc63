//! Jobs first, over real sockets: a stream attached to a task at interval 0
//! gets nothing while the job runs flat out, then every event in order once
//! the task's end is stored; a paced task's stream is live.

mod common;

use std::time::Duration;

use common::{configured, create_task, get_json, ids, parse_frames, TestServer};
use serde_json::json;

const STEPS: u64 = 3000;

/// Reads `response` until its first chunk with an event id; returns the text so far.
async fn until_first_event(response: &mut reqwest::Response) -> String {
    let mut text = String::new();
    while !text.contains("\nid: ") && !text.starts_with("id: ") {
        let chunk = response.chunk().await.unwrap().expect("stream ended early");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    text
}

#[tokio::test]
async fn a_flat_out_task_is_streamed_once_stored_every_event_in_order_and_a_paced_one_live() {
    let server = TestServer::start(configured(|tasks| {
        tasks.workers = 1;
        tasks.jobs_first = Duration::from_secs(60);
    }))
    .await;
    // A gate holds the only worker, so the stream is attached before the job starts.
    create_task(&server, json!({"steps": 2, "interval_ms": 300})).await;
    let flat = create_task(&server, json!({"steps": STEPS, "interval_ms": 0})).await;
    let mut response = reqwest::get(server.url(flat["events_url"].as_str().unwrap()))
        .await
        .unwrap();
    let read = async {
        let mut text = until_first_event(&mut response).await;
        let (_, task) = get_json(&server, flat["status_url"].as_str().unwrap()).await;
        assert_eq!(
            task["state"], "completed",
            "an event was sent while the job ran: {task}"
        );
        while let Some(chunk) = response.chunk().await.unwrap() {
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        text
    };
    let text = tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the stream did not end");
    // The steps' ids, then the completion's `CLOSE` (the seed's wire format).
    let expected: Vec<String> = (1..=STEPS)
        .map(|seq| seq.to_string())
        .chain(["CLOSE".to_owned()])
        .collect();
    assert_eq!(ids(&parse_frames(&text)), expected, "every event, in order");

    // A task with a pause between steps leaves the CPU free: its stream is live.
    let paced = create_task(&server, json!({"steps": 50, "interval_ms": 20})).await;
    let mut response = reqwest::get(server.url(paced["events_url"].as_str().unwrap()))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), until_first_event(&mut response))
        .await
        .expect("no event");
    let (_, task) = get_json(&server, paced["status_url"].as_str().unwrap()).await;
    assert_eq!(
        task["state"], "running",
        "the paced task's first event came late: {task}"
    );
}
