//! One stream cursor for both kinds of stream: a task's events and the feed
//! of every task, on any store (each implements [`Source`]). Recent frames
//! come from the source's in-memory tail as ready-made bytes (shared by
//! every stream, no copy); a cursor older than the tail reads a page of
//! stored events from the store. Each stream
//! keeps only its cursor and at most one page, so a client that stops
//! reading costs no more and never holds back a job or other clients; while
//! a task at interval 0 runs flat out, each chunk waits its turn
//! (`jobs_first.rs`).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use sse_task_protocol::retry_frame;
use tokio::sync::watch;

use super::feed::Feed;
use super::jobs_first::JobsFirst;
use super::streams_read::Read;
use super::tail::TailRead;

/// Events sent in one chunk at most.
const PAGE: usize = 1024;

/// Where a cursor reads: a tail, the store behind it, a watch of its newest seq.
pub trait Source: Send + 'static {
    /// What the tail has after `after`, at most `limit` events.
    fn read_after(&self, after: u64, limit: usize) -> Read;
    /// Stored events after `after` up to `up_to`, at most `limit`,
    /// encoded, and the seq the cursor moves to; `None` ends the stream.
    fn read_stored(
        &self,
        after: u64,
        up_to: u64,
        limit: usize,
    ) -> impl Future<Output = Option<(Bytes, u64)>> + Send;
}

/// How one stream runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct StreamOptions {
    /// Send the events with a seq above this.
    pub after: u64,
    /// The `retry:` frame to send first.
    pub retry: Option<Duration>,
}

struct Cursor<S> {
    source: S,
    jobs_first: Arc<JobsFirst>,
    changes: watch::Receiver<u64>,
    after: u64,
    done: bool,
}

/// The stream of `source`'s frames after `options.after`, preceded by
/// `prelude` (the `retry:` frame, then e.g. a snapshot), each chunk waiting
/// its turn behind flat-out jobs.
pub fn stream_of<S: Source>(
    source: S,
    changes: watch::Receiver<u64>,
    jobs_first: Arc<JobsFirst>,
    options: StreamOptions,
    prelude: Bytes,
) -> impl Stream<Item = Bytes> {
    let cursor = Cursor {
        source,
        jobs_first,
        changes,
        after: options.after,
        done: false,
    };
    let retry = options
        .retry
        .map(|retry| Bytes::from(retry_frame(retry.as_millis())));
    stream::iter(retry.into_iter().chain([prelude]))
        .filter(|bytes| std::future::ready(!bytes.is_empty()))
        .chain(stream::unfold(cursor, next_chunk))
}

async fn next_chunk<S: Source>(mut cursor: Cursor<S>) -> Option<(Bytes, Cursor<S>)> {
    loop {
        if cursor.done {
            return None;
        }
        cursor.jobs_first.turn().await;
        cursor.changes.borrow_and_update();
        let (bytes, last) = match cursor.source.read_after(cursor.after, PAGE) {
            Read::Frames(bytes, last) => (bytes, last),
            Read::Older { up_to } => cursor.source.read_stored(cursor.after, up_to, PAGE).await?,
            Read::Ended(last_frame) => {
                cursor.done = true;
                return last_frame.map(|frame| (frame, cursor));
            }
            Read::Waiting => {
                if cursor.changes.changed().await.is_err() {
                    return None;
                }
                continue;
            }
        };
        cursor.after = last;
        if bytes.is_empty() {
            // Nothing of this stream's in what was looked at (a user's feed).
            continue;
        }
        return Some((bytes, cursor));
    }
}

/// What the feed's tail has after `after`, at most `limit` rows (only
/// `owner`'s tasks' when given).
pub fn feed_tail(feed: &Feed, after: u64, limit: usize, owner: Option<&str>) -> Read {
    match feed.after(after, limit, owner) {
        Ok(TailRead::Frames(bytes, last)) => Read::Frames(bytes, last),
        Ok(TailRead::Older) => Read::Older {
            up_to: feed.newest(),
        },
        Ok(TailRead::UpToDate) => Read::Waiting,
        Err(error) => {
            tracing::error!(%error, "cannot read the feed");
            Read::Ended(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    /// Events `1..=newest`: those from `tail_from` on in the tail as `[n]`,
    /// every one in the store as `(n)`; ended once `ended`.
    struct Events {
        tail_from: u64,
        newest: u64,
        ended: bool,
    }

    fn frames(range: std::ops::RangeInclusive<u64>, stored: bool) -> Bytes {
        let text: String = range
            .map(|seq| {
                if stored {
                    format!("({seq})")
                } else {
                    format!("[{seq}]")
                }
            })
            .collect();
        text.into()
    }

    impl Source for Events {
        fn read_after(&self, after: u64, limit: usize) -> Read {
            if after >= self.newest {
                return if self.ended {
                    Read::Ended(None)
                } else {
                    Read::Waiting
                };
            }
            if after + 1 < self.tail_from {
                return Read::Older { up_to: self.newest };
            }
            let last = self.newest.min(after + limit as u64);
            Read::Frames(frames(after + 1..=last, false), last)
        }

        async fn read_stored(&self, after: u64, up_to: u64, limit: usize) -> Option<(Bytes, u64)> {
            let last = up_to.min(after + limit as u64);
            Some((frames(after + 1..=last, true), last))
        }
    }

    async fn read_all(source: Events, after: u64) -> String {
        let (_changes, watching) = watch::channel(source.newest);
        let options = StreamOptions {
            after,
            retry: Some(Duration::from_millis(1500)),
        };
        let chunks: Vec<Bytes> = stream_of(
            source,
            watching,
            JobsFirst::new(Duration::ZERO),
            options,
            Bytes::from_static(b"<prelude>"),
        )
        .collect()
        .await;
        chunks
            .iter()
            .map(|chunk| String::from_utf8(chunk.to_vec()).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_cursor_behind_the_tail_reads_the_store_then_the_tail_then_ends() {
        let ended = |tail_from| Events {
            tail_from,
            newest: 5,
            ended: true,
        };
        assert_eq!(
            read_all(ended(1), 0).await,
            "retry: 1500\n\n<prelude>[1][2][3][4][5]"
        );
        assert_eq!(
            read_all(ended(4), 0).await,
            "retry: 1500\n\n<prelude>(1)(2)(3)(4)(5)"
        );
        assert_eq!(
            read_all(ended(4), 3).await,
            "retry: 1500\n\n<prelude>[4][5]"
        );
        assert_eq!(read_all(ended(4), 5).await, "retry: 1500\n\n<prelude>");
    }
}
