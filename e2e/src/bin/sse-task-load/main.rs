//! `sse-task-load`: holds N concurrent SSE streams of one URL on loopback,
//! checks that every client gets every event in order (ids increasing by
//! one, then `CLOSE`), and reports events per second and the server
//! process's peak RSS and CPU time (read from `/proc/<pid>`).

mod client;
mod fanout;
mod procstat;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::future::join_all;

use client::{read_stream, StreamReport};

/// Concurrent-stream load generator.
#[derive(Debug, Parser)]
struct Args {
    /// The stream every client opens.
    #[arg(long)]
    url: String,
    /// Number of concurrent clients.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Clients connected per batch while ramping up (loopback backlog is finite).
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Give up on a client after this long.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    /// Events each client must get before `CLOSE` (0: do not check the count).
    #[arg(long, default_value_t = 0)]
    expect_events: u64,
    /// The server's pid, to sample its RSS and CPU.
    #[arg(long)]
    server_pid: Option<u32>,
    /// A label for the report line.
    #[arg(long, default_value = "server")]
    name: String,
    /// Fan-out mode: `--url` is the server's base; create this task (JSON body)
    /// queued behind a gate task, attach every client, then report the task's
    /// run time on the server (run the server with `--workers 1`).
    #[arg(long, value_name = "JSON")]
    task: Option<String>,
    /// How long the gate task holds the task back, in ms.
    #[arg(long, default_value_t = 5000)]
    gate_ms: u64,
    /// Gate tasks (one per worker of every node sharing the queue).
    #[arg(long, default_value_t = 1)]
    gates: usize,
    /// Another server of the same store (its base URL): clients take the
    /// servers in turn (`--url`'s first). Repeat for more.
    #[arg(long, value_name = "BASE")]
    spread: Vec<String>,
    /// Throughput mode: `--url` is the server's base; create this many
    /// `--task` tasks at once and report how long until every one ended.
    #[arg(long)]
    jobs: Option<usize>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let client = match reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(args.timeout_secs))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            eprintln!("load: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let (Some(jobs), Some(task)) = (args.jobs, &args.task) {
        return match serde_json::from_str(task) {
            Ok(task) => match fanout::throughput(&client, &args.url, &task, jobs).await {
                Ok(line) => {
                    println!("| {} | {line} |", args.name);
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("load: {error}");
                    ExitCode::FAILURE
                }
            },
            Err(error) => {
                eprintln!("load: --task is not JSON: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let gated = match &args.task {
        Some(task) => {
            let created = match serde_json::from_str(task) {
                Ok(task) => {
                    fanout::create(&client, &args.url, &task, args.gate_ms, args.gates).await
                }
                Err(error) => Err(format!("--task is not JSON: {error}")),
            };
            match created {
                Ok(gated) => Some(gated),
                Err(error) => {
                    eprintln!("load: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => None,
    };
    let url = gated
        .as_ref()
        .map_or_else(|| args.url.clone(), |gated| gated.events_url.clone());
    let urls = spread_over(&url, &args.spread);
    let sampler = args.server_pid.map(procstat::Sampler::start);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients);
    for i in 0..args.clients {
        let url = urls[i % urls.len()].clone();
        tasks.push(tokio::spawn(read_stream(client.clone(), url)));
        if (i + 1) % args.batch == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let reports: Vec<StreamReport> = join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.unwrap_or_else(|error| StreamReport::failed(error.to_string())))
        .collect();
    let wall = start.elapsed();
    let usage = match sampler {
        Some(sampler) => Some(sampler.stop().await),
        None => None,
    };
    let complete = reports
        .iter()
        .filter(|r| {
            r.error.is_none()
                && r.closed
                && (args.expect_events == 0 || r.events == args.expect_events)
        })
        .count();
    let events: u64 = reports.iter().map(|r| r.events).sum();
    let first_error = reports.iter().find_map(|r| r.error.clone());
    if let Some(gated) = &gated {
        // clients | complete in order | task run on the server (ms) | wall s
        match fanout::run_time(&client, gated).await {
            Ok(run) => println!(
                "| {} | {} | {} | {} | {:.1} |",
                args.name,
                args.clients,
                complete,
                run.as_millis(),
                wall.as_secs_f64()
            ),
            Err(error) => eprintln!("load: {error}"),
        }
        return if complete == args.clients {
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "load: {} of {} clients incomplete",
                args.clients - complete,
                args.clients
            );
            ExitCode::FAILURE
        };
    }
    let (rss, cpu) = usage
        .map(|u| {
            (
                format!("{:.1}", u.peak_rss_kib as f64 / 1024.0),
                format!("{:.1}", u.cpu_secs),
            )
        })
        .unwrap_or(("-".into(), "-".into()));
    // name | clients | complete in order | events | wall s | events/s | peak RSS MiB | CPU s
    println!(
        "| {} | {} | {} | {} | {:.1} | {:.0} | {} | {} |",
        args.name,
        args.clients,
        complete,
        events,
        wall.as_secs_f64(),
        events as f64 / wall.as_secs_f64(),
        rss,
        cpu
    );
    if let Some(error) = first_error {
        eprintln!("load: first error: {error}");
    }
    if complete == args.clients {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "load: {} of {} clients did not get every event in order",
            args.clients - complete,
            args.clients
        );
        ExitCode::FAILURE
    }
}

/// `url` on its own server, then the same path on each of `others` (bases).
fn spread_over(url: &str, others: &[String]) -> Vec<String> {
    let host = url.find("://").map_or(0, |index| index + 3);
    let path = url[host..]
        .find('/')
        .map_or("", |index| &url[host + index..]);
    std::iter::once(url.to_owned())
        .chain(
            others
                .iter()
                .map(|other| format!("{}{path}", other.trim_end_matches('/'))),
        )
        .collect()
}
