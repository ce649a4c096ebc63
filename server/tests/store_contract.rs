//! The store contract: the same cases, through the task API of a server in
//! this process, on SQLite and on a real `redis-server`: every event once
//! from any resume point, cancel, retention and its 410, the paged list,
//! a store that refuses writes (full) ending a running task `failed` once,
//! and a restart (a new process on the same SQLite file, another node on
//! the same Redis) that resumes an unfinished task without losing or
//! doubling a step.

mod common;

use std::time::Duration;

use common::stores::{config_set, on_both_stores, Store};
use common::{
    create_task, expected_ids, get_json, ids, parse_frames, read_body, Frame, TestServer,
};
use serde_json::{json, Value};
use sse_task_server::{Retention, TaskServerConfig};

/// `POST /api/tasks` with `body`; the new task's id.
async fn create(server: &TestServer, body: Value) -> String {
    let task = create_task(server, body).await;
    task["id"].as_str().unwrap().to_owned()
}

/// Polls task `id` until `done` holds for it (at most 20 s).
async fn wait_for(server: &TestServer, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..1000 {
        let (_, task) = get_json(server, &format!("/api/tasks/{id}")).await;
        if done(&task) {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("task {id} never got there");
}

/// The status and the frames of task `id`'s stream after `last_event_id`
/// (`None`: from the start) until the server ends it.
async fn events(server: &TestServer, id: &str, last_event_id: Option<&str>) -> (u16, Vec<Frame>) {
    let mut request = reqwest::Client::new().get(server.url(&format!("/api/tasks/{id}/events")));
    if let Some(last) = last_event_id {
        request = request.header("Last-Event-ID", last);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = read_body(response, Duration::from_secs(20)).await;
    (status, parse_frames(&body))
}

fn data(frame: &Frame) -> Value {
    serde_json::from_str(frame.data.as_deref().unwrap_or("null")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_once_from_any_resume_point() {
    on_both_stores(|store| async move {
        let app = TestServer::start(store.config(TaskServerConfig::default())).await;
        let id = create(&app, json!({ "steps": 6, "interval_ms": 0 })).await;
        wait_for(&app, &id, |task| task["state"] == "completed").await;
        let (status, all) = events(&app, &id, None).await;
        assert_eq!(status, 200, "{}", store.name());
        assert_eq!(ids(&all), expected_ids(6), "{}", store.name());
        let sixth = all
            .iter()
            .find(|frame| frame.id.as_deref() == Some("6"))
            .unwrap();
        assert_eq!(data(sixth)["progress"], 100.0, "{}", store.name());
        for after in 1..=5 {
            let (_, rest) = events(&app, &id, Some(&after.to_string())).await;
            assert_eq!(
                ids(&rest),
                expected_ids(6)[after..],
                "{}: resumed after {after}",
                store.name()
            );
        }
        let (status, _) = events(&app, &id, Some("CLOSE")).await;
        assert_eq!(status, 204, "{}: a client that has the end", store.name());
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_a_running_task_once() {
    on_both_stores(|store| async move {
        let app = TestServer::start(store.config(TaskServerConfig::default())).await;
        let id = create(&app, json!({ "steps": 200, "interval_ms": 20 })).await;
        wait_for(&app, &id, |task| task["step"].as_u64() >= Some(2)).await;
        let cancel = |app: &TestServer| {
            reqwest::Client::new()
                .post(app.url(&format!("/api/tasks/{id}/cancel")))
                .send()
        };
        let first = cancel(&app).await.unwrap();
        assert_eq!(first.status(), 200, "{}", store.name());
        let snapshot: Value = first.json().await.unwrap();
        assert_eq!(snapshot["state"], "cancelled", "{}", store.name());
        assert_eq!(
            cancel(&app).await.unwrap().status(),
            409,
            "{}",
            store.name()
        );
        let (_, all) = events(&app, &id, None).await;
        let last = all.last().unwrap();
        assert_eq!(
            last.event.as_deref(),
            Some("cancelled"),
            "{}: {all:?}",
            store.name()
        );
        let seqs: Vec<u64> = ids(&all).iter().map(|id| id.parse().unwrap()).collect();
        let once: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, once, "{}: every event once, in order", store.name());
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_removes_ended_tasks_and_says_so_with_410() {
    on_both_stores(|store| async move {
        let config = TaskServerConfig {
            retention: Retention {
                max_age: Duration::from_secs(3600),
                max_count: 1,
            },
            retention_sweep: Duration::from_millis(100),
            ..TaskServerConfig::default()
        };
        let app = TestServer::start(store.config(config)).await;
        let old = create(&app, json!({ "steps": 1, "interval_ms": 0 })).await;
        wait_for(&app, &old, |task| task["state"] == "completed").await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        let new = create(&app, json!({ "steps": 1, "interval_ms": 0 })).await;
        let mut status = 0;
        for _ in 0..200 {
            status = get_json(&app, &format!("/api/tasks/{old}")).await.0;
            if status == 410 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(
            status,
            410,
            "{}: the older ended task is gone",
            store.name()
        );
        let (events_status, _) = events(&app, &old, None).await;
        assert_eq!(events_status, 410, "{}", store.name());
        let (_, list) = get_json(&app, "/api/tasks").await;
        let listed: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|task| task["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, [new.as_str()], "{}", store.name());
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_comes_newest_first_in_pages() {
    on_both_stores(|store| async move {
        let app = TestServer::start(store.config(TaskServerConfig::default())).await;
        let mut created = Vec::new();
        for _ in 0..3 {
            created.push(create(&app, json!({ "steps": 1, "interval_ms": 0 })).await);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let first = reqwest::get(app.url("/api/tasks?limit=2")).await.unwrap();
        let link = first.headers()["link"].to_str().unwrap().to_owned();
        let page: Value = first.json().await.unwrap();
        let next = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_owned();
        let (_, rest) = get_json(&app, &next).await;
        let listed: Vec<String> = page
            .as_array()
            .unwrap()
            .iter()
            .chain(rest.as_array().unwrap())
            .map(|task| task["id"].as_str().unwrap().to_owned())
            .collect();
        created.reverse();
        assert_eq!(listed, created, "{}", store.name());
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_an_unfinished_task_without_a_gap_or_a_repeat() {
    on_both_stores(|store| async move {
        let folder = tempfile::tempdir().unwrap();
        let config = store.config(TaskServerConfig {
            db_path: Some(folder.path().join("tasks.db")),
            ..TaskServerConfig::default()
        });
        let first = TestServer::start(config.clone()).await;
        let id = create(&first, json!({ "steps": 30, "interval_ms": 40 })).await;
        wait_for(&first, &id, |task| task["step"].as_u64() >= Some(3)).await;
        first.stop().await;
        let second = TestServer::start(config).await;
        let task = wait_for(&second, &id, |task| task["state"] == "completed").await;
        assert_eq!(task["step"], 30, "{}", store.name());
        let (_, all) = events(&second, &id, None).await;
        assert_eq!(ids(&all), expected_ids(30), "{}", store.name());
        second.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_whose_progress_cannot_be_stored_ends_failed_once() {
    on_both_stores(|store| async move {
        let app = TestServer::start(store.config(TaskServerConfig::default())).await;
        let id = create(&app, json!({ "steps": 1000, "interval_ms": 20 })).await;
        wait_for(&app, &id, |task| task["step"].as_u64() >= Some(2)).await;
        store.refuse_writes(&app).await;
        let task = wait_for(&app, &id, |task| task["state"] != "running").await;
        assert_eq!(task["state"], "failed", "{}: {task}", store.name());
        let (status, frames) = events(&app, &id, None).await;
        assert_eq!(status, 200, "{}", store.name());
        let stored = ids(&frames);
        let in_order: Vec<String> = (1..=stored.len()).map(|seq| seq.to_string()).collect();
        assert_eq!(
            stored,
            in_order,
            "{}: every stored event once",
            store.name()
        );
        let failed: Vec<&Frame> = frames
            .iter()
            .filter(|frame| frame.event.as_deref() == Some("failed"))
            .collect();
        assert_eq!(failed.len(), 1, "{}: {frames:?}", store.name());
        assert!(
            std::ptr::eq(failed[0], frames.last().unwrap()) && failed[0].id.is_none(),
            "{}: the end comes last, with no id (it is not stored)",
            store.name()
        );
        let reason = data(failed[0])["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            reason.contains("could not be stored"),
            "{}: {reason}",
            store.name()
        );
        // A client that has every stored event gets the end again, once.
        let last = stored.last().cloned().unwrap_or_default();
        let (_, rest) = events(&app, &id, Some(&last)).await;
        let kinds: Vec<Option<&str>> = rest
            .iter()
            .filter(|frame| frame.data.is_some())
            .map(|frame| frame.event.as_deref())
            .collect();
        assert_eq!(kinds, [Some("failed")], "{}: {rest:?}", store.name());
        if let Store::Redis(redis) = &store {
            // The node kept the job's claim: once Redis takes writes again
            // the end is stored, with the next id, and the job never ran
            // again (on SQLite the end stays in memory until a restart).
            config_set(redis, &["maxmemory", "0"]).await;
            let shown = task["last_event_id"].as_u64().unwrap();
            let next = Some(shown + 1);
            let stored = wait_for(&app, &id, |now| now["last_event_id"].as_u64() == next).await;
            assert_eq!(
                (&stored["state"], &stored["step"]),
                (&task["state"], &task["step"])
            );
            let (_, stored_frames) = events(&app, &id, None).await;
            let in_order: Vec<String> = (1..=shown + 1).map(|seq| seq.to_string()).collect();
            assert_eq!(ids(&stored_frames), in_order);
            let last = stored_frames.last().unwrap();
            assert_eq!(last.event.as_deref(), Some("failed"));
            assert_eq!(data(last)["message"], data(failed[0])["message"]);
        }
        app.stop().await;
    })
    .await;
}
