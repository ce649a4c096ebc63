//! The element's words, in this order: English; the built-in translation
//! the script fetched for the page's language (a JS object of label keys);
//! the `labels` attribute's JSON; `start-label` and `stop-label`. A key
//! that is not a label, or `labels` that is not a JSON object of strings,
//! is named in a problem the panel shows, and the rest still applies.

use js_sys::{Array, Object, JSON};
use sse_task_progress::{Labels, Word};
use wasm_bindgen::{JsCast, JsValue};

use crate::attributes::{AttributeError, WordSettings};

/// The labels of `translation` (the fetched JSON object, or `undefined`)
/// and `settings`, and what in them could not be used.
pub fn element_labels(
    translation: &JsValue,
    settings: &WordSettings,
) -> (Labels, Vec<AttributeError>) {
    let mut labels = Labels::english();
    let mut problems = Vec::new();
    read_object(&mut labels, translation, &mut problems);
    if let Some(json) = &settings.labels_json {
        match JSON::parse(json) {
            Ok(object) if object.is_object() && !Array::is_array(&object) => {
                read_object(&mut labels, &object, &mut problems)
            }
            _ => problems.push(AttributeError::Labels(
                "not a JSON object of label keys and strings".into(),
            )),
        }
    }
    if let Some(start) = &settings.start {
        labels.set_word(Word::Start, start.clone());
    }
    if let Some(stop) = &settings.stop {
        labels.set_word(Word::Stop, stop.clone());
    }
    (labels, problems)
}

/// Sets each string of `object` (a JS object) on `labels` by its key.
fn read_object(labels: &mut Labels, object: &JsValue, problems: &mut Vec<AttributeError>) {
    let Some(object) = object.dyn_ref::<Object>() else {
        return;
    };
    for entry in Object::entries(object).iter() {
        let entry: Array = entry.unchecked_into();
        let key = entry.get(0).as_string().unwrap_or_default();
        let Some(template) = entry.get(1).as_string() else {
            problems.push(AttributeError::Labels(format!("\"{key}\" is not a string")));
            continue;
        };
        if let Err(error) = labels.set_key(&key, template) {
            problems.push(AttributeError::Labels(error.to_string()));
        }
    }
}
