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
use crate::wire::{parse_message, MessageReader, ParsedEvent, RawMessage};

/// The line logged when the user stops the stream.
pub const INTERRUPTED: &str = "Interrupted";
/// The line logged after the completion message.
pub const CLOSED_COMPLETE: &str = "Stream closed: task complete";
/// The start of the one warning logged when an outage starts.
pub const CONNECTION_LOST: &str = "Connection lost";
/// The start of the one line logged when an outage ends.
pub const RECONNECTED: &str = "Reconnected";
/// The start of the warning logged when a silent connection is closed.
pub const NO_DATA: &str = "No data for";
/// The line logged when the server refused the credentials and the page's
/// hook is asked for new ones (the fetch transport's `on_unauthorized`).
pub const NEW_CREDENTIALS: &str =
    "The server refused the credentials: asking for new ones and reconnecting";
/// The start of the line logged when the browser goes offline.
pub const OFFLINE: &str = "Offline";
/// The end of the warning logged when the history to resume from is gone.
pub const HISTORY_LOST: &str = "no longer on the server";
/// The reason a stream fails when a resumed connection started the job over.
pub const STARTED_OVER: &str =
    "the server started the job over instead of resuming: not reconnecting, so it does not run twice";
/// The reason a stream that must not reconnect after data fails when its
/// connection ends.
pub const NOT_RESUMED: &str = "the connection ended and this source does not resume \
     (reconnect_after_data is off): not reconnecting, so the job does not run twice";

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
    /// Failed attempt number `attempt` (1-based) will be retried.
    Reconnecting {
        /// 1-based attempt number.
        attempt: u32,
        /// Set on the first failed attempt of an outage: logged once.
        outage_reason: Option<String>,
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
        reason: String,
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

/// Applies `event` to `log` and `meta`. `now_ms` stamps new lines.
pub fn apply(
    log: &mut TaskLog,
    meta: &mut TaskMeta,
    event: ConnectionEvent,
    reader: &MessageReader,
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
            if after_failed_attempts > 0 {
                let tries = if after_failed_attempts == 1 {
                    "1 failed attempt".to_owned()
                } else {
                    format!("{after_failed_attempts} failed attempts")
                };
                log.push(
                    LogLevel::Info,
                    format!("{RECONNECTED} after {tries}"),
                    None,
                    now_ms,
                );
            }
            Directive::Continue
        }
        ConnectionEvent::Message(raw) => apply_message(log, meta, raw, reader, now_ms),
        ConnectionEvent::Waiting => {
            meta.status = TaskStatus::Waiting;
            Directive::Continue
        }
        ConnectionEvent::Reconnecting {
            attempt,
            outage_reason,
        } => {
            meta.reconnect_attempts = attempt;
            meta.status = TaskStatus::Reconnecting { attempt };
            if let Some(reason) = outage_reason {
                log.push(
                    LogLevel::Warning,
                    format!("{CONNECTION_LOST}: {reason}; reconnecting"),
                    None,
                    now_ms,
                );
            }
            Directive::Continue
        }
        ConnectionEvent::Idle { silent_ms } => {
            let secs = silent_ms.div_ceil(1000);
            log.push(
                LogLevel::Warning,
                format!("{NO_DATA} {secs} s: the connection is closed and resumed"),
                None,
                now_ms,
            );
            meta.status = TaskStatus::Waiting;
            Directive::Continue
        }
        ConnectionEvent::Offline => {
            if meta.status != TaskStatus::Offline {
                log.push(
                    LogLevel::Warning,
                    format!("{OFFLINE}: the stream resumes when the network is back"),
                    None,
                    now_ms,
                );
            }
            meta.status = TaskStatus::Offline;
            Directive::Continue
        }
        ConnectionEvent::Paused => {
            meta.status = TaskStatus::Paused;
            Directive::Continue
        }
        ConnectionEvent::NewCredentials => {
            log.push(LogLevel::Info, NEW_CREDENTIALS, None, now_ms);
            meta.status = TaskStatus::Connecting;
            Directive::Continue
        }
        ConnectionEvent::HistoryLost { missing } => {
            let what = match missing {
                Some(1) => "1 earlier event is".to_owned(),
                Some(n) => format!("{n} earlier events are"),
                None => "Earlier events are".to_owned(),
            };
            log.push(
                LogLevel::Warning,
                format!("{what} {HISTORY_LOST}: the log misses them"),
                None,
                now_ms,
            );
            Directive::Continue
        }
        ConnectionEvent::Failed { reason } => {
            log.push(LogLevel::Error, format!("Failed: {reason}"), None, now_ms);
            meta.status = TaskStatus::Failed { reason };
            Directive::Close
        }
        ConnectionEvent::Stopped { cancelled } => {
            log.push(LogLevel::Info, INTERRUPTED, None, now_ms);
            meta.status = TaskStatus::Stopped { cancelled };
            Directive::Close
        }
    }
}

fn apply_message(
    log: &mut TaskLog,
    meta: &mut TaskMeta,
    mut raw: RawMessage,
    reader: &MessageReader,
    now_ms: f64,
) -> Directive {
    if !meta.status.is_terminal() {
        meta.status = TaskStatus::Open;
    }
    let parsed = parse_message(&raw, reader);
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
            log.push(
                LogLevel::Warning,
                format!("Malformed JSON: {text}"),
                event_id,
                now_ms,
            );
            Directive::Continue
        }
        ParsedEvent::Completed { message } => {
            if let Some(message) = message {
                log.push(LogLevel::Info, message, event_id.clone(), now_ms);
            }
            log.push(LogLevel::Info, CLOSED_COMPLETE, event_id, now_ms);
            meta.progress = 100.0;
            meta.status = TaskStatus::Completed;
            Directive::Close
        }
        ParsedEvent::Failed { message } => {
            log.push(LogLevel::Error, message.clone(), event_id, now_ms);
            meta.status = TaskStatus::Failed { reason: message };
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
            &MessageReader::Json,
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
            outage_reason: Some("cannot reach the server".into()),
        });
        for attempt in 2..=5 {
            state.apply(ConnectionEvent::Reconnecting {
                attempt,
                outage_reason: None,
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
                "Connection lost: cannot reach the server; reconnecting",
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
                CLOSED_COMPLETE
            ]
        );
        assert_eq!(state.meta.last_event_id.as_deref(), Some("CLOSE"));
    }

    #[test]
    fn stop_logs_interrupted_and_applies_nothing_later() {
        let mut state = started();
        state.apply(progress(1, 4));
        let stop = ConnectionEvent::Stopped { cancelled: false };
        assert_eq!(state.apply(stop), Directive::Close);
        assert_eq!(state.apply(progress(2, 4)), Directive::Ignored);
        assert_eq!(state.texts(), ["step 1 of 4", INTERRUPTED]);
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
                reason: "step 2 of 4 failed".into()
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
