//! Metrics for whoever runs the server, as Prometheus text at
//! `GET {base}/metrics` (with [`TaskServerConfig::metrics`]): this node's
//! tasks by state, its open streams, the events it stored, how long its
//! writes took, the tasks waiting for a worker. They live on a recorder of
//! the server's own (`metrics-exporter-prometheus`), not the process's
//! global one, so an app's own metrics are untouched; every series carries
//! the `node` label.
//!
//! [`TaskServerConfig::metrics`]: crate::TaskServerConfig::metrics

use axum::body::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use metrics::{Gauge, Key, Label, Recorder};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use sse_task_protocol::TaskState;

use crate::tasks::WriteObserver;

/// Upper bounds of the write-latency histogram's buckets, in seconds.
const WRITE_BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The states a task can be in, as the `state` label says them.
const STATES: [TaskState; 5] = [
    TaskState::Queued,
    TaskState::Running,
    TaskState::Completed,
    TaskState::Failed,
    TaskState::Cancelled,
];

/// What kind of stream is open.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StreamKind {
    /// A task's own stream.
    Task,
    /// The feed of every task (a dashboard).
    Feed,
}

/// This node's metrics.
pub(crate) struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Metrics {
    /// Metrics of the node named `node`.
    pub(crate) fn new(node: &str) -> Self {
        let builder = PrometheusBuilder::new()
            .add_global_label("node", node)
            .set_buckets_for_metric(
                Matcher::Full("sse_task_write_seconds".into()),
                &WRITE_BUCKETS,
            );
        // Buckets are only refused when empty.
        let builder = builder.unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        Self { recorder, handle }
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>) -> Gauge {
        let key = Key::from_parts(name, labels);
        self.recorder.register_gauge(&key, &metadata())
    }

    /// `stream` counted as an open stream of `kind` when there are metrics.
    pub(crate) fn count(
        metrics: Option<&Self>,
        kind: StreamKind,
        stream: BoxStream<'static, Bytes>,
    ) -> BoxStream<'static, Bytes> {
        match metrics {
            Some(metrics) => metrics.counted(kind, stream).boxed(),
            None => stream,
        }
    }

    /// What the writer reports to.
    pub(crate) fn write_observer(&self) -> WriteObserver {
        let events = Key::from_name("sse_task_events_stored_total");
        let seconds = Key::from_name("sse_task_write_seconds");
        WriteObserver {
            events_stored: self.recorder.register_counter(&events, &metadata()),
            write_seconds: self.recorder.register_histogram(&seconds, &metadata()),
        }
    }

    /// `stream`, counted in the open streams of `kind` while it lives.
    fn counted<S>(&self, kind: StreamKind, stream: S) -> impl Stream<Item = S::Item> + Send
    where
        S: Stream + Send,
    {
        let name = match kind {
            StreamKind::Task => "task",
            StreamKind::Feed => "feed",
        };
        let open = self.gauge("sse_task_open_streams", vec![Label::new("kind", name)]);
        open.increment(1.0);
        let guard = OpenStream(open);
        stream.map(move |item| {
            let _ = &guard;
            item
        })
    }

    /// The Prometheus text, with the tasks by state (`states`: the state
    /// of every task this node sees) as of now.
    pub(crate) fn render(&self, states: impl Iterator<Item = TaskState>) -> String {
        let mut counts = [0usize; STATES.len()];
        for state in states {
            if let Some(at) = STATES.iter().position(|known| *known == state) {
                counts[at] += 1;
            }
        }
        for (state, count) in STATES.iter().zip(counts) {
            let label = vec![Label::new("state", state.as_str())];
            self.gauge("sse_task_tasks", label).set(count as f64);
        }
        let waiting = counts[0] as f64;
        self.gauge("sse_task_queue_depth", Vec::new()).set(waiting);
        self.handle.render()
    }
}

/// This machine's name and this process's id: the `node` label.
pub(crate) fn node_name() -> String {
    let mut name = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into the buffer it is given.
    let host = if unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) } == 0 {
        let end = name
            .iter()
            .position(|byte| *byte == 0)
            .unwrap_or(name.len());
        String::from_utf8_lossy(&name[..end]).into_owned()
    } else {
        "localhost".to_owned()
    };
    format!("{host}:{}", std::process::id())
}

fn metadata() -> metrics::Metadata<'static> {
    metrics::Metadata::new(module_path!(), metrics::Level::INFO, None)
}

/// Counts one open stream until it is dropped.
struct OpenStream(Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
