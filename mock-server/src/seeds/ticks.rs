//! Tick streams: `id: i`, `{"message":"tick i of n (sent 12:34:56.789 UTC)","progress":p}`
//! for i in 1..=count, then `CLOSE`. Computed from the id alone, so any
//! resume point is exact without storing anything: the load source of the
//! benchmarks and the demo's fetch-transport streams.

use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::sse::Event;
use futures_util::stream::{self, Stream};
use sse_task_protocol::ProgressData;

use sse_task_server::http::completion_event;
use sse_task_server::http::{resume_from, ResumeError, ResumeFrom};

/// Most events a tick stream sends.
pub const MAX_TICKS: u64 = 10_000_000;

/// The ticks after `after` (0 for all), `interval` apart, then `CLOSE`.
/// `label` goes in front of each message. The send time (epoch ms with
/// microseconds) lets a page measure send-to-screen latency.
pub fn ticks_after(
    after: u64,
    count: u64,
    interval: Duration,
    label: Option<String>,
) -> impl Stream<Item = Event> {
    let first = after.saturating_add(1);
    stream::unfold(first, move |i| {
        let label = label.clone();
        async move {
            if i > count + 1 {
                return None;
            }
            if i > first && !interval.is_zero() {
                tokio::time::sleep(interval).await;
            }
            if i == count + 1 {
                return Some((completion_event(), i + 1));
            }
            Some((tick_event(i, count, label.as_deref()), i + 1))
        }
    })
}

/// Where a tick stream of `count` resumes for a client that sent these
/// headers: after its `Last-Event-ID` (0 for none); `CLOSE` or an id beyond
/// the end leaves nothing but the end.
pub fn resume_after(headers: &HeaderMap, count: u64) -> Result<u64, ResumeError> {
    Ok(match resume_from(headers, None)? {
        ResumeFrom::Start => 0,
        ResumeFrom::After(after) => after.min(count + 1),
        ResumeFrom::Closed => count + 1,
    })
}

/// Tick `i` of `count`.
pub fn tick_event(i: u64, count: u64, label: Option<&str>) -> Event {
    // The time of day it was sent, to the millisecond: readable, and what
    // the latency benchmark reads back from the page.
    let sent = chrono::Utc::now().format("%H:%M:%S%.3f");
    let progress = (i as f64 * 10_000.0 / count as f64).round() / 100.0;
    let message = match label {
        Some(label) => format!("{label}: tick {i} of {count} (sent {sent} UTC)"),
        None => format!("tick {i} of {count} (sent {sent} UTC)"),
    };
    let data = ProgressData::new(message, Some(progress));
    Event::default().id(i.to_string()).data(data.to_json())
}
