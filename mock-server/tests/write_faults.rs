//! Database writes that fail, on the real binary with a file database: a
//! write lock held by another program, a full disk (a 2 MB tmpfs), and a
//! database file deleted under the server. Each ends the task `failed` once,
//! for the stream and the API, without an id that was never stored.

#![cfg(target_os = "linux")]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{get_json_at, ids, parse_frames, post_task, read_body, spawn_server, Frame};
use serde_json::json;

/// Opens the task's stream and reads its events (not the `retry:` frame) to its end.
async fn stream_to_end(base: &str, events_url: &str, last_event_id: Option<u64>) -> Vec<Frame> {
    let mut request = reqwest::Client::new().get(format!("{base}{events_url}"));
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let frames = parse_frames(&read_body(response, Duration::from_secs(30)).await);
    frames
        .into_iter()
        .filter(|frame| frame.data.is_some())
        .collect()
}

/// The stream ended with one `failed` event without an id, after ids 1..=n
/// in order; returns n.
fn assert_failed_without_new_id(frames: &[Frame]) -> u64 {
    let ids = ids(frames);
    let numbers: Vec<u64> = ids.iter().map(|id| id.parse().unwrap()).collect();
    assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>());
    let last = frames.last().unwrap();
    assert_eq!(last.event.as_deref(), Some("failed"), "{last:?}");
    assert_eq!(last.id, None, "the failure must not invent an id");
    numbers.len() as u64
}

async fn wait_for_state(base: &str, id: &str, state: &str) -> serde_json::Value {
    for _ in 0..200 {
        let (_, task) = get_json_at(base, &format!("/api/tasks/{id}")).await;
        if task["state"] == state {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {id} never became {state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_lock_held_by_another_program_fails_the_task_once_and_other_routes_stay_fast() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tasks.db");
    let (mut server, base) = spawn_server(&["--db".as_ref(), db.as_os_str()]);
    let task = post_task(&base, json!({"steps": 10_000, "interval_ms": 20})).await;
    let id = task["id"].as_str().unwrap().to_owned();
    let events_url = task["events_url"].as_str().unwrap().to_owned();
    wait_for_state(&base, &id, "running").await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let lock = rusqlite::Connection::open(&db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let (status, _) = get_json_at(&base, &format!("/api/tasks/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "a read waited for the lock: {:?}",
        started.elapsed()
    );

    let frames = stream_to_end(&base, &events_url, None).await;
    let last_stored = assert_failed_without_new_id(&frames);
    let task = wait_for_state(&base, &id, "failed").await;
    assert_eq!(task["last_event_id"], last_stored);
    let message = task["message"].as_str().unwrap();
    assert!(message.contains("could not be stored"), "{message}");
    assert!(message.contains("locked"), "{message}");
    lock.execute_batch("ROLLBACK").unwrap();

    // A client resuming from the last stored id learns why, and nothing else.
    let again = stream_to_end(&base, &events_url, Some(last_stored)).await;
    assert_eq!(again.len(), 1);
    assert_failed_without_new_id(&again);
    let cancel = reqwest::Client::new()
        .post(format!("{base}/api/tasks/{id}/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 409);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_database_file_ends_running_tasks_and_refuses_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tasks.db");
    let (mut server, base) = spawn_server(&["--db".as_ref(), db.as_os_str()]);
    let task = post_task(&base, json!({"steps": 10_000, "interval_ms": 20})).await;
    let id = task["id"].as_str().unwrap().to_owned();
    wait_for_state(&base, &id, "running").await;
    std::fs::remove_file(&db).unwrap();
    let task = wait_for_state(&base, &id, "failed").await;
    assert!(
        task["message"]
            .as_str()
            .unwrap()
            .contains("deleted or replaced"),
        "{task}"
    );
    let refused = reqwest::Client::new()
        .post(format!("{base}/api/tasks"))
        .json(&json!({"steps": 1, "interval_ms": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("deleted or replaced"));
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A 2 MB tmpfs, unmounted on drop.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
            .arg(dir.path())
            .status()
            .ok()?
            .success();
        mounted.then_some(Self(dir))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_the_task_once_and_again_after_a_restart() {
    let Some(disk) = SmallDisk::mount() else {
        eprintln!(
            "SKIPPED: cannot mount a tmpfs here (needs root); the other write faults still ran"
        );
        return;
    };
    let db = disk.path().join("tasks.db");
    let (mut server, base) = spawn_server(&["--db".as_ref(), db.as_os_str()]);
    let label = "x".repeat(200);
    let task = post_task(
        &base,
        json!({"steps": 100_000, "interval_ms": 0, "label": label}),
    )
    .await;
    let id = task["id"].as_str().unwrap().to_owned();
    let events_url = task["events_url"].as_str().unwrap().to_owned();
    let frames = stream_to_end(&base, &events_url, None).await;
    let last_stored = assert_failed_without_new_id(&frames);
    assert!(last_stored < 100_000);
    let task = wait_for_state(&base, &id, "failed").await;
    assert_eq!(task["last_event_id"], last_stored);
    assert!(task["message"].as_str().unwrap().contains("full"), "{task}");
    server.kill().unwrap();
    server.wait().unwrap();

    // The disk is still full: the resumed task fails the same way, once.
    let (mut server, base) = spawn_server(&["--db".as_ref(), db.as_os_str()]);
    let task = wait_for_state(&base, &id, "failed").await;
    assert!(task["message"].as_str().unwrap().contains("full"), "{task}");
    let stored = task["last_event_id"].as_u64().unwrap();
    let again = stream_to_end(&base, &events_url, Some(stored)).await;
    assert_eq!(again.len(), 1);
    assert_failed_without_new_id(&again);
    server.kill().unwrap();
    server.wait().unwrap();
}
