//! Samples a process's resident memory and CPU time from `/proc/<pid>`
//! every 250 ms in the background.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Peak RSS and CPU time used while sampling.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// Largest `VmRSS` seen, in KiB.
    pub peak_rss_kib: u64,
    /// User + system CPU seconds used between start and stop.
    pub cpu_secs: f64,
}

/// A running sampler.
pub struct Sampler {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Usage>,
}

impl Sampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let first_cpu = cpu_ticks(pid).unwrap_or(0);
            let mut usage = Usage::default();
            loop {
                if let Some(rss) = rss_kib(pid) {
                    usage.peak_rss_kib = usage.peak_rss_kib.max(rss);
                }
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(Duration::from_millis(250)) => {}
                }
            }
            let ticks = cpu_ticks(pid)
                .unwrap_or(first_cpu)
                .saturating_sub(first_cpu);
            usage.cpu_secs = ticks as f64 / 100.0;
            usage
        });
        Self { stop, task }
    }

    /// Stops sampling and returns what was seen.
    pub async fn stop(self) -> Usage {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_default()
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// utime + stime in clock ticks (USER_HZ, 100 on Linux).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}
