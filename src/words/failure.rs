//! Why a stream failed, as a code a page can act on or translate, with the
//! values its words need; [`Labels::failure`] puts it in words.

use super::labels::{Labels, Word};

macro_rules! failure_codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal => $word:ident [$($param:literal),*],)+) => {
        /// What kind of failure it was; its [`FailureCode::name`] is the
        /// `code` of the `<task-monitor>` element's `task-failed` event.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FailureCode {
            $($(#[$doc])* $name,)+
        }

        impl FailureCode {
            /// Every code.
            pub const ALL: &'static [FailureCode] = &[$(FailureCode::$name,)+];

            /// The code's name (`unreachable`, `http-status`, ...).
            pub fn name(self) -> &'static str {
                match self { $(FailureCode::$name => $code,)+ }
            }

            /// The word that says it.
            pub fn word(self) -> Word {
                match self { $(FailureCode::$name => Word::$word,)+ }
            }

            /// The names of its values, in the order [`Failure::values`] holds them.
            pub fn params(self) -> &'static [&'static str] {
                match self { $(FailureCode::$name => &[$($param),*],)+ }
            }
        }
    };
}

failure_codes! {
    /// The server could not be reached (down, refused, network, CORS).
    Unreachable = "unreachable" => FailureUnreachable [],
    /// An event stream's connection closed before it could be used.
    Closed = "closed" => FailureClosed [],
    /// No answer within the open timeout.
    NoAnswer = "no-answer" => FailureNoAnswer ["seconds"],
    /// Redirects without end.
    RedirectLoop = "redirect-loop" => FailureRedirectLoop [],
    /// The body broke off in the middle.
    BrokeOff = "broke-off" => FailureBrokeOff ["detail"],
    /// 204 No Content: nothing more to stream.
    NoContent = "no-content" => FailureNoContent [],
    /// An event stream in a charset other than UTF-8.
    Charset = "charset" => FailureCharset ["charset"],
    /// Not `text/event-stream`.
    ContentType = "content-type" => FailureContentType ["type"],
    /// Redirected to a page that is not an event stream (a sign-in page).
    Redirected = "redirected" => FailureRedirected ["to", "type"],
    /// An HTTP error status.
    HttpStatus = "http-status" => FailureHttpStatus ["status"],
    /// 401 / 403, after the credentials hook (if any) was tried.
    Unauthorized = "unauthorized" => FailureUnauthorized ["status"],
    /// 410: the stream or its history is gone.
    Gone = "gone" => FailureGone ["status"],
    /// One event beyond `max_event_bytes`.
    TooLarge = "too-large" => FailureTooLarge ["limit"],
    /// A resumed connection started the job over.
    StartedOver = "started-over" => FailureStartedOver [],
    /// The connection ended on a source not reconnected after data.
    NotResumed = "not-resumed" => FailureNotResumed [],
    /// The first connection error, with `close_on_first_error`.
    ConnectionFailed = "connection-failed" => FailureConnectionFailed [],
    /// The stream could not be opened.
    CannotOpen = "cannot-open" => FailureCannotOpen ["detail"],
    /// No stream URL.
    NoUrl = "no-url" => FailureNoUrl [],
    /// Not an http(s) URL.
    BadScheme = "bad-scheme" => FailureBadScheme ["url"],
    /// The task API's answer is not a task's JSON.
    BadAnswer = "bad-answer" => FailureBadAnswer ["line", "column"],
    /// The job's parameters are not valid.
    BadParams = "bad-params" => FailureBadParams ["problem"],
    /// Not a task id.
    BadTaskId = "bad-task-id" => FailureBadTaskId ["id"],
    /// The task is not on the server.
    TaskUnknown = "task-unknown" => FailureTaskUnknown ["id"],
    /// The task was removed from the server.
    TaskRemoved = "task-removed" => FailureTaskRemoved ["id"],
    /// The server ended the task as failed.
    TaskFailed = "task-failed" => FailureTaskFailed ["message"],
}

/// Between a failure's code and values, and between values, in [`Failure::encode`].
const UNIT: char = '\u{1f}';
/// Before the server's words, in [`Failure::encode`].
const RECORD: char = '\u{1e}';

/// When the failure was met, if not while streaming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum During {
    /// Creating the task on the task API.
    Creating,
    /// Reattaching to this task.
    Attaching(String),
}

/// Why the monitor stopped retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// After this many attempts.
    Attempts(u32),
    /// After this many seconds of outage.
    Outage(u32),
    /// The server asked to wait `asked` s, beyond the `seconds` the monitor waits.
    RetryAfter {
        /// What `Retry-After` asked, in s.
        asked: u32,
        /// The longest outage the monitor waits, in s.
        seconds: u32,
    },
}

/// Why a stream failed: a code, the values its words name, the server's
/// own words when it gave some, and when and how the monitor gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure.
    pub code: FailureCode,
    /// The values of [`FailureCode::params`], in order.
    pub values: Vec<String>,
    /// The server's own words (a JSON error body's `error`).
    pub server_message: Option<String>,
    /// When it was met, if not while streaming.
    pub during: Option<During>,
    /// Why retrying stopped, when it was retried.
    pub gave_up: Option<GaveUp>,
}

impl Failure {
    /// A failure of `code` with `values` (in the order of its params).
    pub fn new<const N: usize>(code: FailureCode, values: [String; N]) -> Self {
        Self {
            code,
            values: values.into(),
            server_message: None,
            during: None,
            gave_up: None,
        }
    }

    /// A failure of `code`, which names no value.
    pub fn plain(code: FailureCode) -> Self {
        Self::new(code, [])
    }

    /// This failure with the server's own words.
    pub fn with_server_message(mut self, message: Option<String>) -> Self {
        self.server_message = message.filter(|m| !m.is_empty());
        self
    }

    /// This failure, met while doing `during`.
    pub fn during(mut self, during: During) -> Self {
        self.during = Some(during);
        self
    }

    /// The value named `param`, if the code has it.
    pub fn value(&self, param: &str) -> Option<&str> {
        let at = self.code.params().iter().position(|p| *p == param)?;
        self.values.get(at).map(String::as_str)
    }

    /// The failure as one line of text for a worker's message: the code,
    /// each value after a unit separator, the server's words after a
    /// record separator. (`during` and `gave_up` are the page's own: a
    /// transport never sets them, so they are not carried.)
    pub(crate) fn encode(&self) -> String {
        let mut text = self.code.name().to_owned();
        for value in &self.values {
            text.push(UNIT);
            text.push_str(value);
        }
        if let Some(message) = &self.server_message {
            text.push(RECORD);
            text.push_str(message);
        }
        text
    }

    /// Reads what [`Failure::encode`] wrote.
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let (main, message) = match text.split_once(RECORD) {
            Some((main, message)) => (main, Some(message.to_owned())),
            None => (text, None),
        };
        let mut parts = main.split(UNIT);
        let name = parts.next()?;
        let code = FailureCode::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name)?;
        Some(Self {
            code,
            values: parts.map(str::to_owned).collect(),
            server_message: message,
            during: None,
            gave_up: None,
        })
    }

    /// The failure in English (as [`Labels::failure`] with English labels).
    pub fn english(&self) -> String {
        Labels::english().failure(self)
    }
}

impl Labels {
    /// The words of `failure`.
    pub fn failure(&self, failure: &Failure) -> String {
        let values: Vec<(&str, &str)> = failure
            .code
            .params()
            .iter()
            .zip(&failure.values)
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let mut reason = self.say(failure.code.word(), &values);
        if let Some(message) = &failure.server_message {
            reason = self.say(
                Word::ServerSaid,
                &[("reason", &reason), ("message", message)],
            );
        }
        reason = match &failure.during {
            None => reason,
            Some(During::Creating) => self.say(Word::WhileCreating, &[("reason", &reason)]),
            Some(During::Attaching(id)) => {
                self.say(Word::WhileAttaching, &[("reason", &reason), ("id", id)])
            }
        };
        match failure.gave_up {
            None => reason,
            Some(GaveUp::Attempts(n)) => self.say(
                Word::GaveUpAttempts,
                &[("reason", &reason), ("n", &n.to_string())],
            ),
            Some(GaveUp::Outage(seconds)) => self.say(
                Word::GaveUpOutage,
                &[("reason", &reason), ("seconds", &seconds.to_string())],
            ),
            Some(GaveUp::RetryAfter { asked, seconds }) => self.say(
                Word::GaveUpRetryAfter,
                &[
                    ("reason", &reason),
                    ("asked", &asked.to_string()),
                    ("seconds", &seconds.to_string()),
                ],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_its_code_values_server_words_and_how_it_ended() {
        let failure = Failure::new(FailureCode::HttpStatus, ["503 Service Unavailable".into()])
            .with_server_message(Some("busy".into()));
        assert_eq!(
            failure.english(),
            "the server answered 503 Service Unavailable: busy"
        );
        let gave_up = Failure {
            gave_up: Some(GaveUp::Attempts(5)),
            ..Failure::plain(FailureCode::Unreachable)
        };
        assert!(gave_up.english().ends_with("(gave up after 5 attempts)"));
        let created = Failure::new(FailureCode::HttpStatus, ["400".into()])
            .with_server_message(Some("unknown kind \"x\"".into()))
            .during(During::Creating);
        assert_eq!(
            created.english(),
            "could not create the task: the server answered 400: unknown kind \"x\""
        );
        let spanish = Labels::english()
            .with(Word::FailureRedirected, "redirigido a {to}")
            .with(Word::WhileAttaching, "{id}: {reason}");
        let redirected = Failure::new(
            FailureCode::Redirected,
            ["/login".into(), "text/html".into()],
        )
        .during(During::Attaching("t1".into()));
        assert_eq!(spanish.failure(&redirected), "t1: redirigido a /login");
        assert_eq!(redirected.value("to"), Some("/login"));
    }

    #[test]
    fn a_failure_reads_back_from_its_encoding() {
        let failure = Failure::new(
            FailureCode::Redirected,
            ["/login\nx".into(), "text/html".into()],
        )
        .with_server_message(Some("go \u{1f} away".into()));
        assert_eq!(Failure::decode(&failure.encode()), Some(failure));
        let plain = Failure::plain(FailureCode::Unreachable);
        assert_eq!(Failure::decode(&plain.encode()), Some(plain));
        assert_eq!(Failure::decode("bogus"), None);
    }

    #[test]
    fn every_code_has_a_distinct_name_and_words_naming_its_values() {
        let mut names: Vec<_> = FailureCode::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FailureCode::ALL.len());
        for code in FailureCode::ALL {
            let english = code.word().english();
            for param in code.params() {
                assert!(
                    english.contains(&format!("{{{param}}}")),
                    "{code:?}: {param}"
                );
            }
        }
    }
}
