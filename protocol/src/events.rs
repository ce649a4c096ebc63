//! Event names, special ids and the progress payload of the wire contract.

use serde::{Deserialize, Serialize, Serializer};

/// The default SSE event type; progress events use it.
pub const EVENT_MESSAGE: &str = "message";
/// Named event sent when a task fails; its data is a [`ProgressData`].
///
/// Never `error`: that name collides with the `EventSource` connection error.
pub const EVENT_FAILED: &str = "failed";
/// Named event sent when a task is cancelled; its data is a [`ProgressData`].
pub const EVENT_CANCELLED: &str = "cancelled";
/// Named event the server sends on an idle stream, with the data `{}`: it
/// tells an `EventSource` (which hides comments) that the connection is
/// alive. Clients show nothing for it.
pub const EVENT_HEARTBEAT: &str = "heartbeat";
/// Named event sent first on a resumed stream whose resume point the server
/// no longer has (retention removed the events after it, or the store was
/// replaced); its data is a [`HistoryLost`]. The events it still has follow.
pub const EVENT_HISTORY_LOST: &str = "history-lost";
/// Named event of the PHP + SQLite notification seed (`/seeds/delta`).
pub const EVENT_DELTA: &str = "delta";
/// The `id:` of the completion event (coreBOS seed): the client closes and maxes the bar.
pub const CLOSE_EVENT_ID: &str = "CLOSE";
/// The data that ends a stream as completed (the classic PHP scripts' end
/// marker, as the OpenACS seed sends it); the client treats it as completion.
pub const CLOSE_DATA: &str = "__CLOSE_SSE__";

/// The data of a [`EVENT_HISTORY_LOST`] event.
///
/// ```
/// use sse_task_protocol::HistoryLost;
/// let lost = HistoryLost { missing: Some(40), message: "40 events expired".into() };
/// assert_eq!(
///     serde_json::to_string(&lost).unwrap(),
///     r#"{"missing":40,"message":"40 events expired"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLost {
    /// How many events after the resume point are gone, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<u64>,
    /// Why, for a person.
    pub message: String,
}

impl HistoryLost {
    /// The JSON text, as sent in the event's data.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// The JSON data of a progress, completion, failure or cancellation event.
///
/// Serialises exactly as the coreBOS seed's `json_encode` does: whole
/// percentages print as integers (`"progress":10`, not `10.0`), and a missing
/// progress is left out.
///
/// ```
/// use sse_task_protocol::ProgressData;
/// let data = ProgressData::new("on iteration 1 of 10", Some(10.0));
/// assert_eq!(
///     serde_json::to_string(&data).unwrap(),
///     r#"{"message":"on iteration 1 of 10","progress":10}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressData {
    /// Human-readable text for the log.
    pub message: String,
    /// Percentage done, 0 to 100; absent on the completion event.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_percent"
    )]
    pub progress: Option<f64>,
    /// What the message says, for a client that says it in the page's
    /// language: `step` (step `step` of `steps` done), `step-failed`,
    /// `complete`, `cancelled` (at step `step` of `steps`). Absent on an
    /// app's own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The step the coded message names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    /// The task's steps, for the coded message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// The task's label, which a coded message's text starts with
    /// (`label: `), for a client that says the message in other words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl ProgressData {
    /// A payload with `message` and an optional percentage.
    pub fn new(message: impl Into<String>, progress: Option<f64>) -> Self {
        Self {
            message: message.into(),
            progress,
            code: None,
            step: None,
            steps: None,
            label: None,
        }
    }

    /// This payload with the code of what its message says, and the step
    /// of `steps` it names.
    ///
    /// ```
    /// use sse_task_protocol::ProgressData;
    /// let data = ProgressData::new("step 2 of 4", Some(50.0)).with_code("step", 2, 4);
    /// assert_eq!(
    ///     data.to_json(),
    ///     r#"{"message":"step 2 of 4","progress":50,"code":"step","step":2,"steps":4}"#
    /// );
    /// ```
    pub fn with_code(mut self, code: impl Into<String>, step: u32, steps: u32) -> Self {
        self.code = Some(code.into());
        self.step = Some(step);
        self.steps = Some(steps);
        self
    }

    /// The JSON text of the event's `data:`.
    pub fn to_json(&self) -> String {
        // A string and an optional number: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Writes whole percentages as JSON integers, as PHP's `json_encode` does.
fn serialize_percent<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(p) if p.fract() == 0.0 && p.abs() < 1e15 => serializer.serialize_i64(*p as i64),
        Some(p) => serializer.serialize_f64(*p),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_payload_omits_progress() {
        let data = ProgressData::new("Process complete", None);
        assert_eq!(
            serde_json::to_string(&data).unwrap(),
            r#"{"message":"Process complete"}"#
        );
    }

    #[test]
    fn fractional_progress_stays_fractional_and_parses_back() {
        let data = ProgressData::new("step", Some(33.5));
        let text = serde_json::to_string(&data).unwrap();
        assert_eq!(text, r#"{"message":"step","progress":33.5}"#);
        assert_eq!(serde_json::from_str::<ProgressData>(&text).unwrap(), data);
    }
}
