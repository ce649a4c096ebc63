//! `sse-task-dashboard-bench`: the demo's Tasks view with N tasks updating
//! at once (`scripts/bench.sh` runs it with 200). In headless Chromium it
//! records every animation frame's gap and the main thread's long tasks,
//! first on the demo's one-task view (not streaming) while N tasks run on
//! the server (the same-run baseline: the same load on the same two
//! cores), then on the Tasks view following N new tasks until all show
//! completed; prints a Markdown table and where the slow frames (if any)
//! spent their time. The server must run enough workers
//! for every task at once (`--workers`).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};
use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::PageError;

/// Dashboard benchmark.
#[derive(Debug, Parser)]
struct Args {
    /// Mock server serving the release `dist/`, with `--workers` >= `--tasks`.
    #[arg(long)]
    demo_url: String,
    /// Tasks running at once.
    #[arg(long, default_value_t = 200)]
    tasks: u32,
    /// Steps of each task.
    #[arg(long, default_value_t = 100)]
    steps: u32,
    /// Pause after each step, in ms (each task updates 1000 / this times a second).
    #[arg(long, default_value_t = 50)]
    interval_ms: u64,
    /// The chromedriver binary.
    #[arg(long, default_value = "/usr/bin/chromedriver")]
    chromedriver: std::path::PathBuf,
    /// The Chromium binary.
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: std::path::PathBuf,
}

/// Starts recording frame gaps and long tasks in the page.
const PROBE: &str = r#"
window.__frames = { gaps: [], longTasks: [], running: true, t0: performance.now() };
var last = performance.now();
function frame(now) {
  window.__frames.gaps.push(now - last);
  last = now;
  if (window.__frames.running) requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { window.__frames.longTasks.push(e.duration); (window.__frames.at = window.__frames.at || []).push(Math.round(e.startTime - window.__frames.t0)); });
}).observe({ type: 'longtask', buffered: false });
window.__frames.slowFrames = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) {
    if (e.duration <= 50) return;
    var script = e.scripts.reduce(function (sum, s) { return sum + s.duration; }, 0);
    window.__frames.slowFrames.push([Math.round(e.startTime - window.__frames.t0), Math.round(e.duration),
      Math.round(e.startTime + e.duration - e.styleAndLayoutStart), Math.round(script)]);
  });
}).observe({ type: 'long-animation-frame', buffered: false });
"#;

/// Stops recording and returns the record.
const READ: &str = "window.__frames.running = false; return window.__frames;";

/// How many of the tasks named in `arguments[0]` show completed.
const COMPLETED: &str = "return arguments[0].filter(function (id) {\
       var row = document.querySelector(\"[data-testid='task-row'][data-task-id='\" + id + \"']\");\
       return row && row.getAttribute('data-state') === 'completed';\
     }).length;";

/// Frame gaps and long tasks of one period.
struct Record {
    seconds: f64,
    frames: usize,
    max_gap_ms: f64,
    over_50: usize,
    long_tasks: usize,
    longest_task_ms: f64,
    /// When the long tasks started, ms after the probe started (JSON).
    long_task_starts: String,
    /// The animation frames over 50 ms, with where their time went.
    slow_frames: String,
}

impl Record {
    fn from(value: &Value, seconds: f64) -> Self {
        let numbers = |key: &str| -> Vec<f64> {
            value[key]
                .as_array()
                .map(|items| items.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default()
        };
        // The first gap spans the probe's start, not a frame.
        let gaps: Vec<f64> = numbers("gaps").into_iter().skip(1).collect();
        let long = numbers("longTasks");
        Self {
            seconds,
            frames: gaps.len(),
            max_gap_ms: gaps.iter().copied().fold(0.0, f64::max),
            over_50: gaps.iter().filter(|gap| **gap > 50.0).count(),
            long_tasks: long.len(),
            longest_task_ms: long.iter().copied().fold(0.0, f64::max),
            long_task_starts: String::new(),
            slow_frames: String::new(),
        }
    }

    fn row(&self, what: &str) -> String {
        format!(
            "| {what} | {:.1} | {} | {:.1} | {} | {} | {:.0} |",
            self.seconds,
            self.frames,
            self.max_gap_ms,
            self.over_50,
            self.long_tasks,
            self.longest_task_ms
        )
    }
}

/// The Long Animation Frames API's frames over 50 ms, as a sentence:
/// start, length, and how much of it was style and layout, and script.
fn slow_frames(frames: &Value) -> String {
    let frames: Vec<String> = frames
        .as_array()
        .map(|frames| {
            frames
                .iter()
                .map(|f| {
                    format!(
                        "at {} ms, {} ms long ({} ms style and layout, {} ms script)",
                        f[0], f[1], f[2], f[3]
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if frames.is_empty() {
        "none".to_owned()
    } else {
        frames.join("; ")
    }
}

/// Creates `args.tasks` tasks at once; returns their ids.
async fn create_tasks(args: &Args, base: &str) -> Result<Vec<Value>, PageError> {
    let http = reqwest::Client::new();
    let creations = (0..args.tasks).map(|i| {
        http.post(format!("{base}/api/tasks"))
            .json(&json!({
                "steps": args.steps,
                "interval_ms": args.interval_ms,
                "label": format!("task {i}"),
            }))
            .send()
    });
    let mut ids = Vec::new();
    for created in futures_util::future::join_all(creations).await {
        let created = created?;
        let status = created.status();
        if !status.is_success() {
            return Err(PageError::Unexpected(format!("creating a task: {status}")));
        }
        let task: Value = created.json().await?;
        ids.push(task["id"].clone());
    }
    Ok(ids)
}

/// Waits until `done()` says every task is completed, within the run's bound.
async fn wait_done<F, Fut>(args: &Args, started: Instant, done: F) -> Result<(), PageError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<u64, PageError>>,
{
    let limit = Duration::from_millis(args.steps as u64 * args.interval_ms * 4 + 30_000);
    loop {
        let completed = done().await?;
        if completed >= args.tasks as u64 {
            return Ok(());
        }
        if started.elapsed() > limit {
            return Err(PageError::Unexpected(format!(
                "only {completed} of {} tasks completed in {limit:?}",
                args.tasks
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The baseline, then the Tasks view, each while the same load runs on the
/// server (the machine's two cores are shared by the server's job threads,
/// the browser and this program).
async fn measure(args: &Args, driver: &Driver) -> Result<(Record, Record), PageError> {
    let base = args.demo_url.trim_end_matches('/');
    let client = &driver.client;

    // Baseline: the demo's one-task view (connected to nothing) while the
    // server runs the tasks; done when the server says they completed.
    client.goto(&format!("{base}/")).await?;
    client.execute(PROBE, vec![]).await?;
    let started = Instant::now();
    let ids = create_tasks(args, base).await?;
    wait_done(args, started, || async {
        let mut completed = 0;
        for id in &ids {
            let id = id.as_str().unwrap_or_default();
            let task: Value = reqwest::get(format!("{base}/api/tasks/{id}"))
                .await?
                .json()
                .await?;
            completed += u64::from(task["state"] == "completed");
        }
        Ok(completed)
    })
    .await?;
    let idle = Record::from(
        &client.execute(READ, vec![]).await?,
        started.elapsed().as_secs_f64(),
    );

    // The Tasks view following the same load.
    client.goto(&format!("{base}/?view=tasks")).await?;
    sse_task_e2e::page::poll_until(
        "the Tasks view to be live",
        || async {
            let state = client
                .execute(
                    "var c = document.querySelector(\"[data-testid='dashboard-connection']\");\
                     return c && c.getAttribute('data-state');",
                    vec![],
                )
                .await?;
            Ok(state == "open")
        },
        || async { String::from("the Tasks view never connected") },
    )
    .await?;
    client.execute(PROBE, vec![]).await?;
    let started = Instant::now();
    let ids = create_tasks(args, base).await?;
    wait_done(args, started, || async {
        let done = client
            .execute(COMPLETED, vec![Value::Array(ids.clone())])
            .await?;
        Ok(done.as_u64().unwrap_or(0))
    })
    .await?;
    let record = client.execute(READ, vec![]).await?;
    let mut busy = Record::from(&record, started.elapsed().as_secs_f64());
    busy.long_task_starts = record["at"].to_string();
    busy.slow_frames = slow_frames(&record["slowFrames"]);
    Ok((busy, idle))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let driver = match Driver::start(&args.chromedriver, &args.chromium).await {
        Ok(driver) => driver,
        Err(error) => {
            eprintln!("dashboard bench: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = measure(&args, &driver).await;
    driver.stop().await;
    match result {
        Ok((busy, idle)) => {
            println!(
                "| Tasks view | seconds | frames | longest frame gap (ms) | gaps > 50 ms | long tasks | longest task (ms) |"
            );
            println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            println!(
                "{}",
                busy.row(&format!(
                    "{} tasks updating ({} steps, {} ms apart), until all completed on screen",
                    args.tasks, args.steps, args.interval_ms
                ))
            );
            println!(
                "{}",
                idle.row("baseline: the one-task view, not streaming, while the same tasks run on the server")
            );
            println!(
                "\nThe Tasks view's long tasks started at (ms after recording began): {}",
                busy.long_task_starts
            );
            println!(
                "Its animation frames over 50 ms (Long Animation Frames API): {}",
                busy.slow_frames
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("dashboard bench: FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}
