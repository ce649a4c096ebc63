//! The benchmark's results as a markdown table, with ratios to the baselines
//! measured in the same run.

use crate::clients::Measured;
use crate::latency::Latency;
use crate::memory::Sample;

/// One table over every size: events/s, ratio to the ceiling and to the
/// seed's way, the main thread's long tasks, and what ran in the longest
/// frames.
pub fn markdown(rows: &[(String, Vec<Measured>)]) -> String {
    let mut out = String::from(
        "| events (stream) | client | applied | time (ms): median (every run) | events/s | x ceiling | x seed way | long tasks > 50 ms (longest) | in one long frame: most `EventSource` dispatch / most other script (ms) |\n\
         | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n",
    );
    for (size, measured) in rows {
        let ceiling = measured.first().map(Measured::rate).unwrap_or(f64::NAN);
        let seed = measured.last().map(Measured::rate).unwrap_or(f64::NAN);
        for m in measured {
            let longest = m.long_tasks.iter().copied().fold(0.0_f64, f64::max);
            out.push_str(&format!(
                "| {size} | {} | {}{} | {:.0}{} | {:.0} | {:.2} | {:.1} | {} ({:.0} ms) | {:.0} / {:.0} |\n",
                m.client,
                m.events,
                if m.truncated {
                    " (stopped at budget)"
                } else {
                    ""
                },
                m.ms,
                runs(&m.all_ms),
                m.rate(),
                m.rate() / ceiling,
                m.rate() / seed,
                m.long_tasks.len(),
                longest,
                m.frames.dispatch_ms,
                m.frames.other_ms,
            ));
        }
    }
    out
}

/// Per stream: each peer and each of ours against the fastest peer, the
/// fetch counting limit and the bare `EventSource` counter of the same run.
pub fn peers(rows: &[(String, Vec<Measured>)]) -> String {
    use crate::clients::{FETCH_LIMIT, PEERS};
    let mut out = String::from(
        "| events (stream) | client | events/s | x fastest peer | x fetch counting limit | x bare `EventSource` counter | long tasks > 50 ms (longest) |\n\
         | ---: | --- | ---: | ---: | ---: | ---: | --- |\n",
    );
    for (size, measured) in rows {
        let rate_of = |client: &str| {
            measured
                .iter()
                .find(|m| m.client == client)
                .map_or(f64::NAN, Measured::rate)
        };
        let fastest = PEERS
            .iter()
            .map(|peer| rate_of(peer.client))
            .fold(f64::NAN, f64::max);
        let (limit, ceiling) = (rate_of(FETCH_LIMIT.client), measured[0].rate());
        let compared = measured
            .iter()
            .filter(|m| !m.client.starts_with("seed") && m.client != measured[0].client);
        for m in compared {
            let longest = m.long_tasks.iter().copied().fold(0.0_f64, f64::max);
            out.push_str(&format!(
                "| {size} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} ({:.0} ms) |\n",
                m.client,
                m.rate(),
                m.rate() / fastest,
                m.rate() / limit,
                m.rate() / ceiling,
                m.long_tasks.len(),
                longest,
            ));
        }
    }
    out
}

/// Every run's time, ` (a, b, c)`, when there were several.
fn runs(all_ms: &[f64]) -> String {
    if all_ms.len() < 2 {
        return String::new();
    }
    let list: Vec<String> = all_ms.iter().map(|ms| format!("{ms:.0}")).collect();
    format!(" ({})", list.join(", "))
}

/// p50, p99 and max latency per client.
pub fn latency(measured: &[Latency]) -> String {
    let mut out = String::from(
        "| client | events | events/s | p50 (ms) | p99 (ms) | max (ms) |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for m in measured {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |\n",
            m.client,
            m.samples.len(),
            m.rate,
            m.quantile(0.5),
            m.quantile(0.99),
            m.quantile(1.0),
        ));
    }
    out
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_048_576.0)
}

/// Per size: memory before, at the end, and the most seen while streaming.
pub fn memory(runs: &[(u64, Vec<Sample>)]) -> String {
    let mut out = String::from(
        "| events | before (MiB) | after: JS heap (MiB) | after: wasm (MiB) | after: total (MiB) | most seen (MiB) |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (size, samples) in runs {
        let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
            continue;
        };
        let most = samples.iter().map(Sample::total).max().unwrap_or(0);
        out.push_str(&format!(
            "| {size} | {} | {} | {} | {} | {} |\n",
            mib(first.total()),
            mib(last.js_heap),
            mib(last.wasm),
            mib(last.total()),
            mib(most)
        ));
    }
    out
}
