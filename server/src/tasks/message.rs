//! A log line a job writes: its words, and optionally the code of what they
//! say, so that a client can say it in the page's language.

/// A job's log line or failure: the text, and the code clients translate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobMessage {
    /// The words, as the job wrote them (shown where the code is unknown).
    pub text: String,
    /// What the words say (`step`, `step-failed`, ...), if they are one of
    /// the messages clients know.
    pub code: Option<&'static str>,
    /// The step the message names, when not the task's current one.
    pub step: Option<u32>,
}

impl JobMessage {
    /// `text`, said with `code` (see the protocol's `ProgressData::code`).
    pub fn coded(code: &'static str, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            code: Some(code),
            step: None,
        }
    }

    /// This message, naming step `step`.
    pub fn at_step(mut self, step: u32) -> Self {
        self.step = Some(step);
        self
    }
}

impl From<String> for JobMessage {
    fn from(text: String) -> Self {
        Self {
            text,
            code: None,
            step: None,
        }
    }
}

impl From<&str> for JobMessage {
    fn from(text: &str) -> Self {
        text.to_owned().into()
    }
}
