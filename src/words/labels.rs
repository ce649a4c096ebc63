//! Every word the monitor shows, as templates a page may replace: the
//! buttons, the names assistive technology reads, each status, the lines the
//! stream writes to the log itself, each failure and the server's own coded
//! messages. English is built in; other languages come as JSON objects of
//! the same keys (see [`Labels::builtin`]).
//!
//! Rules:
//! - a template names its values in braces (`{n}`, `{reason}`); a value the
//!   template does not name is left out, a name without a value stays as written;
//! - a key a page does not set keeps its English words;
//! - values are put in as text: the views set `textContent`, never HTML.

use std::borrow::Cow;

macro_rules! words {
    ($($(#[$doc:meta])* $name:ident = $key:literal => $english:literal,)+) => {
        /// One thing the monitor says, named by its key in a labels JSON object.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Word {
            $($(#[$doc])* $name,)+
        }

        impl Word {
            /// Every word, in the order of the keys' documentation.
            pub const ALL: &'static [Word] = &[$(Word::$name,)+];

            /// The word's key in a labels JSON object (`"start"`, `"status-open"`).
            pub const fn key(self) -> &'static str {
                match self { $(Word::$name => $key,)+ }
            }

            /// The word's English template.
            pub const fn english(self) -> &'static str {
                match self { $(Word::$name => $english,)+ }
            }
        }
    };
}

words! {
    /// The panel's name for assistive technology (its `aria-label`).
    Panel = "panel" => "Task progress",
    /// The buttons' group, for assistive technology.
    Controls = "controls" => "Task controls",
    /// The Start button.
    Start = "start" => "Start Long Task",
    /// The Stop button.
    Stop = "stop" => "Stop Task",
    /// The progress bar, for assistive technology.
    Bar = "bar" => "Task progress",
    /// The log, for assistive technology.
    Log = "log" => "Task log",
    /// The percentage: `{n}` is a whole number from 0 to 100.
    Percent = "percent" => "{n}%",
    /// Above the log once it dropped its oldest lines: `{n}` of them.
    Dropped = "dropped" => "{n} earlier lines not shown",
    /// Status: nothing started yet.
    StatusIdle = "status-idle" => "Idle",
    /// Status: creating the task or opening the connection.
    StatusConnecting = "status-connecting" => "Connecting…",
    /// Status: waiting for one of the page's connections to the server to close.
    StatusQueued = "status-queued" =>
        "Waiting for a free connection (the browser opens 6 at most to one server)…",
    /// Status: connected, events flow.
    StatusOpen = "status-open" => "Running",
    /// Status: the server ended a connection as planned; the next one opens soon.
    StatusWaiting = "status-waiting" => "Waiting for the next connection…",
    /// Status: the browser is offline.
    StatusOffline = "status-offline" => "Offline: waiting for the network…",
    /// Status: paused while the tab is hidden.
    StatusPaused = "status-paused" => "Paused while the tab is hidden",
    /// Status: reconnecting after a connection went silent (no attempt failed yet).
    StatusReconnectingNow = "status-reconnecting-now" => "Reconnecting…",
    /// Status: retrying; `{n}` failed attempts so far.
    StatusReconnecting = "status-reconnecting" => "Reconnecting ({n} failed attempts)…",
    /// Status: the task finished.
    StatusCompleted = "status-completed" => "Completed",
    /// Status: failed; `{reason}` is the failure's words.
    StatusFailed = "status-failed" => "Failed: {reason}",
    /// Status: stopped, and the task cancelled on the server.
    StatusStopped = "status-stopped" => "Stopped",
    /// Status: stopped watching a stream URL; the task may go on.
    StatusStoppedWatching = "status-stopped-watching" =>
        "Stopped watching: the task may go on on the server",
    /// Log: the user stopped the stream.
    NoticeInterrupted = "notice-interrupted" => "Interrupted",
    /// Log: after the completion message.
    NoticeComplete = "notice-complete" => "Stream closed: task complete",
    /// Log: an outage began; `{reason}` is the failure's words.
    NoticeConnectionLost = "notice-connection-lost" => "Connection lost: {reason}; reconnecting",
    /// Log: an outage ended after one failed attempt.
    NoticeReconnectedOnce = "notice-reconnected-once" => "Reconnected after 1 failed attempt",
    /// Log: an outage ended after `{n}` failed attempts.
    NoticeReconnected = "notice-reconnected" => "Reconnected after {n} failed attempts",
    /// Log: a connection silent for `{seconds}` s was closed and is resumed.
    NoticeIdle = "notice-idle" => "No data for {seconds} s: the connection is closed and resumed",
    /// Log: the browser went offline.
    NoticeOffline = "notice-offline" => "Offline: the stream resumes when the network is back",
    /// Log: the server refused the credentials; the page's hook is asked for new ones.
    NoticeNewCredentials = "notice-new-credentials" =>
        "The server refused the credentials: asking for new ones and reconnecting",
    /// Log: `{n}` events after the resume point are gone from the server.
    NoticeHistoryLost = "notice-history-lost" =>
        "{n} earlier events are no longer on the server: the log misses them",
    /// Log: one event after the resume point is gone from the server.
    NoticeHistoryLostOne = "notice-history-lost-one" =>
        "1 earlier event is no longer on the server: the log misses them",
    /// Log: events after the resume point are gone; the server did not say how many.
    NoticeHistoryLostSome = "notice-history-lost-some" =>
        "Earlier events are no longer on the server: the log misses them",
    /// Log: a message that is not the JSON it should be; `{text}` is the message.
    NoticeMalformed = "notice-malformed" => "Malformed JSON: {text}",
    /// Failure: the server could not be reached.
    FailureUnreachable = "failure-unreachable" =>
        "cannot reach the server (it is down, or it refused the connection)",
    /// Failure: the connection closed.
    FailureClosed = "failure-closed" => "the connection was closed",
    /// Failure: no answer within `{seconds}` s.
    FailureNoAnswer = "failure-no-answer" =>
        "cannot reach the server: it did not answer within {seconds} s (open_timeout_ms)",
    /// Failure: redirects without end.
    FailureRedirectLoop = "failure-redirect-loop" =>
        "the server redirects this URL again and again (a redirect loop, or more than 20 redirects)",
    /// Failure: the body broke off; `{detail}` is the browser's words.
    FailureBrokeOff = "failure-broke-off" => "the stream broke off in the middle ({detail})",
    /// Failure: 204 No Content.
    FailureNoContent = "failure-no-content" =>
        "the server answered 204 No Content: it has nothing more to stream",
    /// Failure: an event stream declared in `{charset}`.
    FailureCharset = "failure-charset" =>
        "the server declared the stream's charset as {charset}; an event stream is always UTF-8",
    /// Failure: an answer of content type `{type}`.
    FailureContentType = "failure-content-type" =>
        "the server answered with content type {type}, not text/event-stream",
    /// Failure: redirected to `{to}`, which answered `{type}`.
    FailureRedirected = "failure-redirected" =>
        "the stream was redirected to {to}, which answered {type}, not an event stream: \
         sign in again if the session expired",
    /// Failure: an error status, `{status}` with its reason phrase.
    FailureHttpStatus = "failure-http-status" => "the server answered {status}",
    /// Failure: 401 or 403, `{status}` with its reason phrase.
    FailureUnauthorized = "failure-unauthorized" =>
        "the server refused the credentials: it answered {status}",
    /// Failure: 410, the stream or its history is gone.
    FailureGone = "failure-gone" =>
        "the server no longer has this stream or its history ({status})",
    /// Failure: one event grew beyond `{limit}` bytes.
    FailureTooLarge = "failure-too-large" =>
        "an event grew beyond {limit} bytes (the limit is max_event_bytes)",
    /// Failure: a resumed connection started the job over.
    FailureStartedOver = "failure-started-over" =>
        "the server started the job over instead of resuming: not reconnecting, so it does not run twice",
    /// Failure: the connection ended and the source is not reconnected after data.
    FailureNotResumed = "failure-not-resumed" =>
        "the connection ended and this source does not resume (reconnect_after_data is off): \
         not reconnecting, so the job does not run twice",
    /// Failure: the first connection error ends the stream (`close_on_first_error`).
    FailureConnectionFailed = "failure-connection-failed" => "the connection failed",
    /// Failure: the stream could not be opened; `{detail}` is the browser's words.
    FailureCannotOpen = "failure-cannot-open" => "cannot open the stream: {detail}",
    /// Failure: no stream URL.
    FailureNoUrl = "failure-no-url" => "no stream URL was given",
    /// Failure: `{url}` is not http(s).
    FailureBadScheme = "failure-bad-scheme" =>
        "\"{url}\" is not an http(s) URL, so it cannot be streamed",
    /// Failure: the task API's answer is not the JSON of a task.
    FailureBadAnswer = "failure-bad-answer" =>
        "the server's answer is not the JSON of a task (line {line}, column {column})",
    /// Failure: the job's parameters cannot be sent; `{problem}` says why.
    FailureBadParams = "failure-bad-params" => "the job's parameters are not valid: {problem}",
    /// Failure: `{id}` is not a task id.
    FailureBadTaskId = "failure-bad-task-id" =>
        "\"{id}\" is not a task id (1 to 64 letters, digits or dashes)",
    /// Failure: task `{id}` is not on the server.
    FailureTaskUnknown = "failure-task-unknown" => "task {id} is not on the server; start a new one",
    /// Failure: task `{id}` was removed.
    FailureTaskRemoved = "failure-task-removed" =>
        "task {id} was removed from the server (its events expired); start a new one",
    /// Failure: the server ended the task as failed; `{message}` is its words.
    FailureTaskFailed = "failure-task-failed" => "{message}",
    /// A failure's words followed by the server's own (`{message}`).
    ServerSaid = "server-said" => "{reason}: {message}",
    /// A failure met while creating the task.
    WhileCreating = "while-creating" => "could not create the task: {reason}",
    /// A failure met while reattaching to task `{id}`.
    WhileAttaching = "while-attaching" => "could not reattach to task {id}: {reason}",
    /// The monitor gave up after `{n}` attempts.
    GaveUpAttempts = "gave-up-attempts" => "{reason} (gave up after {n} attempts)",
    /// The monitor gave up after `{seconds}` s of outage.
    GaveUpOutage = "gave-up-outage" => "{reason} (gave up after {seconds} s of outage)",
    /// The server asked to retry in `{asked}` s, beyond the `{seconds}` s the monitor waits.
    GaveUpRetryAfter = "gave-up-retry-after" =>
        "{reason} and asked to retry in {asked} s (Retry-After), beyond the {seconds} s this monitor waits",
    /// A coded message of a task labelled `{label}` (its text before the
    /// translation began with the label too).
    MessageLabelled = "message-labelled" => "{label}: {message}",
    /// The server's message of code `step`: step `{step}` of `{steps}` is done.
    MessageStep = "message-step" => "step {step} of {steps}",
    /// The server's message of code `complete`.
    MessageComplete = "message-complete" => "Process complete",
    /// The server's message of code `cancelled`, at step `{step}` of `{steps}`.
    MessageCancelled = "message-cancelled" => "cancelled at step {step} of {steps}",
    /// The server's message of code `step-failed`: step `{step}` of `{steps}` failed.
    MessageStepFailed = "message-step-failed" => "step {step} of {steps} failed",
}

impl Word {
    /// The word of `key`, if it is one.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|word| word.key() == key)
    }

    /// The word a server's message code names (`step`, `complete`, ...).
    pub fn for_message_code(code: &str) -> Option<Self> {
        match code {
            "step" => Some(Self::MessageStep),
            "complete" => Some(Self::MessageComplete),
            "cancelled" => Some(Self::MessageCancelled),
            "step-failed" => Some(Self::MessageStepFailed),
            _ => None,
        }
    }
}

/// What is wrong with labels a page gave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelsError {
    /// A key that is not a [`Word`]'s (nor `dir`).
    #[error("\"{0}\" is not a label key")]
    UnknownKey(String),
    /// Not a JSON object of strings.
    #[error("the labels are not a JSON object of strings: {0}")]
    NotAnObject(String),
}

/// The words a monitor shows: English unless set otherwise, and which way
/// the text runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Labels {
    /// Words set over English, by [`Word`] (few: a lookup is a short scan).
    set: Vec<(Word, Cow<'static, str>)>,
    /// The language's text runs right to left (Arabic, Hebrew, Persian, Urdu).
    right_to_left: bool,
}

impl Labels {
    /// English.
    pub fn english() -> Self {
        Self::default()
    }

    /// These labels with `word` saying `template`.
    pub fn with(mut self, word: Word, template: impl Into<Cow<'static, str>>) -> Self {
        self.set_word(word, template);
        self
    }

    /// Sets `word` to `template`.
    pub fn set_word(&mut self, word: Word, template: impl Into<Cow<'static, str>>) {
        let template = template.into();
        match self.set.iter_mut().find(|(set, _)| *set == word) {
            Some(entry) => entry.1 = template,
            None => self.set.push((word, template)),
        }
    }

    /// Sets the word of `key` to `template`; the key `dir` (`rtl` or `ltr`)
    /// sets which way the text runs.
    pub fn set_key(&mut self, key: &str, template: String) -> Result<(), LabelsError> {
        if key == "dir" {
            self.right_to_left = template.eq_ignore_ascii_case("rtl");
            return Ok(());
        }
        let word = Word::from_key(key).ok_or_else(|| LabelsError::UnknownKey(key.to_owned()))?;
        self.set_word(word, template);
        Ok(())
    }

    /// Marks the text as running right to left (or not).
    pub fn right_to_left(mut self, right_to_left: bool) -> Self {
        self.right_to_left = right_to_left;
        self
    }

    /// `Some("rtl")` when the text runs right to left (for a `dir`
    /// attribute); `None` otherwise: the page's direction stays.
    pub fn direction(&self) -> Option<&'static str> {
        self.right_to_left.then_some("rtl")
    }

    /// True when these labels set `word` (it is not English's).
    pub fn sets(&self, word: Word) -> bool {
        self.set.iter().any(|(set, _)| *set == word)
    }

    /// The template of `word`.
    pub fn template(&self, word: Word) -> &str {
        self.set
            .iter()
            .find(|(set, _)| *set == word)
            .map_or(word.english(), |(_, template)| template)
    }

    /// The words of `word`, its template's `{name}`s replaced by `values`.
    pub fn say(&self, word: Word, values: &[(&str, &str)]) -> String {
        fill(self.template(word), values)
    }

    /// The percentage `progress` (0 to 100), rounded down to a whole number.
    pub fn percent(&self, progress: f64) -> String {
        self.say(
            Word::Percent,
            &[("n", &whole_percent(progress).to_string())],
        )
    }

    /// The notice of `dropped` earlier lines not shown.
    pub fn dropped(&self, dropped: u64) -> String {
        self.say(Word::Dropped, &[("n", &dropped.to_string())])
    }
}

/// The percentage as a whole number from 0 to 100, rounded down so 99.6 %
/// never reads 100 before the task is done (`NaN` is 0). A whole number
/// keeps float formatting out of the wasm.
pub fn whole_percent(progress: f64) -> u32 {
    if progress.is_finite() {
        progress.clamp(0.0, 100.0).floor() as u32
    } else {
        0
    }
}

/// `template` with each `{name}` of `values` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            let value = values.iter().find(|(n, _)| *n == name)?.1;
            Some((value, close))
        });
        match named {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_take_their_values_by_name_and_keep_unknown_braces() {
        assert_eq!(
            fill("{reason} ({n} tries)", &[("n", "3"), ("reason", "down")]),
            "down (3 tries)"
        );
        assert_eq!(fill("{x} {", &[]), "{x} {");
        assert_eq!(fill("{n}{n}", &[("n", "1")]), "11");
    }

    #[test]
    fn a_set_word_replaces_english_and_the_others_stay() {
        let mut labels = Labels::english().with(Word::Start, "Exportar");
        assert_eq!(labels.template(Word::Start), "Exportar");
        assert_eq!(labels.template(Word::Stop), "Stop Task");
        assert_eq!(
            labels.set_key("percent", "{n} %".into()),
            Ok(()),
            "a key sets its word"
        );
        assert_eq!(labels.percent(99.6), "99 %");
        assert_eq!(
            labels.set_key("bogus", String::new()),
            Err(LabelsError::UnknownKey("bogus".into()))
        );
    }

    #[test]
    fn percent_rounds_down_and_clamps() {
        let labels = Labels::english();
        assert_eq!(labels.percent(0.0), "0%");
        assert_eq!(labels.percent(99.6), "99%");
        assert_eq!(labels.percent(180.0), "100%");
        assert_eq!(labels.percent(f64::NAN), "0%");
    }

    #[test]
    fn every_key_is_distinct() {
        let mut keys: Vec<_> = Word::ALL.iter().map(|w| w.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Word::ALL.len());
    }
}
