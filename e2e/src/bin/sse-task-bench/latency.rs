//! Send-to-screen latency at a steady rate: the server stamps each event with
//! its send time (`/faults/ticks`), the page records when the line lands in
//! the DOM. The bare page's message-event latency is the transport's floor.

use std::time::Duration;

use serde_json::{json, Value};
use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::DemoPage;

use crate::clients::{encode, wait_result, BenchError};

/// Latencies of one client, in ms.
#[derive(Debug, Clone)]
pub struct Latency {
    /// Which client.
    pub client: &'static str,
    /// One value per event.
    pub samples: Vec<f64>,
    /// Events per second actually sent.
    pub rate: f64,
}

impl Latency {
    /// The `q` quantile (0..=1), nearest rank.
    pub fn quantile(&self, q: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }
}

const COMPONENT_PROBE: &str = r#"
window.__bench = { done: false, latencies: [], longTasks: [] };
var log = document.querySelector("[data-testid='log']");
new MutationObserver(function (records) {
  var now = performance.timeOrigin + performance.now();
  records.forEach(function (r) {
    // A block may hold several lines: every line's send time counts.
    r.addedNodes.forEach(function (n) {
      // "sent 12:34:56.789 UTC": today's UTC time of day (yesterday's
      // when it is ahead of now: a run across midnight).
      var re = /sent (\d\d):(\d\d):(\d\d\.\d+) UTC/g, m;
      var day = new Date(now), midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
      while ((m = re.exec(n.textContent || '')) !== null) {
        var sent = midnight + (+m[1]) * 3600000 + (+m[2]) * 60000 + parseFloat(m[3]) * 1000;
        if (sent > now + 43200000) sent -= 86400000;
        window.__bench.latencies.push(now - sent);
      }
    });
  });
}).observe(log, { childList: true });
var status = document.querySelector("[data-testid='status']");
var t0 = performance.now();
new MutationObserver(function () {
  var s = status.getAttribute('data-status');
  if ((s === 'completed' || s === 'failed') && !window.__bench.done) {
    window.__bench.ms = performance.now() - t0;
    window.__bench.status = s;
    window.__bench.done = true;
  }
}).observe(status, { attributes: true });
document.querySelector("[data-testid='start']").click();
"#;

fn samples(result: &Value) -> Vec<f64> {
    result["latencies"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// Measures the bare page and our component on `count` events `interval_ms` apart.
pub async fn run(
    driver: &Driver,
    demo: &str,
    pages: &str,
    count: u32,
    interval_ms: u64,
) -> Result<Vec<Latency>, BenchError> {
    let source = format!("{demo}/faults/ticks?count={count}&interval_ms={interval_ms}");
    let limit = Duration::from_millis(u64::from(count) * interval_ms * 3) + Duration::from_secs(60);

    driver
        .client
        .goto(&format!("{pages}/bare.html?url={}", encode(&source)))
        .await?;
    driver
        .client
        .execute(
            "window.__bench.measureLatency = true; window.startBench();",
            vec![json!(null)],
        )
        .await?;
    let bare = wait_result(driver, limit).await?;

    let rate = |result: &Value| f64::from(count) * 1000.0 / result["ms"].as_f64().unwrap_or(1.0);
    let mut measured = vec![Latency {
        client: "bare EventSource (message event)",
        samples: samples(&bare),
        rate: rate(&bare),
    }];
    for (transport, client) in [
        (
            "eventsource",
            "our component, EventSource (line in the DOM)",
        ),
        ("fetch", "our component, fetch (line in the DOM)"),
        (
            "fetch-worker",
            "our component, fetch in a worker (line in the DOM)",
        ),
    ] {
        let page = DemoPage::new(&driver.client);
        page.open(&format!(
            "{demo}/?source={}&transport={transport}",
            encode(&source)
        ))
        .await?;
        driver.client.execute(COMPONENT_PROBE, vec![]).await?;
        let component = wait_result(driver, limit).await?;
        if component["status"] != "completed" {
            return Err(BenchError::Invalid(format!(
                "latency run on {transport} did not complete: {component}"
            )));
        }
        measured.push(Latency {
            client,
            samples: samples(&component),
            rate: rate(&component),
        });
    }
    Ok(measured)
}
