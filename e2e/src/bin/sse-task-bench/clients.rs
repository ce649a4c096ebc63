//! The three clients of the ingest benchmark, each driven in a fresh page,
//! and the stored task they all replay.

use std::time::Duration;

use serde_json::{json, Value};
use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::{DemoPage, PageError};
use thiserror::Error;

/// What went wrong in a benchmark run.
#[derive(Debug, Error)]
pub enum BenchError {
    /// The page or WebDriver failed.
    #[error(transparent)]
    Page(#[from] PageError),
    /// A WebDriver script failed.
    #[error("webdriver: {0}")]
    WebDriver(#[from] fantoccini::error::CmdError),
    /// The server's API failed.
    #[error("server API: {0}")]
    Api(#[from] reqwest::Error),
    /// A client did not finish or delivered the wrong events.
    #[error("{0}")]
    Invalid(String),
}

/// One client's result.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Which client.
    pub client: &'static str,
    /// Events it applied.
    pub events: u64,
    /// Wall time from opening the stream to the last event, in ms.
    pub ms: f64,
    /// Whether it stopped at its time budget before the end.
    pub truncated: bool,
    /// Main-thread tasks over 50 ms, in ms.
    pub long_tasks: Vec<f64>,
    /// What ran in the longest frames.
    pub frames: FrameScripts,
    /// Wall time of every run when this is the median of several, in ms.
    pub all_ms: Vec<f64>,
}

/// The run with the median time, knowing every run's time.
pub fn median_run(mut runs: Vec<Measured>) -> Option<Measured> {
    runs.sort_by(|a, b| a.ms.total_cmp(&b.ms));
    let all_ms = runs.iter().map(|run| run.ms).collect();
    let middle = runs.len() / 2;
    let mut median = runs.into_iter().nth(middle)?;
    median.all_ms = all_ms;
    Some(median)
}

/// Script time inside animation frames over 50 ms (the Long Animation Frames
/// API): the browser dispatching `EventSource` events to the page's listener,
/// and everything else the page ran (timers, animation frame callbacks).
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameScripts {
    /// Most time in one frame spent in `EventSource` listeners, in ms.
    pub dispatch_ms: f64,
    /// Most time in one frame spent in the page's other scripts, in ms.
    pub other_ms: f64,
}

/// Records [`FrameScripts`] in `window.__frames`; run before the stream starts.
const FRAME_PROBE: &str = r#"
window.__frames = { dispatch: 0, other: 0 };
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) {
      if (e.duration <= 50) return;
      var dispatch = 0, other = 0;
      e.scripts.forEach(function (s) {
        if (s.invoker.indexOf('EventSource') === 0) dispatch += s.duration; else other += s.duration;
      });
      window.__frames.dispatch = Math.max(window.__frames.dispatch, dispatch);
      window.__frames.other = Math.max(window.__frames.other, other);
    });
  }).observe({ type: 'long-animation-frame' });
} catch (e) {}
"#;

/// The [`FrameScripts`] that [`FRAME_PROBE`] recorded.
async fn frame_scripts(driver: &Driver) -> Result<FrameScripts, BenchError> {
    let frames = driver
        .client
        .execute("return window.__frames || null;", vec![])
        .await?;
    Ok(FrameScripts {
        dispatch_ms: frames["dispatch"].as_f64().unwrap_or(f64::NAN),
        other_ms: frames["other"].as_f64().unwrap_or(f64::NAN),
    })
}

impl Measured {
    /// Events per second.
    pub fn rate(&self) -> f64 {
        self.events as f64 * 1000.0 / self.ms.max(0.001)
    }
}

/// What the clients of a row replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// A stored task (the real path, through SQLite): the server writes a
    /// page of events at a time (large writes). Up to 100 000 steps.
    Stored,
    /// `/faults/ticks`: the server writes one event at a time (small writes).
    Ticks,
}

impl StreamKind {
    /// The kind for `size` when none is asked: stored when the task API allows it.
    pub fn for_size(size: u32) -> Self {
        if size <= sse_task_protocol::MAX_STEPS {
            Self::Stored
        } else {
            Self::Ticks
        }
    }

    /// Short name for the table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stored => "stored task",
            Self::Ticks => "ticks",
        }
    }
}

/// The stream every client of a row replays.
pub async fn stream_for(server: &str, size: u32, kind: StreamKind) -> Result<String, BenchError> {
    match kind {
        StreamKind::Stored => stored_task(server, size).await,
        StreamKind::Ticks => Ok(format!("{server}/faults/ticks?count={size}&interval_ms=0")),
    }
}

/// The text of the last event's line: a task step or a tick.
fn last_line_prefix(size: u32, events_url: &str) -> String {
    if events_url.contains("/faults/ticks") {
        format!("tick {size} of {size} ")
    } else if events_url.contains("/faults/flood") {
        format!("{size} xxx")
    } else {
        format!("bench: step {size} of {size}")
    }
}

/// Creates a task of `steps` steps with no pause, waits until it is stored in
/// full, and returns the absolute URL of its stream.
pub async fn stored_task(server: &str, steps: u32) -> Result<String, BenchError> {
    let client = reqwest::Client::new();
    let task: Value = client
        .post(format!("{server}/api/tasks"))
        .json(&json!({"steps": steps, "interval_ms": 0, "label": "bench"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let status_url = format!(
        "{server}{}",
        task["status_url"].as_str().unwrap_or_default()
    );
    for _ in 0..1200 {
        let state: Value = client.get(&status_url).send().await?.json().await?;
        if state["state"] == "completed" {
            return Ok(format!(
                "{server}{}",
                task["events_url"].as_str().unwrap_or_default()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(BenchError::Invalid(format!(
        "task of {steps} steps did not complete in 120 s"
    )))
}

/// Polls `window.__bench` until it says done, for up to `limit`.
pub async fn wait_result(driver: &Driver, limit: Duration) -> Result<Value, BenchError> {
    let start = tokio::time::Instant::now();
    loop {
        let result = match driver
            .client
            .execute("return window.__bench || null;", vec![])
            .await
        {
            Ok(result) => result,
            // A page busy for more than WebDriver's 30 s (a slow peer on a
            // long stream) is still running: ask again, until `limit`.
            Err(error) if error.to_string().contains("script timeout") => {
                if start.elapsed() > limit {
                    return Err(error.into());
                }
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        if result["done"] == true {
            return Ok(result);
        }
        if start.elapsed() > limit {
            return Err(BenchError::Invalid(format!(
                "no result after {limit:?}: {result}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Durations of the long tasks a page recorded.
fn long_tasks(result: &Value) -> Vec<f64> {
    result["longTasks"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// Percent-encodes `url` for a query parameter.
pub fn encode(url: &str) -> String {
    url.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Opens `page` (a page of `window.startBench()` / `window.__bench`),
/// starts it and waits for its result; `client` names it in errors. Its
/// result and the events it saw, which must be every one of `size` and the end.
async fn run_bench_page(
    driver: &Driver,
    page: &str,
    size: u32,
    client: &str,
) -> Result<(Value, u64), BenchError> {
    driver.client.goto(page).await?;
    driver.client.execute(FRAME_PROBE, vec![]).await?;
    driver
        .client
        .execute("window.startBench();", vec![])
        .await?;
    let result = wait_result(driver, Duration::from_secs(300)).await?;
    let events = result["events"].as_u64().unwrap_or(0);
    if events != u64::from(size) + 1 || result.get("error").is_some() {
        return Err(BenchError::Invalid(format!(
            "{client} saw {events} events: {result}"
        )));
    }
    Ok((result, events))
}

/// Baseline (a): counts messages only.
pub async fn run_bare(
    driver: &Driver,
    pages: &str,
    events_url: &str,
    size: u32,
) -> Result<Measured, BenchError> {
    let page = format!("{pages}/bare.html?url={}", encode(events_url));
    let (result, events) = run_bench_page(driver, &page, size, "bare page").await?;
    Ok(Measured {
        client: "bare EventSource counter (ceiling)",
        events,
        ms: result["ms"].as_f64().unwrap_or(0.0),
        truncated: false,
        long_tasks: long_tasks(&result),
        frames: frame_scripts(driver).await?,
        all_ms: Vec::new(),
    })
}

/// A JavaScript peer on `bench/pages/peer.html` (its bundle built from
/// `bench/peers/` by `scripts/bench.sh`): the library and the one
/// hand-written page every peer drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The bundle's name (`peers/<name>.js`).
    pub bundle: &'static str,
    /// Only count events, no page work: the counting limit.
    pub count_only: bool,
    /// The table's name for it.
    pub client: &'static str,
}

/// The fetch reader + parser counting events, no DOM: what the browser can
/// parse on the main thread.
pub const FETCH_LIMIT: Peer = Peer {
    bundle: "eventsource-parser",
    count_only: true,
    client: "limit: fetch reader + eventsource-parser counting, no DOM",
};

/// The peers, each with the hand-written page.
pub const PEERS: [Peer; 4] = [
    Peer {
        bundle: "eventsource-parser",
        count_only: false,
        client: "peer: eventsource-parser 4.1.3 over fetch + page",
    },
    Peer {
        bundle: "fetch-event-source",
        count_only: false,
        client: "peer: @microsoft/fetch-event-source 2.0.1 + page",
    },
    Peer {
        bundle: "npm-eventsource",
        count_only: false,
        client: "peer: npm eventsource 5.1.5 + page",
    },
    Peer {
        bundle: "browser-eventsource",
        count_only: false,
        client: "peer: the browser's EventSource + page",
    },
];

/// `peer` replaying `events_url`; every event counted, and (with the page)
/// the last line in the DOM and the bar at 100 %.
pub async fn run_peer(
    driver: &Driver,
    pages: &str,
    events_url: &str,
    size: u32,
    peer: Peer,
) -> Result<Measured, BenchError> {
    let page = format!(
        "{pages}/peer.html?peer={}&url={}{}",
        peer.bundle,
        encode(events_url),
        if peer.count_only { "&count=1" } else { "" }
    );
    let (result, events) = run_bench_page(driver, &page, size, peer.client).await?;
    if !peer.count_only {
        let shown = driver
            .client
            .execute(
                "return [document.getElementById('log').lastChild.textContent,                         document.getElementById('label').textContent];",
                vec![],
            )
            .await?;
        if shown[0] != "Process complete" || shown[1] != "100%" {
            return Err(BenchError::Invalid(format!(
                "{} did not show the end: {shown}",
                peer.client
            )));
        }
    }
    Ok(Measured {
        client: peer.client,
        events,
        ms: result["ms"].as_f64().unwrap_or(0.0),
        truncated: false,
        long_tasks: long_tasks(&result),
        frames: frame_scripts(driver).await?,
        all_ms: Vec::new(),
    })
}

/// Baseline (b): the seed's `es.html` handler, within a time budget.
pub async fn run_seed(
    driver: &Driver,
    pages: &str,
    events_url: &str,
    budget_ms: u64,
) -> Result<Measured, BenchError> {
    driver
        .client
        .goto(&format!("{pages}/seed.html?url={}", encode(events_url)))
        .await?;
    driver.client.execute(FRAME_PROBE, vec![]).await?;
    driver
        .client
        .execute("window.startBench(arguments[0]);", vec![json!(budget_ms)])
        .await?;
    let result = wait_result(
        driver,
        Duration::from_millis(budget_ms) + Duration::from_secs(120),
    )
    .await?;
    Ok(Measured {
        client: "seed es.html (innerHTML += per line)",
        events: result["events"].as_u64().unwrap_or(0),
        ms: result["ms"].as_f64().unwrap_or(0.0),
        truncated: result["truncated"] == true,
        long_tasks: long_tasks(&result),
        frames: frame_scripts(driver).await?,
        all_ms: Vec::new(),
    })
}

/// Installs the long-task observer and the completion watcher, then clicks
/// Start: in the page, or in `window.__benchRoot` (the element's shadow root).
const COMPONENT_PROBE: &str = r#"
window.__bench = { done: false, longTasks: [] };
var root = window.__benchRoot || document;
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) { window.__bench.longTasks.push(e.duration); });
  }).observe({ type: 'longtask' });
} catch (e) {}
var status = root.querySelector("[data-testid='status']");
var log = root.querySelector("[data-testid='log']");
var t0 = performance.now();
// The log's last lines: blocks hold lines joined by "\n".
function lastLines(n) {
  var blocks = Array.prototype.slice.call(log.children, -n);
  var lines = [];
  blocks.forEach(function (b) { lines = lines.concat(b.textContent.split('\n')); });
  return lines.slice(-n);
}
// Done when the status says so and the log's last line is on screen.
function check() {
  var s = status.getAttribute('data-status');
  var ended = s === 'failed' || (s === 'completed' && lastLines(1)[0] === 'Stream closed: task complete');
  if (ended && !window.__bench.done) {
    window.__bench.ms = performance.now() - t0;
    window.__bench.status = s;
    window.__bench.shown = log.getAttribute('data-count');
    window.__bench.tail = lastLines(3);
    window.__bench.dropped = root.querySelector("[data-testid='log-dropped']").textContent;
    window.__bench.bar = root.querySelector("[data-testid='progress-label']").textContent;
    window.__bench.done = true;
  }
}
new MutationObserver(check).observe(status, { attributes: true });
new MutationObserver(check).observe(log, { childList: true });
root.querySelector("[data-testid='start']").click();
"#;

/// Our component on `transport` (`eventsource`, `fetch` or `fetch-worker`): the demo
/// streaming the URL, log and bar on screen.
pub async fn run_component(
    driver: &Driver,
    demo: &str,
    events_url: &str,
    size: u32,
    transport: &str,
) -> Result<Measured, BenchError> {
    let page = DemoPage::new(&driver.client);
    page.open(&format!(
        "{demo}/?source={}&transport={transport}",
        encode(events_url)
    ))
    .await?;
    let client = match transport {
        "fetch" => "our component, fetch (log + bar on screen)",
        "fetch-worker" => "our component, fetch in a worker (log + bar on screen)",
        _ => "our component, EventSource (log + bar on screen)",
    };
    measure_probe(driver, client, events_url, size).await
}

/// The `<task-monitor>` element on `transport`, alone on a page that
/// listens to none of its events (`bench/pages/element.html`), its module
/// from the demo server.
pub async fn run_element(
    driver: &Driver,
    demo: &str,
    pages: &str,
    events_url: &str,
    size: u32,
    transport: &str,
) -> Result<Measured, BenchError> {
    driver
        .client
        .goto(&format!(
            "{pages}/element.html?element={}&url={}&transport={transport}",
            encode(&format!("{demo}/element/task-monitor.js")),
            encode(events_url)
        ))
        .await?;
    let start = tokio::time::Instant::now();
    while driver
        .client
        .execute("return window.__ready === true;", vec![])
        .await?
        != true
    {
        if start.elapsed() > Duration::from_secs(30) {
            return Err(BenchError::Invalid(
                "the element did not load in 30 s".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = match transport {
        "fetch" => "<task-monitor>, fetch (log + bar on screen)",
        "fetch-worker" => "<task-monitor>, fetch in a worker (log + bar on screen)",
        _ => "<task-monitor>, EventSource (log + bar on screen)",
    };
    measure_probe(driver, client, events_url, size).await
}

/// Runs [`COMPONENT_PROBE`] on the page shown, checks that every event was
/// applied and the last line is on screen, and returns the run.
async fn measure_probe(
    driver: &Driver,
    client: &'static str,
    events_url: &str,
    size: u32,
) -> Result<Measured, BenchError> {
    driver.client.execute(FRAME_PROBE, vec![]).await?;
    driver.client.execute(COMPONENT_PROBE, vec![]).await?;
    let result = wait_result(driver, Duration::from_secs(300)).await?;
    let expected_tail = last_line_prefix(size, events_url);
    let tail_ok = result["tail"].as_array().is_some_and(|tail| {
        tail.iter()
            .filter_map(|line| line.as_str())
            .any(|line| line.starts_with(&expected_tail))
    });
    if result["status"] != "completed" || !tail_ok || result["bar"] != "100%" {
        return Err(BenchError::Invalid(format!(
            "{client} did not apply every event: {result}"
        )));
    }
    Ok(Measured {
        client,
        events: u64::from(size) + 1,
        ms: result["ms"].as_f64().unwrap_or(0.0),
        truncated: false,
        long_tasks: long_tasks(&result),
        frames: frame_scripts(driver).await?,
        all_ms: Vec::new(),
    })
}
