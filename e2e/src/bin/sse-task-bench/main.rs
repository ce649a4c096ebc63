//! `sse-task-bench`: ingest throughput in headless Chromium. Replays a stored
//! task of N events as fast as the server sends them to (a) a bare page that
//! only counts `EventSource` messages (the browser's ceiling), (b) the coreBOS
//! seed's `es.html` way (`innerHTML +=` per line), and (c) our demo with the
//! log and the bar on screen, three times each (the median counts); reports
//! events per second, ratios, and the main thread's long tasks. Then send-to-screen latency at a steady rate,
//! memory over a long stream, and hostile servers (a flood of 64 KiB events,
//! Stop during it, a server that ends every connection at once). `scripts/bench.sh` starts the servers and
//! runs it.

mod clients;
mod hostile;
mod latency;
mod memory;
mod report;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use sse_task_e2e::driver::Driver;

use clients::{
    run_bare, run_component, run_element, run_peer, run_seed, Measured, StreamKind, FETCH_LIMIT,
    PEERS,
};

/// Browser ingest benchmark.
#[derive(Debug, Parser)]
struct Args {
    /// Mock server serving the release `dist/` (with `--allow-origin '*'`).
    #[arg(long)]
    demo_url: String,
    /// Mock server serving `bench/pages/`.
    #[arg(long)]
    pages_url: String,
    /// Stream sizes to measure: a stored task up to 100 000, ticks beyond.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    sizes: Vec<u32>,
    /// Sizes also measured on `/faults/ticks` (one event per write).
    #[arg(long, value_delimiter = ',', default_value = "100000")]
    tick_sizes: Vec<u32>,
    /// Time budget of the seed's way per size, in ms (it slows down as its log
    /// grows). Chrome may run it as one task that long, so it stays well under
    /// WebDriver's 30 s script timeout.
    #[arg(long, default_value_t = 10_000)]
    seed_budget_ms: u64,
    /// Runs of the bare page and of our component per size; the table shows
    /// the median run (the seed's way runs once: it is stopped at its budget).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Events of the latency run.
    #[arg(long, default_value_t = 2000)]
    latency_count: u32,
    /// Pause between events of the latency run, in ms (10: 100 events/s).
    #[arg(long, default_value_t = 10)]
    latency_interval_ms: u64,
    /// Sizes of the memory runs (one fresh page each).
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    memory_events: Vec<u64>,
    /// Skips the hostile servers' part.
    #[arg(long)]
    skip_hostile: bool,
    /// Measures only the hostile servers' part.
    #[arg(long)]
    only_hostile: bool,
    /// Also runs the JavaScript peers (`bench/pages/peers/`, built by
    /// `scripts/bench.sh`) and the fetch counting limit, interleaved.
    #[arg(long)]
    peers: bool,
    /// The chromedriver binary.
    #[arg(long, default_value = "/usr/bin/chromedriver")]
    chromedriver: std::path::PathBuf,
    /// The Chromium binary.
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: std::path::PathBuf,
}

/// `run`'s result, its error naming the client (`client`) that failed.
async fn named<T>(
    client: &str,
    run: impl std::future::Future<Output = Result<T, clients::BenchError>>,
) -> Result<T, clients::BenchError> {
    run.await
        .map_err(|error| clients::BenchError::Invalid(format!("{client}: {error}")))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let demo = args.demo_url.trim_end_matches('/').to_owned();
    let pages = args.pages_url.trim_end_matches('/').to_owned();
    let flags = ["--enable-precise-memory-info", "--js-flags=--expose-gc"];
    let driver = match Driver::start_with_args(&args.chromedriver, &args.chromium, &flags).await {
        Ok(driver) => driver,
        Err(error) => {
            eprintln!("bench: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut rows: Vec<(String, Vec<Measured>)> = Vec::new();
    let mut failed = None;
    let sizes = if args.only_hostile {
        &[][..]
    } else {
        &args.sizes[..]
    };
    let tick_sizes = if args.only_hostile {
        &[][..]
    } else {
        &args.tick_sizes[..]
    };
    let streams = sizes
        .iter()
        .map(|size| (*size, StreamKind::for_size(*size)))
        .chain(tick_sizes.iter().map(|size| (*size, StreamKind::Ticks)));
    for (size, kind) in streams {
        let result = async {
            let events_url = clients::stream_for(&demo, size, kind).await?;
            // Interleaved runs, so that drift in the machine hits all alike.
            let (mut bares, mut ours, mut fetched) = (Vec::new(), Vec::new(), Vec::new());
            let (mut elements, mut elements_fetched) = (Vec::new(), Vec::new());
            let (mut in_worker, mut elements_in_worker) = (Vec::new(), Vec::new());
            let peers: Vec<_> = if args.peers {
                std::iter::once(FETCH_LIMIT).chain(PEERS).collect()
            } else {
                Vec::new()
            };
            let mut peer_runs: Vec<Vec<Measured>> = vec![Vec::new(); peers.len()];
            for _ in 0..args.repeat.max(1) {
                bares.push(named("bare", run_bare(&driver, &pages, &events_url, size)).await?);
                for (peer, runs) in peers.iter().zip(&mut peer_runs) {
                    let run = run_peer(&driver, &pages, &events_url, size, *peer);
                    runs.push(named("a peer", run).await?);
                }
                for (transport, components, elements) in [
                    ("eventsource", &mut ours, &mut elements),
                    ("fetch", &mut fetched, &mut elements_fetched),
                    ("fetch-worker", &mut in_worker, &mut elements_in_worker),
                ] {
                    let run = run_component(&driver, &demo, &events_url, size, transport);
                    components.push(named(&format!("our component, {transport}"), run).await?);
                    let run = run_element(&driver, &demo, &pages, &events_url, size, transport);
                    elements.push(named(&format!("<task-monitor>, {transport}"), run).await?);
                }
            }
            let median = |runs| {
                clients::median_run(runs).ok_or(clients::BenchError::Invalid("no run".into()))
            };
            let (bare, component, fetch) = (median(bares)?, median(ours)?, median(fetched)?);
            let (element, element_fetch) = (median(elements)?, median(elements_fetched)?);
            let (worker, element_worker) = (median(in_worker)?, median(elements_in_worker)?);
            let seed = run_seed(&driver, &pages, &events_url, args.seed_budget_ms).await?;
            let mut row = vec![bare];
            for runs in peer_runs {
                row.push(median(runs)?);
            }
            row.extend([
                component,
                fetch,
                worker,
                element,
                element_fetch,
                element_worker,
                seed,
            ]);
            Ok::<_, clients::BenchError>(row)
        }
        .await;
        match result {
            Ok(measured) => {
                eprintln!("bench: {size} events ({}) measured", kind.name());
                rows.push((format!("{size} ({})", kind.name()), measured));
            }
            Err(error) => {
                failed = Some(format!("{size} events ({}): {error}", kind.name()));
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut latencies = Vec::new();
    let mut samples = Vec::new();
    if failed.is_none() && !args.only_hostile {
        match latency::run(
            &driver,
            &demo,
            &pages,
            args.latency_count,
            args.latency_interval_ms,
        )
        .await
        {
            Ok(measured) => latencies = measured,
            Err(error) => failed = Some(format!("latency: {error}")),
        }
    }
    if failed.is_none() && !args.only_hostile {
        eprintln!("bench: latency measured");
        for size in &args.memory_events {
            match memory::run(&driver, &demo, *size).await {
                Ok(measured) => samples.push((*size, measured)),
                Err(error) => {
                    failed = Some(format!("memory: {error}"));
                    break;
                }
            }
        }
    }
    let mut hostile_tables = None;
    if failed.is_none() && !args.skip_hostile {
        let measured = async {
            let floods = hostile::flood(&driver, &demo, &pages).await?;
            eprintln!("bench: flood measured");
            let mut stops = Vec::new();
            for transport in ["eventsource", "fetch", "fetch-worker"] {
                stops.push((
                    transport,
                    hostile::stop_latency(&driver, &demo, transport).await?,
                ));
            }
            let mut storms = Vec::new();
            for (client, name) in [
                (
                    "bare",
                    "the browser's own `EventSource` (bare page, reconnecting as `retry:` says)",
                ),
                ("eventsource", "our demo, EventSource"),
                ("fetch", "our demo, fetch"),
            ] {
                storms.push((name, hostile::storm(&driver, &demo, &pages, client).await?));
            }
            Ok::<_, clients::BenchError>(hostile::markdown(&floods, &stops, &storms))
        }
        .await;
        match measured {
            Ok(tables) => hostile_tables = Some(tables),
            Err(error) => failed = Some(format!("hostile servers: {error}")),
        }
    }
    driver.stop().await;
    if !rows.is_empty() {
        println!("{}", report::markdown(&rows));
        if args.peers {
            println!("### Against the peers (medians of the runs above)\n");
            println!("{}", report::peers(&rows));
        }
    }
    if !latencies.is_empty() {
        println!(
            "### Latency, server send to DOM ({} events, {} ms apart)\n",
            args.latency_count, args.latency_interval_ms
        );
        println!("{}", report::latency(&latencies));
    }
    if !samples.is_empty() {
        println!(
            "### Memory, JS heap after gc() + wasm memory (default capacity, one page per size)\n"
        );
        println!("{}", report::memory(&samples));
    }
    if let Some(tables) = hostile_tables {
        println!("### Hostile servers\n");
        println!("{tables}");
    }
    match failed {
        Some(error) => {
            eprintln!("bench: FAILED: {error}");
            ExitCode::FAILURE
        }
        None => ExitCode::SUCCESS,
    }
}
