//! The benchmark's results as a markdown table, with ratios to the baselines
//! measured in the same run.

use crate::clients::Measured;
use crate::latency::Latency;
use crate::memory::Sample;

/// One table over every size: events/s, ratio to the ceiling and to the
/// seed's way, and the main thread's long tasks.
pub fn markdown(rows: &[(u32, Vec<Measured>)]) -> String {
    let mut out = String::from(
        "| events | client | applied | time (ms) | events/s | x ceiling | x seed way | long tasks > 50 ms (longest) |\n\
         | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for (size, measured) in rows {
        let ceiling = measured.first().map(Measured::rate).unwrap_or(f64::NAN);
        let seed = measured.last().map(Measured::rate).unwrap_or(f64::NAN);
        for m in measured {
            let longest = m.long_tasks.iter().copied().fold(0.0_f64, f64::max);
            out.push_str(&format!(
                "| {size} | {} | {}{} | {:.0} | {:.0} | {:.2} | {:.1} | {} ({:.0} ms) |\n",
                m.client,
                m.events,
                if m.truncated {
                    " (stopped at budget)"
                } else {
                    ""
                },
                m.ms,
                m.rate(),
                m.rate() / ceiling,
                m.rate() / seed,
                m.long_tasks.len(),
                longest,
            ));
        }
    }
    out
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

/// Memory at 0, about 10k, 100k and all events, and its range once the log is full.
pub fn memory(samples: &[Sample]) -> String {
    let mut out = String::from(
        "| events applied | JS heap (MiB) | wasm memory (MiB) | total (MiB) |\n| ---: | ---: | ---: | ---: |\n",
    );
    let mut picked: Vec<Sample> = Vec::new();
    for mark in [0, 10_000, 100_000] {
        if let Some(s) = samples.iter().find(|s| s.events >= mark) {
            picked.push(*s);
        }
    }
    if let Some(last) = samples.last() {
        picked.push(*last);
    }
    picked.dedup_by_key(|s| s.events);
    for s in &picked {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            s.events,
            mib(s.js_heap),
            mib(s.wasm),
            mib(s.total())
        ));
    }
    let full: Vec<u64> = samples
        .iter()
        .filter(|s| s.events >= 20_000)
        .map(Sample::total)
        .collect();
    if let (Some(min), Some(max)) = (full.iter().min(), full.iter().max()) {
        out.push_str(&format!(
            "\nOnce the log is full (20 000 events on, {} samples): total between {} and {} MiB.\n",
            full.len(),
            mib(*min),
            mib(*max)
        ));
    }
    out
}
