//! Reading JSON values into types with errors a user can read, naming the
//! field that is wrong: for request bodies and jobs' parameters alike.

use serde::de::DeserializeOwned;

/// Reads `value` as `T`; on a mismatch, what is wrong in plain words (see
/// `readable`), naming the field.
pub fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        readable(&path, &error.into_inner().to_string())
    })
}

/// serde's message about the field at `path` (`.` for the body itself) in
/// plain words: "steps is required", "steps: invalid type: integer `-1`,
/// expected u32", "unknown field `bogus`, expected one of ...".
fn readable(path: &str, serde_message: &str) -> String {
    let missing = serde_message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    match (missing, path) {
        (Some(field), ".") => format!("{field} is required"),
        (Some(field), path) => format!("{path}.{field} is required"),
        (None, ".") => serde_message.to_owned(),
        (None, path) => format!("{path}: {serde_message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn a_missing_field_is_said_plainly_and_other_messages_are_kept() {
        assert_eq!(readable(".", "missing field `steps`"), "steps is required");
        assert_eq!(
            readable("steps", "invalid type: string \"a\", expected u32"),
            "steps: invalid type: string \"a\", expected u32"
        );
    }
}
