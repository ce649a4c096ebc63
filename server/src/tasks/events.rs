//! What each moment of a task's life writes: pure functions from the task's
//! row to the event to store and the row after it.

use sse_task_protocol::{
    encode_frame, ProgressData, TaskState, CLOSE_EVENT_ID, EVENT_CANCELLED, EVENT_FAILED,
    EVENT_MESSAGE,
};

use super::message::JobMessage;
use super::rows::{now_rfc3339, StoredEvent, TaskRow};

/// The row of a task that starts running.
pub fn started(row: &TaskRow) -> TaskRow {
    let mut row = row.clone();
    row.state = TaskState::Running;
    if row.started_at.is_none() {
        row.started_at = Some(now_rfc3339());
    }
    row
}

/// Step `step`'s event, logging `message` (after the task's label).
pub fn step(row: &TaskRow, step: u32, message: &JobMessage) -> (StoredEvent, TaskRow) {
    let mut row = row.clone();
    row.step = step;
    line(&row, message)
}

/// A log line at the task's current step.
pub fn line(row: &TaskRow, message: &JobMessage) -> (StoredEvent, TaskRow) {
    let mut row = row.clone();
    row.last_seq += 1;
    let text = format!("{}{}", prefix(&row), message.text);
    let data = coded(
        ProgressData::new(text, Some(percent(row.step, row.steps))),
        &row,
        message,
    );
    (
        event(&row, row.last_seq.to_string(), EVENT_MESSAGE, &data),
        row,
    )
}

/// The `failed` event of a job that failed for `reason` at its current step.
pub fn failure(row: &TaskRow, reason: &JobMessage) -> (StoredEvent, TaskRow) {
    let message = format!("{}{}", prefix(row), reason.text);
    let progress = percent(row.step, row.steps);
    let data = coded(ProgressData::new(message, Some(progress)), row, reason);
    finish(row, TaskState::Failed, EVENT_FAILED, data)
}

/// `data` with `message`'s code, naming its step (or the row's current one).
fn coded(data: ProgressData, row: &TaskRow, message: &JobMessage) -> ProgressData {
    match message.code {
        Some(code) => labelled(
            data.with_code(code, message.step.unwrap_or(row.step), row.steps),
            row,
        ),
        None => data,
    }
}

/// `data` with the task's label, which its text starts with.
fn labelled(mut data: ProgressData, row: &TaskRow) -> ProgressData {
    data.label = row.label.clone().filter(|label| !label.is_empty());
    data
}

/// The completion event (`id: CLOSE`).
pub fn completion(row: &TaskRow) -> (StoredEvent, TaskRow) {
    let mut row = row.clone();
    row.state = TaskState::Completed;
    row.finished_at = Some(now_rfc3339());
    row.message = Some("Process complete".to_owned());
    row.last_seq += 1;
    let mut data = ProgressData::new("Process complete", None);
    data.code = Some("complete".to_owned());
    (
        event(&row, CLOSE_EVENT_ID.to_owned(), EVENT_MESSAGE, &data),
        row,
    )
}

/// The `cancelled` event of a task cancelled at its current step.
pub fn cancellation(row: &TaskRow) -> (StoredEvent, TaskRow) {
    let message = format!(
        "{}cancelled at step {} of {}",
        prefix(row),
        row.step,
        row.steps
    );
    let progress = percent(row.step, row.steps);
    let data = labelled(
        ProgressData::new(message, Some(progress)).with_code("cancelled", row.step, row.steps),
        row,
    );
    finish(row, TaskState::Cancelled, EVENT_CANCELLED, data)
}

/// A task whose event could not be stored ends `failed` with `reason`: the
/// row keeps its last stored seq (no id is invented), and the frame that
/// tells the streams has no `id:` line.
pub fn unstored_failure(row: &TaskRow, reason: &str) -> (TaskRow, Vec<u8>) {
    let mut row = row.clone();
    let message = format!(
        "{}stopped at step {} of {}: its progress could not be stored ({reason})",
        prefix(&row),
        row.step,
        row.steps
    );
    row.state = TaskState::Failed;
    row.finished_at = Some(now_rfc3339());
    row.message = Some(message.clone());
    let data = ProgressData::new(message, Some(percent(row.step, row.steps)));
    let mut frame = Vec::new();
    encode_frame(&mut frame, None, Some(EVENT_FAILED), &data.to_json());
    (row, frame)
}

/// Appends `event`'s SSE frame to `out`: `id:`, `event:` unless it is
/// `message`, `data:`.
pub fn encode(event: &StoredEvent, out: &mut Vec<u8>) {
    let name = (event.kind != EVENT_MESSAGE).then_some(event.kind.as_str());
    encode_frame(out, Some(&event.wire_id), name, &event.data);
}

/// An end first shown without being stored (`shown`, as
/// [`unstored_failure`] made it), stored after `row`'s last event: the
/// same state and words, with an id now.
pub fn stored_end(row: &TaskRow, shown: &TaskRow) -> (StoredEvent, TaskRow) {
    let message = shown.message.clone().unwrap_or_default();
    let progress = percent(row.step, row.steps);
    let data = ProgressData::new(message, Some(progress));
    finish(row, shown.state, EVENT_FAILED, data)
}

/// The event that ends `row` in `state`, with `data` (its message is the row's).
fn finish(
    row: &TaskRow,
    state: TaskState,
    kind: &str,
    data: ProgressData,
) -> (StoredEvent, TaskRow) {
    let mut row = row.clone();
    row.state = state;
    row.finished_at = Some(now_rfc3339());
    row.message = Some(data.message.clone());
    row.last_seq += 1;
    (event(&row, row.last_seq.to_string(), kind, &data), row)
}

fn event(row: &TaskRow, wire_id: String, kind: &str, data: &ProgressData) -> StoredEvent {
    StoredEvent {
        seq: row.last_seq,
        wire_id,
        kind: kind.to_owned(),
        data: data.to_json(),
    }
}

fn prefix(row: &TaskRow) -> String {
    match row.label.as_deref() {
        Some(label) if !label.is_empty() => format!("{label}: "),
        _ => String::new(),
    }
}

/// Percentage of `step` out of `steps`, rounded to two decimals.
pub fn percent(step: u32, steps: u32) -> f64 {
    if steps == 0 {
        return 0.0;
    }
    (f64::from(step) * 10_000.0 / f64::from(steps)).round() / 100.0
}
