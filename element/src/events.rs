//! The DOM events the element dispatches, and when: pure rules (which
//! status change is which event, which log lines are new) tested natively,
//! and [`dispatch`], which sends one as a bubbling, composed `CustomEvent`.

use js_sys::{Object, Reflect};
use sse_task_progress::{model::LogLine, model::TaskLog, Labels, TaskStatus};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

/// A value in an event's `detail`.
#[derive(Debug, Clone, PartialEq)]
pub enum DetailValue {
    /// A string.
    Text(String),
    /// A number.
    Number(f64),
    /// `null` (no event id yet).
    Null,
    /// `true` or `false`.
    Flag(bool),
}

impl From<Option<String>> for DetailValue {
    fn from(text: Option<String>) -> Self {
        text.map_or(Self::Null, Self::Text)
    }
}

/// One event for the page's scripts.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementEvent {
    /// `task-started`: Start was pressed (or `start()` called).
    Started,
    /// `task-line`: a line was added to the log.
    Line {
        /// The line's text.
        text: String,
        /// `info`, `warning` or `error`.
        level: &'static str,
        /// Id of the event it came from.
        event_id: Option<String>,
    },
    /// `task-progress`: the percentage changed.
    Progress {
        /// 0..=100.
        progress: f64,
    },
    /// `task-completed`: the task finished.
    Completed {
        /// Id of the last event applied.
        last_event_id: Option<String>,
    },
    /// `task-failed`: the task or the connection failed for good.
    Failed {
        /// What kind of failure (`unreachable`, `http-status`, ...): the
        /// failure's code, for a page to act on.
        code: &'static str,
        /// Why, in the element's words.
        reason: String,
        /// Id of the last event applied.
        last_event_id: Option<String>,
    },
    /// `task-stopped`: stopped by the user, or cancelled on the server.
    Stopped {
        /// Id of the last event applied.
        last_event_id: Option<String>,
        /// The task was cancelled (or asked to be); false when only the
        /// watching stopped (a `src` stream URL: the task may go on).
        cancelled: bool,
    },
}

impl ElementEvent {
    /// The event's type, as `addEventListener` takes it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Started => "task-started",
            Self::Line { .. } => "task-line",
            Self::Progress { .. } => "task-progress",
            Self::Completed { .. } => "task-completed",
            Self::Failed { .. } => "task-failed",
            Self::Stopped { .. } => "task-stopped",
        }
    }

    /// The event's `detail`: its fields, in order.
    pub fn detail(&self) -> Vec<(&'static str, DetailValue)> {
        use DetailValue::{Number, Text};
        match self {
            Self::Started => vec![],
            Self::Line {
                text,
                level,
                event_id,
            } => vec![
                ("text", Text(text.clone())),
                ("level", Text((*level).to_owned())),
                ("eventId", event_id.clone().into()),
            ],
            Self::Progress { progress } => vec![("progress", Number(*progress))],
            Self::Completed { last_event_id } => {
                vec![("lastEventId", last_event_id.clone().into())]
            }
            Self::Stopped {
                last_event_id,
                cancelled,
            } => vec![
                ("lastEventId", last_event_id.clone().into()),
                ("cancelled", DetailValue::Flag(*cancelled)),
            ],
            Self::Failed {
                code,
                reason,
                last_event_id,
            } => vec![
                ("code", Text((*code).to_owned())),
                ("reason", Text(reason.clone())),
                ("lastEventId", last_event_id.clone().into()),
            ],
        }
    }

    /// A `task-line` event for `line`.
    pub fn line(line: &LogLine) -> Self {
        Self::Line {
            text: line.text.clone(),
            level: line.level.as_str(),
            event_id: line.event_id.clone(),
        }
    }
}

/// The events a status change is: `started` when a stream begins, and one
/// of `completed`, `failed`, `stopped` when it ends. A run that began and
/// ended between two looks (a fast failure) is both, in that order. A
/// failure's reason is in `labels`' words.
pub fn status_events(
    previous: &TaskStatus,
    next: &TaskStatus,
    last_event_id: Option<String>,
    labels: &Labels,
) -> Vec<ElementEvent> {
    let mut events = Vec::new();
    if previous == next || *next == TaskStatus::Idle {
        return events;
    }
    if !previous.is_active() {
        events.push(ElementEvent::Started);
    }
    match next {
        TaskStatus::Completed => events.push(ElementEvent::Completed { last_event_id }),
        TaskStatus::Failed { failure } => events.push(ElementEvent::Failed {
            code: failure.code.name(),
            reason: labels.failure(failure),
            last_event_id,
        }),
        TaskStatus::Stopped { cancelled } => events.push(ElementEvent::Stopped {
            last_event_id,
            cancelled: *cancelled,
        }),
        _ => {}
    }
    events
}

/// Which of the log's lines the page has not been told of yet.
#[derive(Debug, Default)]
pub struct LineCursor {
    next_key: u64,
}

impl LineCursor {
    /// The lines added since the last call (those still kept), oldest first.
    /// A new log (its keys start again) is read from its first line.
    pub fn new_lines<'a>(&mut self, log: &'a TaskLog) -> impl Iterator<Item = &'a LogLine> {
        if log.next_key() < self.next_key {
            self.next_key = 0;
        }
        let from = self.next_key;
        self.next_key = log.next_key();
        log.lines_from(from)
    }
}

/// Dispatches `event` on `host`, bubbling and crossing the shadow boundary.
pub fn dispatch(host: &HtmlElement, event: &ElementEvent) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    let detail = Object::new();
    for (key, value) in event.detail() {
        let value = match value {
            DetailValue::Text(text) => JsValue::from_str(&text),
            DetailValue::Number(number) => JsValue::from_f64(number),
            DetailValue::Null => JsValue::NULL,
            DetailValue::Flag(flag) => JsValue::from_bool(flag),
        };
        let _ = Reflect::set(&detail, &JsValue::from_str(key), &value);
    }
    init.set_detail(&detail);
    if let Ok(custom) = CustomEvent::new_with_event_init_dict(event.name(), &init) {
        let _ = host.dispatch_event(&custom);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sse_task_progress::model::LogLevel;
    use sse_task_progress::{Failure, FailureCode, Word};

    fn names(previous: &TaskStatus, next: &TaskStatus) -> Vec<&'static str> {
        status_events(previous, next, None, &Labels::english())
            .iter()
            .map(ElementEvent::name)
            .collect()
    }

    #[test]
    fn a_stream_starts_once_and_ends_with_the_event_of_its_end() {
        use TaskStatus::*;
        let failed = Failed {
            failure: Failure::new(FailureCode::Gone, ["410 Gone".into()]),
        };
        assert_eq!(names(&Idle, &Connecting), ["task-started"]);
        assert_eq!(names(&Completed, &Connecting), ["task-started"]);
        assert!(names(&Connecting, &Open).is_empty());
        assert!(names(&Open, &Reconnecting { attempt: 1 }).is_empty());
        assert!(names(&Reconnecting { attempt: 1 }, &Open).is_empty());
        assert_eq!(names(&Open, &Completed), ["task-completed"]);
        let watching_stopped = Stopped { cancelled: false };
        assert_eq!(names(&Waiting, &watching_stopped), ["task-stopped"]);
        assert_eq!(
            status_events(&Open, &watching_stopped, None, &Labels::english())[0].detail(),
            [
                ("lastEventId", DetailValue::Null),
                ("cancelled", DetailValue::Flag(false))
            ]
        );
        assert!(names(&failed, &failed).is_empty());
        assert_eq!(names(&Idle, &failed), ["task-started", "task-failed"]);
        let spanish = Labels::english().with(Word::FailureGone, "ya no está ({status})");
        assert_eq!(
            status_events(&Open, &failed, Some("9".into()), &spanish)[0].detail(),
            [
                ("code", DetailValue::Text("gone".into())),
                ("reason", DetailValue::Text("ya no está (410 Gone)".into())),
                ("lastEventId", DetailValue::Text("9".into()))
            ]
        );
    }

    #[test]
    fn each_line_is_told_once_even_across_drops_and_a_new_log() {
        let mut log = TaskLog::with_capacity(3);
        let mut cursor = LineCursor::default();
        let texts = |cursor: &mut LineCursor, log: &TaskLog| -> Vec<String> {
            cursor.new_lines(log).map(|l| l.text.clone()).collect()
        };
        log.push(LogLevel::Info, "a", None, 0.0);
        log.push(LogLevel::Info, "b", None, 0.0);
        assert_eq!(texts(&mut cursor, &log), ["a", "b"]);
        assert!(texts(&mut cursor, &log).is_empty());
        for text in ["c", "d", "e", "f"] {
            log.push(LogLevel::Warning, text, Some("1".into()), 0.0);
        }
        // Capacity 3: "c" was dropped before anyone could be told.
        assert_eq!(texts(&mut cursor, &log), ["d", "e", "f"]);
        let mut fresh = TaskLog::with_capacity(10);
        fresh.push(LogLevel::Info, "x", None, 0.0);
        assert_eq!(texts(&mut cursor, &fresh), ["x"]);
        let line = fresh.lines().next().unwrap();
        assert_eq!(
            ElementEvent::line(line).detail(),
            [
                ("text", DetailValue::Text("x".into())),
                ("level", DetailValue::Text("info".into())),
                ("eventId", DetailValue::Null)
            ]
        );
    }
}
