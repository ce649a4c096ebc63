//! Task rows as Redis hash fields, and stream entries as stored events and
//! feed rows. Optional fields are JSON (`null` or a string), so "no label"
//! and an empty label stay apart.

use std::collections::HashMap;

use redis::streams::StreamId;
use sse_task_protocol::TaskState;

use crate::tasks::{FeedRow, StoreError, StoredEvent, TaskRow};

/// The hash fields of `row` (all but the node that runs it, `owner`), as
/// field, value, ...; the user it belongs to is `user`.
pub fn row_fields(row: &TaskRow) -> Vec<String> {
    let optional = |value: &Option<String>| serde_json::to_string(value).unwrap_or_default();
    [
        ("id", row.id.clone()),
        ("user", row.owner.clone()),
        ("label", optional(&row.label)),
        ("kind", row.kind.clone()),
        ("params", row.params.clone()),
        ("steps", row.steps.to_string()),
        ("state", row.state.as_str().to_owned()),
        ("step", row.step.to_string()),
        ("last_seq", row.last_seq.to_string()),
        ("message", optional(&row.message)),
        ("created_at", row.created_at.clone()),
        ("started_at", optional(&row.started_at)),
        ("finished_at", optional(&row.finished_at)),
    ]
    .into_iter()
    .flat_map(|(field, value)| [field.to_owned(), value])
    .collect()
}

/// The fields of `row` that change during its life.
pub fn changing_fields(row: &TaskRow) -> Vec<String> {
    let all = row_fields(row);
    let changing = [
        "state",
        "step",
        "last_seq",
        "message",
        "started_at",
        "finished_at",
    ];
    all.chunks(2)
        .filter(|pair| changing.contains(&pair[0].as_str()))
        .flat_map(|pair| pair.iter().cloned())
        .collect()
}

/// A task row from its hash; `None` for a task that does not exist.
pub fn row_from_hash(hash: &HashMap<String, String>) -> Result<Option<TaskRow>, StoreError> {
    if hash.is_empty() {
        return Ok(None);
    }
    let text = |field: &str| hash.get(field).cloned().unwrap_or_default();
    let number = |field: &str| text(field).parse::<u64>().unwrap_or(0);
    let optional =
        |field: &str| serde_json::from_str::<Option<String>>(&text(field)).unwrap_or(None);
    let id = text("id");
    let state = text("state");
    Ok(Some(TaskRow {
        owner: text("user"),
        label: optional("label"),
        kind: text("kind"),
        params: text("params"),
        steps: number("steps") as u32,
        state: TaskState::parse(&state)
            .ok_or_else(|| StoreError::UnknownState(id.clone(), state))?,
        step: number("step") as u32,
        last_seq: number("last_seq"),
        message: optional("message"),
        created_at: text("created_at"),
        started_at: optional("started_at"),
        finished_at: optional("finished_at"),
        id,
    }))
}

/// The number after `0-` in an entry id (`0-17` is 17).
pub fn seq_of(entry_id: &str) -> Option<u64> {
    entry_id.strip_prefix("0-")?.parse().ok()
}

/// A stored event from an entry of a task's events stream.
pub fn event_from_entry(entry: &StreamId) -> Option<StoredEvent> {
    Some(StoredEvent {
        seq: seq_of(&entry.id)?,
        wire_id: entry.get("id")?,
        kind: entry.get("kind")?,
        data: entry.get("data")?,
    })
}

/// A feed row from an entry of the feed stream.
pub fn feed_row_from_entry(entry: &StreamId) -> Option<FeedRow> {
    Some(FeedRow {
        gseq: seq_of(&entry.id)?,
        task_id: entry.get("task")?,
        owner: entry.get("user").unwrap_or_default(),
        data: entry.get("data")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_round_trips_through_its_hash_fields_none_and_empty_apart() {
        let mut row = TaskRow::sample("t", TaskState::Running, None);
        row.label = Some(String::new());
        row.owner = "alice".into();
        row.started_at = Some("2026-01-01T00:00:01.000Z".into());
        let fields = row_fields(&row);
        let hash: HashMap<String, String> = fields
            .chunks(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect();
        assert_eq!(row_from_hash(&hash).unwrap(), Some(row));
        assert_eq!(row_from_hash(&HashMap::new()).unwrap(), None);
    }
}
