//! Every task belongs to someone, on SQLite and on a real `redis-server`,
//! through a server that identifies its callers (here by an `x-user`
//! header, as an app's own middleware would leave a session's user): a
//! user lists, reads, streams, follows in the feed and cancels only their
//! own tasks; any other answers 404 exactly as a task that does not exist
//! and never shows its label; an operator reaches every task; a request the
//! app cannot identify gets the app's own 401; a user at the limit of
//! active tasks gets a 429 naming it while another user goes on (across
//! two nodes on Redis, whose feed stays one reader per node); a task
//! resumed after a restart or by another node stays its owner's.

mod common;

use std::time::{Duration, Instant};

use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use common::stores::{on_both_stores, Store};
use common::{configured, parse_frames, TestServer};
use futures_util::StreamExt;
use serde_json::{json, Value};
use sse_task_server::http::{Caller, Refusal};
use sse_task_server::{TaskServer, TaskServerConfig};

/// Who a request is: `x-user: root` is an operator, any other name a user,
/// none the app's own 401.
fn who(parts: &Parts) -> Result<Caller, Refusal> {
    match parts.headers.get("x-user").and_then(|v| v.to_str().ok()) {
        Some("root") => Ok(Caller::operator("root")),
        Some(name) if !name.is_empty() => Ok(Caller::user(name)),
        _ => Err((StatusCode::UNAUTHORIZED, Json(json!({"error": "sign in"}))).into()),
    }
}

/// A server on `store` with `config`, identifying its callers with [`who`].
async fn serve(store: &Store, config: TaskServerConfig) -> TestServer {
    let server = TaskServer::builder(store.config(config))
        .identify(who)
        .build()
        .await
        .unwrap();
    TestServer::serve(server).await
}

/// Calls `server` as `user`.
struct As<'a> {
    server: &'a TestServer,
    user: &'a str,
}

impl As<'_> {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, self.server.url(path))
            .header("x-user", self.user)
    }

    /// The status and JSON body of `method path`.
    async fn call(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        let response = self.request(method, path).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Creates a long task labelled `label`; its id.
    async fn create(&self, label: &str) -> Result<String, (u16, Value)> {
        let body = json!({"steps": 1000, "interval_ms": 50, "label": label});
        let response = self
            .request(reqwest::Method::POST, "/api/tasks")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        match status {
            201 => Ok(answer["id"].as_str().unwrap().to_owned()),
            _ => Err((status, answer)),
        }
    }

    /// The ids and labels of the tasks the list shows.
    async fn list(&self) -> Vec<(String, Value)> {
        let (status, tasks) = self.call(reqwest::Method::GET, "/api/tasks").await;
        assert_eq!(status, 200, "{tasks}");
        let mut seen: Vec<(String, Value)> = tasks
            .as_array()
            .unwrap()
            .iter()
            .map(|task| {
                (
                    task["id"].as_str().unwrap().to_owned(),
                    task["label"].clone(),
                )
            })
            .collect();
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        seen
    }

    /// The ids of the tasks the feed mentions while it is read for `time`.
    async fn feed(&self, time: Duration) -> Vec<String> {
        let response = self
            .request(reqwest::Method::GET, "/api/tasks/events")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut body = String::new();
        let mut chunks = response.bytes_stream();
        let until = Instant::now() + time;
        while let Ok(Some(chunk)) = tokio::time::timeout_at(until.into(), chunks.next()).await {
            body.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
        let mut tasks: Vec<String> = parse_frames(&body)
            .iter()
            .filter_map(|frame| serde_json::from_str::<Value>(frame.data.as_deref()?).ok())
            .filter_map(|data| Some(data["task"].as_str()?.to_owned()))
            .collect();
        tasks.sort();
        tasks.dedup();
        tasks
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_reaches_only_their_own_tasks_and_an_operator_every_one() {
    on_both_stores(|store| async move {
        let app = serve(&store, configured(|_| {})).await;
        let (alice, bob) = (
            As {
                server: &app,
                user: "alice",
            },
            As {
                server: &app,
                user: "bob",
            },
        );
        let root = As {
            server: &app,
            user: "root",
        };
        let mine = alice.create("alice-report").await.unwrap();
        let theirs = bob.create("bob-secret-payroll").await.unwrap();
        let name = store.name();

        assert_eq!(
            alice.list().await,
            [(mine.clone(), json!("alice-report"))],
            "{name}"
        );
        assert_eq!(
            bob.list().await,
            [(theirs.clone(), json!("bob-secret-payroll"))]
        );
        let every: Vec<String> = root.list().await.into_iter().map(|(id, _)| id).collect();
        assert_eq!(every, sorted(vec![mine.clone(), theirs.clone()]), "{name}");

        // Bob's task answers Alice exactly as one that does not exist.
        let unknown = "0b9d7c56-0000-4000-8000-000000000000";
        for id in [theirs.as_str(), unknown] {
            let calls = [
                (reqwest::Method::GET, format!("/api/tasks/{id}")),
                (reqwest::Method::GET, format!("/api/tasks/{id}/events")),
                (reqwest::Method::POST, format!("/api/tasks/{id}/cancel")),
                (reqwest::Method::GET, format!("/api/tasks?before={id}")),
            ];
            for (method, path) in calls {
                let answer = alice.call(method, &path).await;
                let expected = json!({"error": format!("no task with id {id}")});
                assert_eq!(answer, (404, expected), "{name}: {path}");
            }
        }
        let (_, task) = bob
            .call(reqwest::Method::GET, &format!("/api/tasks/{theirs}"))
            .await;
        assert_eq!(
            task["state"], "running",
            "{name}: Alice's cancel did nothing"
        );

        // The feed: each user's holds only their tasks, the operator's all.
        let feeds = async {
            tokio::join!(
                alice.feed(Duration::from_millis(1500)),
                bob.feed(Duration::from_millis(1500)),
                root.feed(Duration::from_millis(1500)),
            )
        };
        let later = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if let Store::Redis(redis) = &store {
                let clients = redis.query(&["CLIENT", "LIST"]);
                let readers = clients
                    .lines()
                    .filter(|c| c.contains(" cmd=xread "))
                    .count();
                assert_eq!(readers, 1, "one reader for every feed of the node");
            }
            (
                alice.create("alice-again").await.unwrap(),
                bob.create("bob-again").await.unwrap(),
            )
        };
        let ((alices, bobs, roots), (mine_too, theirs_too)) = tokio::join!(feeds, later);
        assert_eq!(
            alices,
            sorted(vec![mine.clone(), mine_too.clone()]),
            "{name}"
        );
        assert_eq!(
            bobs,
            sorted(vec![theirs.clone(), theirs_too.clone()]),
            "{name}"
        );
        let all = sorted(vec![mine, theirs.clone(), mine_too, theirs_too]);
        assert_eq!(roots, all, "{name}");

        // Unidentified: the app's own answer. The operator may cancel any task.
        let anonymous = reqwest::get(app.url("/api/tasks")).await.unwrap();
        assert_eq!(anonymous.status(), 401);
        assert_eq!(
            anonymous.json::<Value>().await.unwrap(),
            json!({"error": "sign in"})
        );
        let (status, _) = root
            .call(
                reqwest::Method::POST,
                &format!("/api/tasks/{theirs}/cancel"),
            )
            .await;
        assert_eq!(status, 200, "{name}");
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_at_the_limit_of_active_tasks_waits_while_others_go_on() {
    on_both_stores(|store| async move {
        let config = configured(|tasks| tasks.max_active_per_user = 2);
        let first = serve(&store, config.clone()).await;
        // On Redis a second node counts the same tasks.
        let second = match store {
            Store::Sqlite => None,
            Store::Redis(_) => Some(serve(&store, config).await),
        };
        let other = second.as_ref().unwrap_or(&first);
        let alice = As {
            server: &first,
            user: "alice",
        };
        let alice_elsewhere = As {
            server: other,
            user: "alice",
        };
        let bob = As {
            server: other,
            user: "bob",
        };
        let name = store.name();

        let running = alice.create("one").await.unwrap();
        alice.create("two").await.unwrap();
        let (status, refused) = alice_elsewhere.create("three").await.unwrap_err();
        assert_eq!(status, 429, "{name}");
        let reason = refused["error"].as_str().unwrap();
        assert!(
            reason.contains("you have 2 active tasks"),
            "{name}: {reason}"
        );
        bob.create("bob's").await.expect("another user goes on");

        let cancel = format!("/api/tasks/{running}/cancel");
        assert_eq!(alice.call(reqwest::Method::POST, &cancel).await.0, 200);
        alice_elsewhere.create("three").await.expect("room again");
        if let Some(second) = second {
            second.stop().await;
        }
        first.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_resumed_by_a_restart_or_another_node_stays_its_owners() {
    on_both_stores(|store| async move {
        let folder = tempfile::tempdir().unwrap();
        let config = configured(|tasks| tasks.db_path = Some(folder.path().join("tasks.db")));
        let first = serve(&store, config.clone()).await;
        let alice = As {
            server: &first,
            user: "alice",
        };
        let body = json!({"steps": 30, "interval_ms": 40});
        let response = alice
            .request(reqwest::Method::POST, "/api/tasks")
            .json(&body)
            .send()
            .await
            .unwrap();
        let id = response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/tasks/{id}");
        for _ in 0..250 {
            let (_, task) = alice.call(reqwest::Method::GET, &path).await;
            if task["step"].as_u64() >= Some(3) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        first.stop().await;
        // The same file after a restart, or another node on the same Redis.
        let second = serve(&store, config).await;
        let (alice, bob) = (
            As {
                server: &second,
                user: "alice",
            },
            As {
                server: &second,
                user: "bob",
            },
        );
        let mut state = Value::Null;
        for _ in 0..250 {
            state = alice.call(reqwest::Method::GET, &path).await.1["state"].clone();
            if state == "completed" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(state, "completed", "{}", store.name());
        assert_eq!(
            bob.call(reqwest::Method::GET, &path).await.0,
            404,
            "{}",
            store.name()
        );
        assert_eq!(bob.list().await, [], "{}", store.name());
        second.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_owners_is_upgraded_in_place_and_its_tasks_resume() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    {
        // The schema of the version before owners, with a task that was
        // running when that server stopped (3 of 4 steps done).
        let old = sse_task_server::rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(
            "CREATE TABLE tasks (id TEXT PRIMARY KEY, label TEXT, steps INTEGER NOT NULL,
                 kind TEXT NOT NULL DEFAULT 'steps', params TEXT NOT NULL DEFAULT '{}',
                 state TEXT NOT NULL, step INTEGER NOT NULL DEFAULT 0,
                 last_seq INTEGER NOT NULL DEFAULT 0, message TEXT, created_at TEXT NOT NULL,
                 started_at TEXT, finished_at TEXT);
             CREATE TABLE events (task_id TEXT NOT NULL, seq INTEGER NOT NULL,
                 wire_id TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL,
                 PRIMARY KEY (task_id, seq)) WITHOUT ROWID;
             CREATE TABLE feed (gseq INTEGER PRIMARY KEY AUTOINCREMENT,
                 task_id TEXT NOT NULL, data TEXT NOT NULL);
             INSERT INTO tasks VALUES ('old-task', NULL, 4, 'steps',
                 '{\"steps\":4,\"interval_ms\":0}', 'running', 3, 3, NULL,
                 '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:01.000Z', NULL);
             INSERT INTO events VALUES
                 ('old-task', 1, '1', 'message', '{\"message\":\"step 1\",\"progress\":25}'),
                 ('old-task', 2, '2', 'message', '{\"message\":\"step 2\",\"progress\":50}'),
                 ('old-task', 3, '3', 'message', '{\"message\":\"step 3\",\"progress\":75}');",
        )
        .unwrap();
    }
    let config = configured(|tasks| tasks.db_path = Some(path.clone()));
    let app = serve(&Store::Sqlite, config).await;
    let root = As {
        server: &app,
        user: "root",
    };
    let alice = As {
        server: &app,
        user: "alice",
    };
    for _ in 0..250 {
        let (_, task) = root.call(reqwest::Method::GET, "/api/tasks/old-task").await;
        if task["state"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, task) = root.call(reqwest::Method::GET, "/api/tasks/old-task").await;
    assert_eq!(
        (&task["state"], &task["step"]),
        (&json!("completed"), &json!(4))
    );
    // It belongs to nobody in particular: an operator sees it, a user not.
    assert_eq!(alice.list().await, []);
    assert_eq!(alice.create("new").await.map(|_| ()), Ok(()));
    app.stop().await;
}
