//! A monitor's task id in the page's URL query (`?task=<id>`): reading it,
//! and the query with it set or removed. Pure, natively tested;
//! `page_memory.rs` applies it to the page.

use crate::state::is_task_id;

/// The task id under `key` in `query` (with or without its `?`), when it
/// looks like one.
pub fn task_id_in_query(query: &str, key: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == key)
        .map(|(_, value)| value.to_owned())
        .filter(|value| is_task_id(value))
}

/// `query` with `key` set to `id`, or removed when `id` is `None`; the other
/// parameters keep their order. Returns `""` or `"?..."`.
pub fn query_with_task_id(query: &str, key: &str, id: Option<&str>) -> String {
    let mut pairs: Vec<String> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| pair.split('=').next() != Some(key))
        .map(String::from)
        .collect();
    if let Some(id) = id {
        pairs.push(format!("{key}={id}"));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b7e5a2c-4d1f-4c6e-9a51-3f0d2b8c7e11";

    #[test]
    fn the_id_is_read_from_its_own_parameter_only() {
        assert_eq!(
            task_id_in_query(&format!("?steps=5&task={ID}"), "task"),
            Some(ID.to_owned())
        );
        assert_eq!(task_id_in_query(&format!("mytask={ID}"), "task"), None);
        assert_eq!(task_id_in_query("?task=", "task"), None);
        assert_eq!(task_id_in_query("?task=%3Cscript%3E", "task"), None);
        assert_eq!(
            task_id_in_query(&format!("?task={}", "a".repeat(65)), "task"),
            None
        );
    }

    #[test]
    fn setting_and_removing_keeps_the_other_parameters() {
        assert_eq!(
            query_with_task_id("?steps=5&task=old&interval_ms=9", "task", Some(ID)),
            format!("?steps=5&interval_ms=9&task={ID}")
        );
        assert_eq!(
            query_with_task_id("", "task", Some(ID)),
            format!("?task={ID}")
        );
        assert_eq!(query_with_task_id("?task=old", "task", None), "");
        assert_eq!(query_with_task_id("?a=1&task=old", "task", None), "?a=1");
    }
}
