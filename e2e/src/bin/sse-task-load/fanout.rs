//! The fan-out measure: a task that is queued behind a short "gate" task, so
//! that every client is attached to its stream before it starts; its run
//! time is read from the server's own `started_at` / `finished_at`.

use std::time::Duration;

use serde_json::json;

/// The task to watch and how long its start is held back.
pub struct Gated {
    /// The task's events URL.
    pub events_url: String,
    /// The task's status URL.
    pub status_url: String,
}

/// Creates `gates` gate tasks (two steps `gate_ms` apart; one per worker
/// of the servers sharing the queue, e.g. `--workers 1` on each), then
/// `task` behind them.
pub async fn create(
    client: &reqwest::Client,
    base: &str,
    task: &serde_json::Value,
    gate_ms: u64,
    gates: usize,
) -> Result<Gated, String> {
    for _ in 0..gates {
        post(client, base, &json!({"steps": 2, "interval_ms": gate_ms})).await?;
    }
    let created = post(client, base, task).await?;
    let url = |key: &str| {
        created[key]
            .as_str()
            .map(|path| format!("{base}{path}"))
            .ok_or_else(|| format!("no {key} in {created}"))
    };
    Ok(Gated {
        events_url: url("events_url")?,
        status_url: url("status_url")?,
    })
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let response = client
        .post(format!("{base}/api/tasks"))
        .json(body)
        .send()
        .await
        .map_err(|error| error.to_string())?;
    if response.status() != 201 {
        return Err(format!("creating a task: status {}", response.status()));
    }
    response.json().await.map_err(|error| error.to_string())
}

/// Creates `jobs` tasks `task` at once and waits until every one ended:
/// "jobs | events | wall (s) | tasks/s | events/s".
pub async fn throughput(
    client: &reqwest::Client,
    base: &str,
    task: &serde_json::Value,
    jobs: usize,
) -> Result<String, String> {
    let start = std::time::Instant::now();
    let mut statuses = Vec::with_capacity(jobs);
    for _ in 0..jobs {
        let created = post(client, base, task).await?;
        let status = created["status_url"]
            .as_str()
            .ok_or_else(|| format!("no status_url in {created}"))?;
        statuses.push(format!("{base}{status}"));
    }
    let mut events = 0;
    for status in &statuses {
        loop {
            let task = get_json(client, status).await?;
            if task["state"] == "completed" {
                events += task["last_event_id"].as_u64().unwrap_or(0);
                break;
            }
            if task["state"] == "failed" || task["state"] == "cancelled" {
                return Err(format!("a task ended {}: {task}", task["state"]));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    Ok(format!(
        "{jobs} | {events} | {wall:.2} | {:.1} | {:.0}",
        jobs as f64 / wall,
        events as f64 / wall
    ))
}

/// The task's run time on the server, from `started_at` to `finished_at`
/// (waiting for its end, for a run without clients).
pub async fn run_time(client: &reqwest::Client, gated: &Gated) -> Result<Duration, String> {
    let mut task = serde_json::Value::Null;
    for _ in 0..3000 {
        task = get_json(client, &gated.status_url).await?;
        if task["finished_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let millis = |key: &str| {
        task[key]
            .as_str()
            .and_then(millis_of_day)
            .ok_or_else(|| format!("no {key} in {task}"))
    };
    let (start, end) = (millis("started_at")?, millis("finished_at")?);
    let day = 86_400_000;
    Ok(Duration::from_millis((end + day - start) % day))
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<serde_json::Value, String> {
    client
        .get(url)
        .send()
        .await
        .map_err(|error| error.to_string())?
        .json()
        .await
        .map_err(|error| error.to_string())
}

/// Milliseconds since midnight of an RFC 3339 UTC time (`...THH:MM:SS.mmmZ`).
fn millis_of_day(time: &str) -> Option<u64> {
    let clock = time.split_once('T')?.1.trim_end_matches('Z');
    let mut parts = clock.split(':');
    let hours: u64 = parts.next()?.parse().ok()?;
    let minutes: u64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    Some((hours * 3600 + minutes * 60) * 1000 + (seconds * 1000.0).round() as u64)
}
