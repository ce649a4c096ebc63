//! The element's panel in its shadow root: the library's Leptos components'
//! own markup, classes and test ids (controls, status, bar, log; taken by
//! `build.rs`), built once from that constant template and then updated in
//! place. Every
//! text that comes from the server or the attributes is set with
//! `textContent`, never parsed as HTML.

use sse_task_progress::words::whole_percent;
use sse_task_progress::{model::TaskLog, Labels, TaskStatus, Word};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Event, HtmlElement, HtmlProgressElement};

use crate::attributes::AttributeError;

/// The panel's markup: constant, with no data in it; the components' own,
/// as `build.rs` takes it from their server-rendered markup.
const MARKUP: &str = include_str!(concat!(env!("OUT_DIR"), "/panel.html"));

/// The panel's elements that change.
pub struct Panel {
    section: Element,
    problems: Element,
    controls: Element,
    /// Start Long Task.
    pub start: Element,
    /// Stop Task.
    pub stop: Element,
    status: Element,
    bar: HtmlProgressElement,
    label: Element,
    dropped: Element,
    /// The scrolling log, which a `LogRenderer` fills.
    pub log: HtmlElement,
}

impl Panel {
    /// Builds the panel at the end of `parent`.
    pub fn build(document: &Document, parent: &Element) -> Result<Self, JsValue> {
        let section = document.create_element("section")?;
        section.set_class_name("tm-monitor");
        section.set_attribute("part", "panel")?;
        section.set_inner_html(MARKUP);
        let find = |selector: &str| -> Result<Element, JsValue> {
            section
                .query_selector(selector)?
                .ok_or_else(|| JsValue::from_str("the panel's markup lacks a part"))
        };
        let panel = Self {
            problems: find(".tm-problems")?,
            controls: find(".tm-controls")?,
            start: find("[data-testid=start]")?,
            stop: find("[data-testid=stop]")?,
            status: find("[data-testid=status]")?,
            bar: find("progress")?.unchecked_into(),
            label: find("[data-testid=progress-label]")?,
            dropped: find("[data-testid=log-dropped]")?,
            log: find("[data-testid=log]")?.unchecked_into(),
            section,
        };
        parent.append_child(&panel.section)?;
        Ok(panel)
    }

    /// Lists the attributes that could not be used (hidden when none).
    pub fn show_problems<'a>(&self, problems: impl Iterator<Item = &'a AttributeError>) {
        self.problems.set_text_content(None);
        let document = self.problems.owner_document();
        let mut none = true;
        for problem in problems {
            none = false;
            if let Some(item) = document.as_ref().and_then(|d| d.create_element("li").ok()) {
                item.set_text_content(Some(&problem.to_string()));
                let _ = self.problems.append_child(&item);
            }
        }
        let _ = self.problems.toggle_attribute_with_force("hidden", none);
    }

    /// Says the panel's fixed words in `labels`' words: the buttons (Start
    /// hidden with `hide_start`), the names assistive technology reads
    /// (the panel's is `name` when the page gave one), and which way the
    /// text runs.
    pub fn set_words(&self, labels: &Labels, name: Option<&str>, hide_start: bool) {
        let say = |word| labels.template(word);
        let named = [
            (&self.section, name.unwrap_or(say(Word::Panel))),
            (&self.controls, say(Word::Controls)),
            (&self.bar, say(Word::Bar)),
            (&self.log, say(Word::Log)),
        ];
        for (element, words) in named {
            let _ = element.set_attribute("aria-label", words);
        }
        self.start.set_text_content(Some(say(Word::Start)));
        self.stop.set_text_content(Some(say(Word::Stop)));
        let _ = self.start.toggle_attribute_with_force("hidden", hide_start);
        let _ = match labels.direction() {
            Some(direction) => self.section.set_attribute("dir", direction),
            None => self.section.remove_attribute("dir"),
        };
    }

    /// Shows the status, the percentage, which button can act, and how
    /// many lines the log holds and dropped, in `labels`' words.
    pub fn show(
        &self,
        (status, progress): (&TaskStatus, f64),
        can_start: bool,
        log: &TaskLog,
        labels: &Labels,
    ) {
        let name = status.name();
        self.status.set_class_name(&status.badge_class());
        let _ = self.status.set_attribute("data-status", name);
        self.status.set_text_content(Some(&status.words(labels)));

        let label = labels.percent(progress);
        self.bar.set_value(progress);
        let _ = self
            .bar
            .set_attribute("aria-valuenow", &whole_percent(progress).to_string());
        let _ = self.bar.set_attribute("aria-valuetext", &label);
        self.label.set_text_content(Some(&label));

        let _ = self
            .start
            .toggle_attribute_with_force("disabled", !can_start);
        let _ = self
            .stop
            .toggle_attribute_with_force("disabled", !status.is_active());

        let dropped = log.dropped();
        let _ = self
            .dropped
            .toggle_attribute_with_force("hidden", dropped == 0);
        if dropped > 0 {
            self.dropped
                .set_text_content(Some(&labels.dropped(dropped)));
        }
        let _ = self.log.set_attribute("data-count", &log.len().to_string());
    }

    /// Takes the panel out of the shadow root.
    pub fn remove(&self) {
        self.section.remove();
    }
}

/// An event listener, removed when dropped (so the browser never calls a
/// freed closure).
pub struct Listener {
    target: Element,
    name: &'static str,
    closure: Closure<dyn FnMut(Event)>,
}

impl Listener {
    /// Calls `handler` on each `name` event of `target`.
    pub fn new(target: &Element, name: &'static str, handler: impl FnMut(Event) + 'static) -> Self {
        let closure = Closure::<dyn FnMut(Event)>::new(handler);
        let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        Self {
            target: target.clone(),
            name,
            closure,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.name, self.closure.as_ref().unchecked_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::MARKUP;

    /// The components' markup as the server renders it (checked by the
    /// library's `ssr_render` test).
    const COMPONENTS: &str = include_str!("../../tests/fixtures/task_monitor_ssr.html");

    /// Every element's `(data-testid, classes)` in `html`, in order (a tag
    /// without a class or a test id is skipped).
    fn parts(html: &str) -> Vec<(String, String)> {
        let attribute = |tag: &str, name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|start| {
                let value = &tag[start + key.len()..];
                value[..value.find('"').unwrap_or(value.len())].to_owned()
            })
        };
        html.split('<')
            .filter(|tag| !tag.starts_with('/'))
            .map(|tag| &tag[..tag.find('>').unwrap_or(tag.len())])
            .map(|tag| {
                (
                    attribute(tag, "data-testid").unwrap_or_default(),
                    attribute(tag, "class").unwrap_or_default(),
                )
            })
            .filter(|(id, class)| !id.is_empty() || !class.is_empty())
            .collect()
    }

    #[test]
    fn the_panel_has_the_components_classes_and_test_ids_in_their_order() {
        // The element's own part (its attribute problems) and the
        // components' own (the panel's root, which the element builds in
        // code, and the task's URL line) aside, the two must be the same.
        let element: Vec<_> = parts(MARKUP)
            .into_iter()
            .filter(|(_, class)| class != "tm-problems")
            .collect();
        let components: Vec<_> = parts(COMPONENTS)
            .into_iter()
            .filter(|(id, _)| id != "task-monitor" && id != "task-status-url")
            .collect();
        assert!(components.len() >= 9, "{components:?}");
        assert_eq!(element, components);
    }
}
