//! Hostile servers: a flood of 64 KiB events (time, longest task and memory
//! against the bare `EventSource` counter on the same stream), how soon Stop
//! is answered during that flood, and the requests per second a monitor
//! sends a server that ends every connection at once with `retry: 0`
//! (against the browser's own `EventSource`, which follows `retry:`).

use std::time::Duration;

use serde_json::Value;
use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::DemoPage;

use crate::clients::{encode, median_run, run_bare, run_component, BenchError, Measured};

/// Events of 64 KiB in the flood.
pub const FLOOD_EVENTS: u32 = 2_000;
/// Bytes of each flood event's message.
pub const FLOOD_BYTES: u32 = 65_536;

/// A flood row: the client's run and the memory it held at the end.
#[derive(Debug, Clone)]
pub struct Flood {
    /// The run (median of three).
    pub run: Measured,
    /// The JS heap (after gc) at the end, in bytes: the most of the runs.
    pub js_heap: u64,
    /// The wasm memory at the end (its high-water mark), in bytes: the most of the runs.
    pub wasm: u64,
}

/// The flood's URL on `server`.
pub fn flood_url(server: &str, count: u32) -> String {
    format!("{server}/faults/flood?count={count}&bytes={FLOOD_BYTES}")
}

const MEMORY: &str = r#"
if (window.gc) { window.gc(); window.gc(); }
return [
  performance.memory ? performance.memory.usedJSHeapSize : 0,
  window.__wasm ? Object.values(window.__wasm).find((v) => v instanceof WebAssembly.Memory).buffer.byteLength : 0
];
"#;

/// The JS heap after gc and the wasm memory, in bytes, 3 s after the run:
/// Chrome frees a `fetch` body's buffers a while after the body was read
/// (a plain page that reads 32 MiB with `fetch` still holds them right
/// after, none 3 s later), which would count a stream's size as its memory.
async fn memory(driver: &Driver) -> Result<(u64, u64), BenchError> {
    tokio::time::sleep(Duration::from_secs(3)).await;
    let value: Value = driver.client.execute(MEMORY, vec![]).await?;
    Ok((
        value[0].as_u64().unwrap_or(0),
        value[1].as_u64().unwrap_or(0),
    ))
}

/// The bare counter and our demo on both transports, three runs each, interleaved.
pub async fn flood(driver: &Driver, demo: &str, pages: &str) -> Result<Vec<Flood>, BenchError> {
    let url = flood_url(demo, FLOOD_EVENTS);
    let mut runs: [Vec<(Measured, (u64, u64))>; 3] = Default::default();
    for _ in 0..3 {
        let bare = run_bare(driver, pages, &url, FLOOD_EVENTS).await?;
        runs[0].push((bare, memory(driver).await?));
        for (i, transport) in [(1, "eventsource"), (2, "fetch")] {
            let ours = run_component(driver, demo, &url, FLOOD_EVENTS, transport).await?;
            runs[i].push((ours, memory(driver).await?));
        }
    }
    let mut rows = Vec::new();
    for client in runs {
        let js_heap = client.iter().map(|(_, (heap, _))| *heap).max().unwrap_or(0);
        let wasm = client.iter().map(|(_, (_, wasm))| *wasm).max().unwrap_or(0);
        let run = median_run(client.into_iter().map(|(run, _)| run).collect())
            .ok_or_else(|| BenchError::Invalid("no flood run".into()))?;
        rows.push(Flood { run, js_heap, wasm });
    }
    Ok(rows)
}

/// Clicks Stop from a task of its own (as an input event would be) and
/// records when the status reads `stopped`.
const STOP_PROBE: &str = r#"
window.__stop = null;
var status = document.querySelector("[data-testid='status']");
var asked = performance.now();
new MutationObserver(function () {
  if (status.getAttribute('data-status') === 'stopped' && window.__stop === null) {
    window.__stop = performance.now() - asked;
  }
}).observe(status, { attributes: true });
setTimeout(function () { document.querySelector("[data-testid='stop']").click(); }, 0);
"#;

/// Stop during a flood of 10 000 64 KiB events on `transport`: ms from
/// asking to the status on screen, for each of three runs.
pub async fn stop_latency(
    driver: &Driver,
    demo: &str,
    transport: &str,
) -> Result<Vec<f64>, BenchError> {
    let mut latencies = Vec::new();
    for _ in 0..3 {
        let page = DemoPage::new(&driver.client);
        let url = flood_url(demo, 10_000);
        page.open(&format!(
            "{demo}/?source={}&transport={transport}",
            encode(&url)
        ))
        .await?;
        page.click("start").await?;
        // Well into the flood: 500 events in.
        let start = tokio::time::Instant::now();
        loop {
            let label = page.text("progress-label").await?;
            let percent: u32 = label.trim_end_matches('%').parse().unwrap_or(0);
            if percent >= 5 {
                break;
            }
            if start.elapsed() > Duration::from_secs(120) {
                return Err(BenchError::Invalid(format!(
                    "the flood did not start: {label}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        driver.client.execute(STOP_PROBE, vec![]).await?;
        let mut waited = Duration::ZERO;
        loop {
            let value: Value = driver
                .client
                .execute("return window.__stop;", vec![])
                .await?;
            if let Some(ms) = value.as_f64() {
                latencies.push(ms);
                break;
            }
            if waited > Duration::from_secs(30) {
                return Err(BenchError::Invalid("Stop was never answered".into()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += Duration::from_millis(20);
        }
    }
    Ok(latencies)
}

/// How long each client follows the server that ends every connection at once.
pub const STORM_SECONDS: u64 = 10;

/// Requests per second that `client` (`bare`, `eventsource`, `fetch`) sent
/// `/faults/empty-end` over [`STORM_SECONDS`].
pub async fn storm(
    driver: &Driver,
    demo: &str,
    pages: &str,
    client: &str,
) -> Result<f64, BenchError> {
    let key = format!("storm-{client}-{}", std::process::id());
    let url = format!("{demo}/faults/empty-end?key={key}");
    if client == "bare" {
        driver
            .client
            .goto(&format!("{pages}/bare.html?keep=1&url={}", encode(&url)))
            .await?;
        driver
            .client
            .execute("window.startBench();", vec![])
            .await?;
    } else {
        let page = DemoPage::new(&driver.client);
        page.open(&format!(
            "{demo}/?source={}&transport={client}",
            encode(&url)
        ))
        .await?;
        page.click("start").await?;
    }
    tokio::time::sleep(Duration::from_secs(STORM_SECONDS)).await;
    driver.client.goto("about:blank").await?;
    let hits: Value = reqwest::get(format!("{demo}/faults/hits/{key}"))
        .await?
        .json()
        .await?;
    Ok(hits["hits"].as_f64().unwrap_or(0.0) / STORM_SECONDS as f64)
}

/// The three tables, in markdown.
pub fn markdown(floods: &[Flood], stops: &[(&str, Vec<f64>)], storms: &[(&str, f64)]) -> String {
    let mut out = format!(
        "#### A flood of {FLOOD_EVENTS} events of 64 KiB (`/faults/flood`, {} MiB)\n\n\
         | client | time (ms): median (every run) | x bare counter's time | long tasks > 50 ms (longest) | 3 s after: JS heap after gc / wasm memory (MiB) |\n\
         | --- | ---: | ---: | --- | ---: |\n",
        u64::from(FLOOD_EVENTS) * u64::from(FLOOD_BYTES) / (1024 * 1024)
    );
    let bare_ms = floods.first().map_or(f64::NAN, |flood| flood.run.ms);
    for flood in floods {
        let run = &flood.run;
        let longest = run.long_tasks.iter().copied().fold(0.0_f64, f64::max);
        let every: Vec<String> = run.all_ms.iter().map(|ms| format!("{ms:.0}")).collect();
        out.push_str(&format!(
            "| {} | {:.0} ({}) | {:.2} | {} ({longest:.0} ms) | {:.1} / {:.1} |\n",
            run.client,
            run.ms,
            every.join(", "),
            run.ms / bare_ms,
            run.long_tasks.len(),
            flood.js_heap as f64 / (1024.0 * 1024.0),
            flood.wasm as f64 / (1024.0 * 1024.0),
        ));
    }
    out.push_str(
        "\n#### Stop during a flood of 10 000 events of 64 KiB (asked from a task of its own, to the status on screen)\n\n\
         | transport | every run (ms) | longest (ms) |\n| --- | --- | ---: |\n",
    );
    for (transport, runs) in stops {
        let every: Vec<String> = runs.iter().map(|ms| format!("{ms:.1}")).collect();
        let longest = runs.iter().copied().fold(0.0_f64, f64::max);
        out.push_str(&format!(
            "| {transport} | {} | {longest:.1} |\n",
            every.join(", ")
        ));
    }
    out.push_str(&format!(
        "\n#### A server that ends every connection at once with `retry: 0` (`/faults/empty-end`, {STORM_SECONDS} s)\n\n\
         | client | requests per second |\n| --- | ---: |\n"
    ));
    for (client, rate) in storms {
        out.push_str(&format!("| {client} | {rate:.1} |\n"));
    }
    out
}
