//! The reducer: connection events and messages in, log / progress / status out.
//!
//! Rules (the wire contract the README's "What your server sends" describes):
//! - every message given is applied (the stream layer drops a server's
//!   replays before they get here);
//! - once the status is terminal, nothing more is applied;
//! - completion maxes the bar and asks the caller to close the source for good;
//! - `failed` / `cancelled` events end as failed / stopped with the server's words.

use super::log::{LogLevel, TaskLog};
use super::status::TaskStatus;
use crate::wire::{parse_message_in, MessageReader, ParsedEvent, RawMessage};
use crate::words::{Failure, FailureCode, Labels, Word};

/// Everything about the stream but the log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskMeta {
    /// Percentage done, 0 to 100.
    pub progress: f64,
    /// Where the stream is.
    pub status: TaskStatus,
    /// The id of the last event applied.
    pub last_event_id: Option<String>,
    /// Failed connection attempts in a row (0 while connected).
    pub reconnect_attempts: u32,
}

/// Something that happened to the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionEvent {
    /// A new run starts: the log and progress are reset.
    Starting,
    /// The connection opened (200, `text/event-stream`).
    Opened {
        /// Failed attempts before it: more than 0 ends an outage, which is logged.
        after_failed_attempts: u32,
    },
    /// A message arrived.
    Message(RawMessage),
    /// The server ended the connection as planned: waiting for the next one,
    /// quietly.
    Waiting,
    /// The connection waits for a free one (the browser's limit per server).
    Queued,
    /// Failed attempt number `attempt` (1-based) will be retried.
    Reconnecting {
        /// 1-based attempt number.
        attempt: u32,
        /// Set on the first failed attempt of an outage: logged once.
        outage: Option<Failure>,
    },
    /// The connection brought nothing for `silent_ms` and was closed; the
    /// next one resumes.
    Idle {
        /// How long it was silent, in ms.
        silent_ms: u32,
    },
    /// The server refused the credentials (401 / 403); the page's hook
    /// fetches new ones, then the stream reconnects.
    NewCredentials,
    /// The browser went offline: nothing is attempted until it is back.
    Offline,
    /// The tab is hidden: the stream is paused until it shows again.
    Paused,
    /// The server no longer has the events after the resume point.
    HistoryLost {
        /// How many events are gone, when the server says.
        missing: Option<u64>,
    },
    /// The stream failed for good.
    Failed {
        /// Why.
        failure: Failure,
    },
    /// The user stopped the stream.
    Stopped {
        /// The server is asked to cancel the task (see [`TaskStatus::Stopped`]).
        cancelled: bool,
    },
}

/// What the caller must do after [`apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    /// Nothing special.
    Continue,
    /// The stream ended: close the source and do not reconnect.
    Close,
    /// The event was not applied (it came after the end).
    Ignored,
}

/// Applies `event` to `log` and `meta`, the stream's own lines in `labels`'
/// words. `now_ms` stamps new lines.
pub fn apply(
    log: &mut TaskLog,
    meta: &mut TaskMeta,
    event: ConnectionEvent,
    (reader, labels): (&MessageReader, &Labels),
    now_ms: f64,
) -> Directive {
    if let ConnectionEvent::Starting = event {
        log.clear();
        *meta = TaskMeta {
            status: TaskStatus::Connecting,
            ..TaskMeta::default()
        };
        return Directive::Continue;
    }
    if meta.status.is_terminal() {
        return Directive::Ignored;
    }
    match event {
        ConnectionEvent::Starting => Directive::Continue,
        ConnectionEvent::Opened {
            after_failed_attempts,
        } => {
            meta.status = TaskStatus::Open;
            meta.reconnect_attempts = 0;
            let words = match after_failed_attempts {
                0 => None,
                1 => Some(labels.template(Word::NoticeReconnectedOnce).to_owned()),
                n => Some(labels.say(Word::NoticeReconnected, &[("n", &n.to_string())])),
            };
            if let Some(words) = words {
                log.push(LogLevel::Info, words, None, now_ms);
            }
            Directive::Continue
        }
        ConnectionEvent::Message(raw) => apply_message(log, meta, raw, (reader, labels), now_ms),
        ConnectionEvent::Waiting => {
            meta.status = TaskStatus::Waiting;
            Directive::Continue
        }
        ConnectionEvent::Queued => {
            meta.status = TaskStatus::Queued;
            Directive::Continue
        }
        ConnectionEvent::Reconnecting { attempt, outage } => {
            meta.reconnect_attempts = attempt;
            meta.status = TaskStatus::Reconnecting { attempt };
            if let Some(failure) = outage {
                let reason = labels.failure(&failure);
                let words = labels.say(Word::NoticeConnectionLost, &[("reason", &reason)]);
                log.push(LogLevel::Warning, words, None, now_ms);
            }
            Directive::Continue
        }
        ConnectionEvent::Idle { silent_ms } => {
            let seconds = silent_ms.div_ceil(1000).to_string();
            let words = labels.say(Word::NoticeIdle, &[("seconds", &seconds)]);
            log.push(LogLevel::Warning, words, None, now_ms);
            // Not "waiting for the next connection": the server did not end
            // it, and the next one is being made now.
            meta.status = TaskStatus::Reconnecting { attempt: 0 };
            Directive::Continue
        }
        ConnectionEvent::Offline => {
            if meta.status != TaskStatus::Offline {
                let words = labels.template(Word::NoticeOffline).to_owned();
                log.push(LogLevel::Warning, words, None, now_ms);
            }
            meta.status = TaskStatus::Offline;
            Directive::Continue
        }
        ConnectionEvent::Paused => {
            meta.status = TaskStatus::Paused;
            Directive::Continue
        }
        ConnectionEvent::NewCredentials => {
            let words = labels.template(Word::NoticeNewCredentials).to_owned();
            log.push(LogLevel::Info, words, None, now_ms);
            meta.status = TaskStatus::Connecting;
            Directive::Continue
        }
        ConnectionEvent::HistoryLost { missing } => {
            let words = match missing {
                Some(1) => labels.template(Word::NoticeHistoryLostOne).to_owned(),
                Some(n) => labels.say(Word::NoticeHistoryLost, &[("n", &n.to_string())]),
                None => labels.template(Word::NoticeHistoryLostSome).to_owned(),
            };
            log.push(LogLevel::Warning, words, None, now_ms);
            Directive::Continue
        }
        ConnectionEvent::Failed { failure } => {
            meta.status = TaskStatus::Failed { failure };
            log.push(LogLevel::Error, meta.status.words(labels), None, now_ms);
            Directive::Close
        }
        ConnectionEvent::Stopped { cancelled } => {
            let words = labels.template(Word::NoticeInterrupted).to_owned();
            log.push(LogLevel::Info, words, None, now_ms);
            meta.status = TaskStatus::Stopped { cancelled };
            Directive::Close
        }
    }
}

fn apply_message(
    log: &mut TaskLog,
    meta: &mut TaskMeta,
    mut raw: RawMessage,
    (reader, labels): (&MessageReader, &Labels),
    now_ms: f64,
) -> Directive {
    if !meta.status.is_terminal() {
        meta.status = TaskStatus::Open;
    }
    let parsed = parse_message_in(&raw, reader, labels);
    // The message's own id moves to the log line; the meta keeps a copy.
    let event_id = (!raw.last_event_id.is_empty()).then(|| std::mem::take(&mut raw.last_event_id));
    if let Some(id) = &event_id {
        match meta.last_event_id.as_mut() {
            Some(last) => id.clone_into(last),
            None => meta.last_event_id = Some(id.clone()),
        }
    }
    match parsed {
        ParsedEvent::Progress { message, progress } => {
            if let Some(message) = message {
                log.push(LogLevel::Info, message, event_id, now_ms);
            }
            if let Some(progress) = progress {
                meta.progress = progress.clamp(0.0, 100.0);
            }
            Directive::Continue
        }
        ParsedEvent::Text(text) => {
            log.push(LogLevel::Info, text, event_id, now_ms);
            Directive::Continue
        }
        ParsedEvent::Malformed(text) => {
            let words = labels.say(Word::NoticeMalformed, &[("text", &text)]);
            log.push(LogLevel::Warning, words, event_id, now_ms);
            Directive::Continue
        }
        ParsedEvent::Completed { message } => {
            if let Some(message) = message {
                log.push(LogLevel::Info, message, event_id.clone(), now_ms);
            }
            let words = labels.template(Word::NoticeComplete).to_owned();
            log.push(LogLevel::Info, words, event_id, now_ms);
            meta.progress = 100.0;
            meta.status = TaskStatus::Completed;
            Directive::Close
        }
        ParsedEvent::Failed { message } => {
            log.push(LogLevel::Error, message.clone(), event_id, now_ms);
            meta.status = TaskStatus::Failed {
                failure: Failure::new(FailureCode::TaskFailed, [message]),
            };
            Directive::Close
        }
        ParsedEvent::Cancelled { message } => {
            log.push(LogLevel::Warning, message, event_id, now_ms);
            meta.status = TaskStatus::Stopped { cancelled: true };
            Directive::Close
        }
    }
}

#[cfg(test)]
/// The log and the meta together, for the tests of the rules.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskState {
    /// The bounded log.
    pub log: TaskLog,
    /// Progress, status and ids.
    pub meta: TaskMeta,
}

#[cfg(test)]
impl TaskState {
    /// A state whose log keeps `capacity` lines.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            log: TaskLog::with_capacity(capacity),
            meta: TaskMeta::default(),
        }
    }

    /// [`apply`] with the default reader and time 0.
    pub fn apply(&mut self, event: ConnectionEvent) -> Directive {
        apply(
            &mut self.log,
            &mut self.meta,
            event,
            (&MessageReader::Json, &Labels::english()),
            0.0,
        )
    }

    /// The texts of the kept lines.
    pub fn texts(&self) -> Vec<&str> {
        self.log.lines().map(|line| line.text.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(i: u32, steps: u32) -> ConnectionEvent {
        ConnectionEvent::Message(RawMessage::message(
            format!(
                r#"{{"message":"step {i} of {steps}","progress":{}}}"#,
                i * 100 / steps
            ),
            i.to_string(),
        ))
    }

    fn close() -> ConnectionEvent {
        ConnectionEvent::Message(RawMessage::message(
            r#"{"message":"Process complete"}"#,
            "CLOSE",
        ))
    }

    fn started() -> TaskState {
        let mut state = TaskState::default();
        state.apply(ConnectionEvent::Starting);
        state.apply(ConnectionEvent::Opened {
            after_failed_attempts: 0,
        });
        state
    }

    #[test]
    fn planned_ends_are_quiet_and_an_outage_is_two_lines_whatever_its_length() {
        let mut state = started();
        state.apply(progress(1, 4));
        for _ in 0..30 {
            state.apply(ConnectionEvent::Waiting);
            assert_eq!(state.meta.status, TaskStatus::Waiting);
            state.apply(ConnectionEvent::Opened {
                after_failed_attempts: 0,
            });
        }
        assert_eq!(state.texts(), ["step 1 of 4"]);
        state.apply(ConnectionEvent::Reconnecting {
            attempt: 1,
            outage: Some(Failure::plain(FailureCode::Unreachable)),
        });
        for attempt in 2..=5 {
            state.apply(ConnectionEvent::Reconnecting {
                attempt,
                outage: None,
            });
        }
        assert_eq!(state.meta.status, TaskStatus::Reconnecting { attempt: 5 });
        state.apply(ConnectionEvent::Opened {
            after_failed_attempts: 5,
        });
        state.apply(progress(2, 4));
        assert_eq!(
            state.texts(),
            [
                "step 1 of 4",
                "Connection lost: cannot reach the server (it is down, or it refused the \
                 connection); reconnecting",
                "Reconnected after 5 failed attempts",
                "step 2 of 4"
            ]
        );
        assert_eq!(state.meta.reconnect_attempts, 0);
    }

    #[test]
    fn a_task_runs_to_completion_with_every_line_in_order() {
        let mut state = started();
        for i in 1..=4 {
            assert_eq!(state.apply(progress(i, 4)), Directive::Continue);
        }
        assert_eq!(state.meta.progress, 100.0);
        assert_eq!(state.apply(close()), Directive::Close);
        assert_eq!(state.meta.status, TaskStatus::Completed);
        assert_eq!(
            state.texts(),
            [
                "step 1 of 4",
                "step 2 of 4",
                "step 3 of 4",
                "step 4 of 4",
                "Process complete",
                "Stream closed: task complete"
            ]
        );
        assert_eq!(state.meta.last_event_id.as_deref(), Some("CLOSE"));
    }

    #[test]
    fn a_silent_connection_closed_says_it_is_reconnecting_not_waiting() {
        let mut state = started();
        state.apply(progress(1, 4));
        state.apply(ConnectionEvent::Idle { silent_ms: 45_000 });
        assert_eq!(state.meta.status, TaskStatus::Reconnecting { attempt: 0 });
        assert_eq!(state.meta.status.label(), "Reconnecting…");
        assert_eq!(
            state.texts().last().copied(),
            Some("No data for 45 s: the connection is closed and resumed")
        );
    }

    #[test]
    fn stop_logs_interrupted_and_applies_nothing_later() {
        let mut state = started();
        state.apply(progress(1, 4));
        let stop = ConnectionEvent::Stopped { cancelled: false };
        assert_eq!(state.apply(stop), Directive::Close);
        assert_eq!(state.apply(progress(2, 4)), Directive::Ignored);
        assert_eq!(state.texts(), ["step 1 of 4", "Interrupted"]);
        assert_eq!(state.meta.status, TaskStatus::Stopped { cancelled: false });
        assert_eq!(state.meta.progress, 25.0);
    }

    #[test]
    fn server_failure_and_cancel_end_with_the_servers_words() {
        let mut state = started();
        let failed = RawMessage {
            event_type: "failed".into(),
            data: r#"{"message":"step 2 of 4 failed","progress":50}"#.into(),
            last_event_id: "2".into(),
        };
        assert_eq!(
            state.apply(ConnectionEvent::Message(failed)),
            Directive::Close
        );
        assert_eq!(
            state.meta.status,
            TaskStatus::Failed {
                failure: Failure::new(FailureCode::TaskFailed, ["step 2 of 4 failed".into()])
            }
        );
        let mut state = started();
        let cancelled = RawMessage {
            event_type: "cancelled".into(),
            data: r#"{"message":"cancelled at step 1 of 4","progress":25}"#.into(),
            last_event_id: "2".into(),
        };
        assert_eq!(
            state.apply(ConnectionEvent::Message(cancelled)),
            Directive::Close
        );
        assert_eq!(state.meta.status, TaskStatus::Stopped { cancelled: true });
    }

    #[test]
    fn malformed_json_is_a_warning_and_the_stream_goes_on() {
        let mut state = started();
        state.apply(ConnectionEvent::Message(RawMessage::message(
            r#"{"message": "<b>"#,
            "1",
        )));
        state.apply(progress(2, 4));
        let first = state.log.lines().next().unwrap();
        assert_eq!(first.level, crate::state::LogLevel::Warning);
        assert_eq!(first.text, r#"Malformed JSON: {"message": "<b>"#);
        assert_eq!(state.meta.status, TaskStatus::Open);
        assert_eq!(state.meta.progress, 50.0);
    }

    #[test]
    fn progress_is_clamped_and_openacs_close_completes() {
        let mut state = started();
        state.apply(ConnectionEvent::Message(RawMessage::message(
            r#"{"message":"x","progress":250}"#,
            "",
        )));
        assert_eq!(state.meta.progress, 100.0);
        state.apply(ConnectionEvent::Message(RawMessage::message(
            r#"{"message":"y","progress":-5}"#,
            "",
        )));
        assert_eq!(state.meta.progress, 0.0);
        assert_eq!(
            state.apply(ConnectionEvent::Message(RawMessage::message(
                "__CLOSE_SSE__",
                ""
            ))),
            Directive::Close
        );
        assert_eq!(state.meta.status, TaskStatus::Completed);
        assert_eq!(state.meta.progress, 100.0);
    }

    #[test]
    fn the_log_stays_bounded_under_a_flood() {
        let mut state = TaskState::with_capacity(100);
        state.apply(ConnectionEvent::Starting);
        for i in 1..=10_000 {
            state.apply(progress(i, 10_000));
        }
        assert_eq!(state.log.len(), 100);
        assert_eq!(state.log.dropped(), 9_900);
        assert_eq!(state.log.last().unwrap().text, "step 10000 of 10000");
    }

    #[test]
    fn starting_again_resets_log_progress_and_ids() {
        let mut state = started();
        state.apply(progress(3, 4));
        state.apply(ConnectionEvent::Stopped { cancelled: true });
        state.apply(ConnectionEvent::Starting);
        assert!(state.log.is_empty());
        assert_eq!(state.meta.progress, 0.0);
        assert_eq!(state.meta.last_event_id, None);
        assert_eq!(state.meta.status, TaskStatus::Connecting);
        assert_eq!(state.apply(progress(1, 4)), Directive::Continue);
    }
}
