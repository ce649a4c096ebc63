//! A server killed with SIGKILL and restarted on the same database file still
//! serves every stored event, and resumes the task that was running.

mod common;

use std::time::Duration;

use common::{
    get_json_at, ids, parse_frames, post_task, read_body, read_frames_with_id, spawn_server,
};
use serde_json::json;

#[tokio::test]
async fn sigkill_then_restart_serves_every_event_once_and_resumes_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let (mut first, base) = spawn_server(&["--db".as_ref(), db.as_os_str()]);
    let client = reqwest::Client::new();
    let task = post_task(&base, json!({"steps": 12, "interval_ms": 100})).await;
    let events = task["events_url"].as_str().unwrap().to_owned();
    let seen = read_frames_with_id(
        client.get(format!("{base}{events}")).send().await.unwrap(),
        4,
    )
    .await;
    let seen = ids(&seen);
    first.kill().unwrap(); // SIGKILL: no cleanup at all.
    first.wait().unwrap();

    let (mut second, base) = spawn_server(&["--db".as_ref(), db.as_os_str()]);
    // Resume where the browser was: no event lost, none twice.
    let rest = client
        .get(format!("{base}{events}"))
        .header("Last-Event-ID", seen.last().unwrap().as_str())
        .send()
        .await
        .unwrap();
    let rest = ids(&parse_frames(
        &read_body(rest, Duration::from_secs(20)).await,
    ));
    let mut all = seen.clone();
    all.extend(rest);
    let mut expected: Vec<String> = (1..=12).map(|i| i.to_string()).collect();
    expected.push("CLOSE".into());
    assert_eq!(all, expected);
    let (status, snapshot) = get_json_at(
        &base,
        &format!("/api/tasks/{}", task["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(snapshot["state"], "completed");
    second.kill().unwrap();
    second.wait().unwrap();
}
