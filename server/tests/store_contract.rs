//! The store contract: the same cases, through the task API of a server in
//! this process, on SQLite and on a real `redis-server`: every event once
//! from any resume point, cancel, retention and its 410, the paged list,
//! and a restart (a new process on the same SQLite file, another node on
//! the same Redis) that resumes an unfinished task without losing or
//! doubling a step.

mod common;

use std::time::Duration;

use common::redis::Redis;
use serde_json::{json, Value};
use sse_task_server::{RedisConfig, Retention, TaskServer, TaskServerConfig};
use tokio::sync::oneshot;

/// Which store a case runs on.
enum Store {
    Sqlite,
    Redis(Redis),
}

impl Store {
    fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Redis(_) => "redis",
        }
    }

    /// `config` on this store.
    fn config(&self, mut config: TaskServerConfig) -> TaskServerConfig {
        if let Self::Redis(redis) = self {
            let mut redis_config = RedisConfig::new(redis.url());
            redis_config.lease = Duration::from_millis(900);
            config.redis = Some(redis_config);
        }
        config
    }
}

/// Runs `case` on SQLite, then on a fresh `redis-server`.
async fn on_both_stores<F, Fut>(case: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    case(Store::Sqlite).await;
    case(Store::Redis(Redis::start())).await;
}

/// A task server serving its router on a loopback port.
struct App {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

impl App {
    async fn start(config: TaskServerConfig) -> Self {
        let server = TaskServer::builder(config).build().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            let router = server.router();
            let shutdown = async move {
                let _ = stopped.await;
            };
            server.serve(listener, router, shutdown).await.unwrap();
        });
        Self {
            base,
            stop: Some(stop),
            done,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.done).await;
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn create(&self, body: Value) -> String {
        let response = reqwest::Client::new()
            .post(self.url("/api/tasks"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        created["id"].as_str().unwrap().to_owned()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = reqwest::get(self.url(path)).await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Polls task `id` until `done` holds for it (at most 20 s).
    async fn wait_for(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..1000 {
            let (_, task) = self.get(&format!("/api/tasks/{id}")).await;
            if done(&task) {
                return task;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("task {id} never got there");
    }

    /// The frames of task `id`'s stream after `last_event_id` (`None`: from
    /// the start) until the server ends it: `(id, event, data)`, and the status.
    async fn events(&self, id: &str, last_event_id: Option<&str>) -> (u16, Vec<Frame>) {
        let mut request = reqwest::Client::new().get(self.url(&format!("/api/tasks/{id}/events")));
        if let Some(last) = last_event_id {
            request = request.header("Last-Event-ID", last);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = tokio::time::timeout(Duration::from_secs(20), response.text())
            .await
            .expect("the stream ended")
            .unwrap();
        (status, frames(&body))
    }
}

/// One SSE frame with data: its id, its event name and its data.
#[derive(Debug, Clone, PartialEq)]
struct Frame {
    id: Option<String>,
    event: String,
    data: Value,
}

fn frames(body: &str) -> Vec<Frame> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut frame = Frame {
                id: None,
                event: "message".into(),
                data: Value::Null,
            };
            for line in block.lines() {
                if let Some(id) = line.strip_prefix("id: ") {
                    frame.id = Some(id.to_owned());
                } else if let Some(event) = line.strip_prefix("event: ") {
                    frame.event = event.to_owned();
                } else if let Some(data) = line.strip_prefix("data: ") {
                    frame.data = serde_json::from_str(data).unwrap();
                }
            }
            (!frame.data.is_null()).then_some(frame)
        })
        .collect()
}

fn ids(frames: &[Frame]) -> Vec<String> {
    frames.iter().filter_map(|frame| frame.id.clone()).collect()
}

fn expected_ids(steps: u32) -> Vec<String> {
    (1..=steps)
        .map(|seq| seq.to_string())
        .chain(["CLOSE".to_owned()])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_once_from_any_resume_point() {
    on_both_stores(|store| async move {
        let app = App::start(store.config(TaskServerConfig::default())).await;
        let id = app.create(json!({ "steps": 6, "interval_ms": 0 })).await;
        app.wait_for(&id, |task| task["state"] == "completed").await;
        let (status, all) = app.events(&id, None).await;
        assert_eq!(status, 200, "{}", store.name());
        assert_eq!(ids(&all), expected_ids(6), "{}", store.name());
        assert_eq!(all[5].data["progress"], 100.0, "{}", store.name());
        for after in 1..=5 {
            let (_, rest) = app.events(&id, Some(&after.to_string())).await;
            assert_eq!(
                ids(&rest),
                expected_ids(6)[after..],
                "{}: resumed after {after}",
                store.name()
            );
        }
        let (status, _) = app.events(&id, Some("CLOSE")).await;
        assert_eq!(status, 204, "{}: a client that has the end", store.name());
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_a_running_task_once() {
    on_both_stores(|store| async move {
        let app = App::start(store.config(TaskServerConfig::default())).await;
        let id = app.create(json!({ "steps": 200, "interval_ms": 20 })).await;
        app.wait_for(&id, |task| task["step"].as_u64() >= Some(2))
            .await;
        let cancel = |app: &App| {
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
        let (_, all) = app.events(&id, None).await;
        let last = all.last().unwrap();
        assert_eq!(last.event, "cancelled", "{}: {all:?}", store.name());
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
        let app = App::start(store.config(config)).await;
        let old = app.create(json!({ "steps": 1, "interval_ms": 0 })).await;
        app.wait_for(&old, |task| task["state"] == "completed")
            .await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        let new = app.create(json!({ "steps": 1, "interval_ms": 0 })).await;
        let mut status = 0;
        for _ in 0..200 {
            status = app.get(&format!("/api/tasks/{old}")).await.0;
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
        let (events_status, _) = app.events(&old, None).await;
        assert_eq!(events_status, 410, "{}", store.name());
        let (_, list) = app.get("/api/tasks").await;
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
        let app = App::start(store.config(TaskServerConfig::default())).await;
        let mut created = Vec::new();
        for _ in 0..3 {
            created.push(app.create(json!({ "steps": 1, "interval_ms": 0 })).await);
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
        let (_, rest) = app.get(&next).await;
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
        let first = App::start(config.clone()).await;
        let id = first
            .create(json!({ "steps": 30, "interval_ms": 40 }))
            .await;
        first
            .wait_for(&id, |task| task["step"].as_u64() >= Some(3))
            .await;
        first.stop().await;
        let second = App::start(config).await;
        let task = second
            .wait_for(&id, |task| task["state"] == "completed")
            .await;
        assert_eq!(task["step"], 30, "{}", store.name());
        let (_, all) = second.events(&id, None).await;
        assert_eq!(ids(&all), expected_ids(30), "{}", store.name());
        second.stop().await;
    })
    .await;
}
