//! Users' own jobs through the library, over real sockets: an app mounts
//! the task API under a base path of its own beside its own route, and
//! registers kinds; what a client sees of each is checked: lines in order,
//! the job's refusals, cancel reaching the job, failures and panics, resume
//! or start over after a restart.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use sse_task_server::{
    parse_params, Job, JobContext, JobError, JobPlan, OnRestart, TaskServer, TaskServerConfig,
};
use tokio::sync::oneshot;

/// `{"to": N}`: N steps "counted i", a log line before the last.
struct Count;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CountParams {
    to: u32,
}

impl Job for Count {
    fn plan(&self, params: &Value) -> Result<JobPlan, String> {
        let CountParams { to } = parse_params(params)?;
        if !(1..=100).contains(&to) {
            return Err(format!("to must be 1 to 100, got {to}"));
        }
        Ok(JobPlan { steps: to })
    }

    fn run(&self, context: &JobContext) -> Result<(), JobError> {
        let steps = context.steps();
        for step in context.resume_from() + 1..=steps {
            if step == steps {
                context.log("almost there")?;
            }
            context.step(step, format!("counted {step}"))?;
        }
        Ok(())
    }
}

/// Waits for cancel without reporting anything; says when it returned.
struct WaitForCancel(Arc<AtomicBool>);

impl Job for WaitForCancel {
    fn plan(&self, _: &Value) -> Result<JobPlan, String> {
        Ok(JobPlan { steps: 1 })
    }

    fn run(&self, context: &JobContext) -> Result<(), JobError> {
        let token = context.stop_token();
        while !token.is_cancelled() {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.0.store(true, Ordering::SeqCst);
        Err(JobError::Stopped)
    }
}

/// `{"how": "fail" | "panic"}`.
struct Breaks;

impl Job for Breaks {
    fn plan(&self, _: &Value) -> Result<JobPlan, String> {
        Ok(JobPlan { steps: 2 })
    }

    fn run(&self, context: &JobContext) -> Result<(), JobError> {
        context.step(1, "one")?;
        match context.params()["how"].as_str() {
            Some("fail") => Err(JobError::Failed("the disk is full".into())),
            _ => panic!("boom"),
        }
    }
}

/// Ten slow steps; records each run's `resume_from`.
struct Slow {
    on_restart: OnRestart,
    starts: Arc<Mutex<Vec<u32>>>,
}

impl Job for Slow {
    fn plan(&self, _: &Value) -> Result<JobPlan, String> {
        Ok(JobPlan { steps: 10 })
    }

    fn run(&self, context: &JobContext) -> Result<(), JobError> {
        self.starts.lock().unwrap().push(context.resume_from());
        for step in context.resume_from() + 1..=10 {
            context.step(step, format!("slow {step}"))?;
            context.sleep(Duration::from_millis(40))?;
        }
        Ok(())
    }

    fn on_restart(&self) -> OnRestart {
        self.on_restart
    }
}

struct App {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

impl App {
    /// The task API under `/jobs` beside the app's own `/`, with `server`'s kinds.
    async fn start(server: TaskServer) -> Self {
        let app = axum::Router::new()
            .route("/", axum::routing::get(|| async { "the app's own page" }))
            .merge(server.router());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            server.serve(listener, app, shutdown).await.unwrap();
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
        self.done.await.unwrap();
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// The `(id, event, message)` of every frame of `path`'s stream, to its end.
    async fn frames(
        &self,
        path: &str,
        last_event_id: Option<&str>,
    ) -> Vec<(String, String, String)> {
        let mut request = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        let mut text = String::new();
        let mut chunks = response.bytes_stream();
        let read = async {
            while let Some(chunk) = chunks.next().await {
                text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
            }
        };
        tokio::time::timeout(Duration::from_secs(20), read)
            .await
            .expect("the stream did not end");
        text.split("\n\n")
            .filter(|block| block.contains("data:"))
            .map(|block| {
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
                        .unwrap_or_default()
                        .to_owned()
                };
                let data: Value = serde_json::from_str(&field("data")).unwrap();
                let event = Some(field("event")).filter(|e| !e.is_empty());
                (
                    field("id"),
                    event.unwrap_or_else(|| "message".into()),
                    data["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

fn config() -> TaskServerConfig {
    TaskServerConfig {
        base_path: "/jobs".into(),
        workers: 1,
        ..TaskServerConfig::default()
    }
}

#[tokio::test]
async fn an_apps_own_job_is_listed_streams_its_lines_in_order_and_its_refusals_are_422s() {
    let server = TaskServer::builder(config())
        .job("count", Count)
        .build()
        .await
        .unwrap();
    let app = App::start(server).await;
    let own = reqwest::get(&app.base).await.unwrap().text().await.unwrap();
    assert_eq!(own, "the app's own page");

    let (status, refused) = app
        .post("/jobs/tasks", json!({"kind": "count", "to": 0}))
        .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (422, Some("to must be 1 to 100, got 0"))
    );
    let (status, refused) = app.post("/jobs/tasks", json!({"kind": "count"})).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (422, Some("to is required"))
    );
    let (status, refused) = app.post("/jobs/tasks", json!({"kind": "nope"})).await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["error"],
        "no job of kind \"nope\"; this server runs: count"
    );
    // The built-in demo job is off unless the app turns it on.
    let (status, refused) = app.post("/jobs/tasks", json!({"steps": 3})).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (
            422,
            Some("say which kind of job the task runs (\"kind\"); this server runs: count")
        )
    );
    let run = reqwest::get(format!("{}/jobs/run?steps=1", app.base))
        .await
        .unwrap();
    assert_eq!(run.status(), 404);
    // A form can offer the kinds the server runs.
    let kinds: serde_json::Value = reqwest::get(format!("{}/jobs/kinds", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(kinds, json!({"kinds": ["count"]}));

    let (status, task) = app
        .post(
            "/jobs/tasks",
            json!({"kind": "count", "to": 3, "label": "c"}),
        )
        .await;
    assert_eq!(status, 201);
    let events = task["events_url"].as_str().unwrap();
    assert!(events.starts_with("/jobs/tasks/"), "{events}");
    let frames = app.frames(events, None).await;
    let seen: Vec<(&str, &str)> = frames
        .iter()
        .map(|(id, _, message)| (id.as_str(), message.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("1", "c: counted 1"),
            ("2", "c: counted 2"),
            ("3", "c: almost there"),
            ("4", "c: counted 3"),
            ("CLOSE", "Process complete"),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn cancel_reaches_the_job_and_a_failure_or_a_panic_ends_the_task_failed_with_its_reason() {
    let returned = Arc::new(AtomicBool::new(false));
    let server = TaskServer::builder(config())
        .job("wait", WaitForCancel(Arc::clone(&returned)))
        .job("breaks", Breaks)
        .build()
        .await
        .unwrap();
    let app = App::start(server).await;

    let (_, task) = app.post("/jobs/tasks", json!({"kind": "wait"})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, cancelled) = app
        .post(task["cancel_url"].as_str().unwrap(), json!({}))
        .await;
    assert_eq!(
        (status, cancelled["state"].as_str()),
        (200, Some("cancelled"))
    );
    tokio::time::timeout(Duration::from_secs(2), async {
        while !returned.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the job did not see the cancel");

    for (how, reason) in [
        ("fail", "the disk is full"),
        ("panic", "the breaks job panicked: boom"),
    ] {
        let (_, task) = app
            .post("/jobs/tasks", json!({"kind": "breaks", "how": how}))
            .await;
        let frames = app.frames(task["events_url"].as_str().unwrap(), None).await;
        let last = frames.last().unwrap();
        assert_eq!(
            (last.1.as_str(), last.2.as_str()),
            ("failed", reason),
            "{how}"
        );
        assert_eq!(
            frames.len(),
            2,
            "{how}: one step, then the failure: {frames:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn after_a_restart_a_resumable_kind_goes_on_and_another_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let starts = Arc::new(Mutex::new(Vec::new()));
    let build = |db: std::path::PathBuf| {
        let starts = Arc::clone(&starts);
        async move {
            TaskServer::builder(TaskServerConfig {
                db_path: Some(db),
                ..config()
            })
            .job(
                "resumes",
                Slow {
                    on_restart: OnRestart::Resume,
                    starts: Arc::clone(&starts),
                },
            )
            .job(
                "starts-over",
                Slow {
                    on_restart: OnRestart::StartOver,
                    starts: Arc::clone(&starts),
                },
            )
            .build()
            .await
            .unwrap()
        }
    };
    for (kind, starts_over) in [("resumes", false), ("starts-over", true)] {
        starts.lock().unwrap().clear();
        let db = dir.path().join(format!("{kind}.db"));
        let app = App::start(build(db.clone()).await).await;
        let (_, task) = app.post("/jobs/tasks", json!({"kind": kind})).await;
        let status_url = task["status_url"].as_str().unwrap().to_owned();
        loop {
            let snapshot: Value = reqwest::get(format!("{}{status_url}", app.base))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if snapshot["step"].as_u64().unwrap() >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // A graceful stop: the job stops between two steps, the task stays unfinished.
        app.stop().await;

        let app = App::start(build(db).await).await;
        let frames = app.frames(task["events_url"].as_str().unwrap(), None).await;
        let ids: Vec<&str> = frames.iter().map(|(id, _, _)| id.as_str()).collect();
        let mut expected: Vec<String> = (1..frames.len()).map(|seq| seq.to_string()).collect();
        expected.push("CLOSE".into());
        assert_eq!(ids, expected, "{kind}: every event once, in order");
        let slow: Vec<String> = frames
            .iter()
            .map(|(_, _, message)| message.clone())
            .filter(|message| message.starts_with("slow"))
            .collect();
        let first_run = if starts_over {
            slow.len() - 10
        } else {
            starts.lock().unwrap()[1] as usize
        };
        assert!(
            first_run >= 3,
            "{kind}: the first run stored {first_run} steps"
        );
        let second_run_from = if starts_over { 0 } else { first_run };
        assert_eq!(
            *starts.lock().unwrap(),
            [0, second_run_from as u32],
            "{kind}"
        );
        let expected: Vec<String> = (1..=first_run)
            .chain(second_run_from + 1..=10)
            .map(|step| format!("slow {step}"))
            .collect();
        assert_eq!(slow, expected, "{kind}");
        app.stop().await;
    }
}
