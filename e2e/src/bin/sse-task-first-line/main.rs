//! `sse-task-first-line`: how long a user waits for the first log line. Cold
//! first visits (a new Chromium profile for every load: empty cache, no open
//! connection) of pages reading the same stream (the coreBOS seed's source,
//! whose first event comes at once): the hand-written `EventSource` page, the
//! `<task-monitor>` page (as the README shows it, and with preload hints for
//! its glue and wasm, which `scripts/bench.sh` writes) and the demo (Start
//! clicked as soon as it is on the page); on loopback and through an emulated
//! slow link (a proxy: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip ± 50
//! ms, the mobile profile of Lighthouse). Each page records when the frame
//! that paints its first line starts (`performance.now()`, from navigation);
//! the table shows medians and their ratio to the hand-written page. Loads
//! interleave, so a drift of the machine hits all alike. `scripts/bench.sh`
//! serves the site (the release `dist/` plus `bench/pages/first-line/`) and
//! runs it.

mod slow_link;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use serde_json::json;
use sse_task_e2e::driver::Driver;

use slow_link::{LinkShape, SlowLink};

/// Time to the first line, cold.
#[derive(Debug, Parser)]
struct Args {
    /// The server of the site, e.g. `127.0.0.1:8080`.
    #[arg(long)]
    server: SocketAddr,
    /// Cold loads of each page on each link.
    #[arg(long, default_value_t = 8)]
    loads: usize,
    /// The slow link's rate towards the browser, in kbit/s.
    #[arg(long, default_value_t = 1600)]
    down_kbit: u32,
    /// The slow link's rate towards the server, in kbit/s.
    #[arg(long, default_value_t = 750)]
    up_kbit: u32,
    /// The slow link's round trip, in ms.
    #[arg(long, default_value_t = 150)]
    rtt_ms: u64,
    /// How far each segment's round trip varies either way, in ms.
    #[arg(long, default_value_t = 50)]
    jitter_ms: u64,
    /// The chromedriver binary.
    #[arg(long, default_value = "/usr/bin/chromedriver")]
    chromedriver: std::path::PathBuf,
    /// The Chromium binary.
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: std::path::PathBuf,
}

/// The pages, in the table's order; the first is the baseline.
const PAGES: [(&str, &str); 4] = [
    ("hand-written `EventSource` page", "/handwritten.html"),
    ("`<task-monitor>` page", "/element.html"),
    (
        "`<task-monitor>` page with preload hints",
        "/element-preloaded.html",
    ),
    ("the demo (Start clicked when shown)", "/?source=corebos"),
];

/// Waits for the page's `window.__firstLine`; on the demo, clicks Start
/// first, watching its log for the first line.
const WAIT_SCRIPT: &str = r#"
const done = arguments[arguments.length - 1];
const demo = arguments[0];
const deadline = Date.now() + 25000;
const poll = () => {
  if (window.__firstLine) return done(window.__firstLine);
  if (Date.now() > deadline) return done(null);
  if (demo && !window.__clicked) {
    const start = document.querySelector(".tm-button.tm-primary");
    const log = document.querySelector(".tm-log");
    if (start && log && !start.disabled) {
      window.__clicked = true;
      new MutationObserver((_, observer) => {
        if (!log.textContent.trim()) return;
        observer.disconnect();
        requestAnimationFrame(() => { window.__firstLine ??= performance.now(); });
      }).observe(log, { childList: true, subtree: true, characterData: true });
      start.click();
    }
  }
  setTimeout(poll, 5);
};
poll();
"#;

/// One cold load: a new browser profile, the page, its first line's time.
async fn cold_load(args: &Args, base: &str, path: &str) -> Result<f64, String> {
    let mut capabilities = serde_json::Map::new();
    // goto returns at once: the page is watched while it loads.
    capabilities.insert("pageLoadStrategy".into(), json!("none"));
    let driver = Driver::start_chromium(&args.chromedriver, &args.chromium, &[], capabilities)
        .await
        .map_err(|error| error.to_string())?;
    let measured = async {
        driver
            .client
            .goto(&format!("{base}{path}"))
            .await
            .map_err(|error| error.to_string())?;
        // The script runs in the new document once it exists.
        let mut tries = 0;
        loop {
            let demo = path.starts_with("/?");
            match driver
                .client
                .execute_async(WAIT_SCRIPT, vec![json!(demo)])
                .await
            {
                Ok(value) => {
                    return value
                        .as_f64()
                        .ok_or_else(|| format!("{path}: no first line within 25 s"))
                }
                // No document yet to run it in: ask again.
                Err(_) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => return Err(format!("{path}: {error}")),
            }
        }
    }
    .await;
    driver.stop().await;
    measured
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 0 {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let shape = LinkShape {
        down_bits_per_s: f64::from(args.down_kbit) * 1000.0,
        up_bits_per_s: f64::from(args.up_kbit) * 1000.0,
        delay: Duration::from_millis(args.rtt_ms / 2),
        jitter: Duration::from_millis(args.jitter_ms / 2),
    };
    let link = match SlowLink::start(args.server, shape).await {
        Ok(link) => link,
        Err(error) => {
            eprintln!("first-line: cannot start the slow link: {error}");
            return ExitCode::FAILURE;
        }
    };
    let links = [
        ("loopback".to_owned(), format!("http://{}", args.server)),
        (
            format!(
                "slow link ({} kbit/s down, {} up, {} ms ± {} round trip)",
                args.down_kbit, args.up_kbit, args.rtt_ms, args.jitter_ms
            ),
            format!("http://{}", link.addr),
        ),
    ];
    println!("| link | page | median (ms) | fastest | slowest | ratio to the hand-written page |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    for (link_name, base) in &links {
        let mut times = vec![Vec::new(); PAGES.len()];
        for load in 0..args.loads {
            for ((_, path), times) in PAGES.iter().zip(&mut times) {
                match cold_load(&args, base, path).await {
                    Ok(ms) => times.push(ms),
                    Err(error) => {
                        eprintln!("first-line: {link_name}, load {load}: {error}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
        let medians: Vec<f64> = times.iter_mut().map(|times| median(times)).collect();
        for ((name, _), (times, median)) in PAGES.iter().zip(times.iter().zip(&medians)) {
            let fastest = times.first().copied().unwrap_or_default();
            let slowest = times.last().copied().unwrap_or_default();
            println!(
                "| {link_name} | {name} | {median:.0} | {fastest:.0} | {slowest:.0} | {:.2}x |",
                median / medians[0]
            );
        }
        eprintln!("first-line: {link_name} measured");
    }
    ExitCode::SUCCESS
}
