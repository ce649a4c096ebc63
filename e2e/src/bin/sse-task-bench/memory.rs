//! Memory while our component ingests a long stream with the default log
//! capacity: JS heap (after a forced GC) plus wasm linear memory, sampled
//! before the stream, every second while it runs, and at its end.

use std::time::Duration;

use serde_json::Value;
use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::DemoPage;

use crate::clients::{encode, BenchError};

/// One sample.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// `performance.memory.usedJSHeapSize` after `gc()`, in bytes.
    pub js_heap: u64,
    /// The wasm memory's size, in bytes.
    pub wasm: u64,
}

impl Sample {
    /// JS heap plus wasm memory.
    pub fn total(&self) -> u64 {
        self.js_heap + self.wasm
    }
}

const PROBE: &str = r#"
if (window.gc) { window.gc(); }
return {
  js_heap: performance.memory ? performance.memory.usedJSHeapSize : 0,
  wasm: window.__wasm ? Object.values(window.__wasm).find((v) => v instanceof WebAssembly.Memory).buffer.byteLength : 0
};
"#;

/// Streams `count` ticks as fast as they come and samples memory every second.
pub async fn run(driver: &Driver, demo: &str, count: u64) -> Result<Vec<Sample>, BenchError> {
    let source = format!("{demo}/faults/ticks?count={count}&interval_ms=0");
    let page = DemoPage::new(&driver.client);
    page.open(&format!("{demo}/?source={}", encode(&source)))
        .await?;
    let mut samples = vec![sample(driver).await?];
    page.click("start").await?;
    let start = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let status = page.status().await?;
        let done = status == "completed";
        samples.push(sample(driver).await?);
        if done {
            return Ok(samples);
        }
        if status == "failed" || start.elapsed() > Duration::from_secs(900) {
            return Err(BenchError::Invalid(format!(
                "memory run ended as {status} after {:?}",
                start.elapsed()
            )));
        }
    }
}

async fn sample(driver: &Driver) -> Result<Sample, BenchError> {
    let value: Value = driver.client.execute(PROBE, vec![]).await?;
    Ok(Sample {
        js_heap: value["js_heap"].as_u64().unwrap_or(0),
        wasm: value["wasm"].as_u64().unwrap_or(0),
    })
}
