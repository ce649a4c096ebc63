//! The Tasks table's rows in the DOM: [`TaskRows`] applies a [`RowPlan`]
//! (rows to append, cells to rewrite, rows to remove) directly, so a render
//! costs what changed, not the number of rows. New rows are clones of one
//! template row; text is set with `textContent`, never parsed as HTML. The
//! buttons carry `data-action` and are handled by one listener on the table
//! body (see [`clicked_row_action`]).

use std::collections::HashMap;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Event};

use super::rows::{RowChange, RowPlan};

/// What a click on a row's button asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    /// Cancel the task on the server.
    Stop(String),
    /// Open the task's full log.
    OpenLog(String),
}

/// The elements of one row that change.
struct RowElements {
    row: Element,
    name: Element,
    phase: Element,
    bar: Element,
    bar_fill: Element,
    percent: Element,
    last_line: Element,
    stop: Element,
}

/// The rows on screen, by task id.
pub struct TaskRows {
    template: Option<Element>,
    rows: HashMap<String, RowElements>,
}

impl TaskRows {
    /// No rows yet.
    pub fn new() -> Self {
        Self {
            template: None,
            rows: HashMap::new(),
        }
    }

    /// Applies `plan` to `body` (the table's row group).
    pub fn apply(&mut self, body: &Element, plan: &RowPlan) {
        for id in &plan.remove {
            if let Some(gone) = self.rows.remove(id) {
                gone.row.remove();
            }
        }
        for (id, change) in &plan.update {
            if let Some(row) = self.rows.get(id) {
                row.show(change);
            }
        }
        if plan.append.is_empty() {
            return;
        }
        let Some(document) = body.owner_document() else {
            return;
        };
        let fragment = document.create_document_fragment();
        for (id, change) in &plan.append {
            match self.new_row(&document, id) {
                Ok(row) => {
                    row.show(change);
                    let _ = fragment.append_child(&row.row);
                    self.rows.insert(id.clone(), row);
                }
                Err(error) => leptos::logging::warn!("could not add a task row: {error:?}"),
            }
        }
        let _ = body.append_child(&fragment);
    }

    /// A new row for task `id`, cloned from the template.
    fn new_row(&mut self, document: &Document, id: &str) -> Result<RowElements, JsValue> {
        let template = match &self.template {
            Some(template) => template.clone(),
            None => {
                let template = template_row(document)?;
                self.template = Some(template.clone());
                template
            }
        };
        let row: Element = template.clone_node_with_deep(true)?.unchecked_into();
        row.set_attribute("data-task-id", id)?;
        // The template's cells, in order (walking the children is cheaper
        // than a selector per cell, which counts with hundreds of new rows).
        let children = |parent: &Element| {
            std::iter::successors(parent.first_element_child(), Element::next_element_sibling)
                .collect::<Vec<_>>()
        };
        let missing = || JsValue::from_str("the template row changed");
        let [name, phase, progress, last_line, actions] =
            <[Element; 5]>::try_from(children(&row)).map_err(|_| missing())?;
        let [bar, percent] =
            <[Element; 2]>::try_from(children(&progress)).map_err(|_| missing())?;
        let bar_fill = bar.first_element_child().ok_or_else(missing)?;
        // Each bar's name, for assistive technology.
        let short: String = id.chars().take(8).collect();
        bar.set_attribute("aria-label", &format!("Progress of task {short}"))?;
        let stop = actions.first_element_child().ok_or_else(missing)?;
        Ok(RowElements {
            name,
            phase,
            bar,
            bar_fill,
            percent,
            last_line,
            stop,
            row,
        })
    }
}

impl Default for TaskRows {
    fn default() -> Self {
        Self::new()
    }
}

impl RowElements {
    /// Writes the changed cells.
    fn show(&self, change: &RowChange) {
        if let Some(name) = &change.name {
            self.name.set_text_content(Some(name));
        }
        if let Some(phase) = change.phase {
            let phase_name = phase.as_str();
            let _ = self.row.set_attribute("data-state", phase_name);
            self.phase
                .set_class_name(&format!("tm-phase tm-phase-{phase_name}"));
            self.phase.set_text_content(Some(phase_name));
            let _ = self
                .stop
                .toggle_attribute_with_force("disabled", phase.is_terminal());
        }
        if let Some((value, percent)) = &change.progress {
            // Whole numbers only: formatting an f64 would link float
            // printing (several KB of wasm) for one attribute.
            let permille = (value.clamp(0.0, 100.0) * 10.0).round() as u32;
            let _ = self
                .bar
                .set_attribute("aria-valuenow", &(permille / 10).to_string());
            // A transform: the bar moves without laying anything out.
            let _ = self.bar_fill.set_attribute(
                "style",
                &format!(
                    "transform:scaleX({}.{:03})",
                    permille / 1000,
                    permille % 1000
                ),
            );
            self.percent.set_text_content(Some(percent));
        }
        if let Some(line) = &change.last_line {
            // Shown on one line (cut with an ellipsis); the whole line on hover.
            self.last_line.set_text_content(Some(line));
            let _ = self.last_line.set_attribute("title", line);
        }
        if let Some(missed) = change.missed {
            let _ = self.row.set_attribute("data-missed", &missed.to_string());
        }
    }
}

/// The row every new row is cloned from (no text: [`RowElements::show`]
/// writes every cell of a new row).
fn template_row(document: &Document) -> Result<Element, JsValue> {
    let row = document.create_element("div")?;
    row.set_class_name("tm-row");
    row.set_attribute("role", "row")?;
    row.set_attribute("data-testid", "task-row")?;
    // A space between cells and between buttons: a page without the
    // stylesheet still reads "9bbd6509 completed 100% Process complete"
    // (grid and flex layouts ignore it).
    let space = |parent: &Element| -> Result<(), JsValue> {
        if parent.first_child().is_some() {
            parent.append_child(&document.create_text_node(" "))?;
        }
        Ok(())
    };
    let cell = |class: &str| -> Result<Element, JsValue> {
        space(&row)?;
        let cell = document.create_element("span")?;
        cell.set_class_name(class);
        cell.set_attribute("role", "cell")?;
        row.append_child(&cell)?;
        Ok(cell)
    };
    cell("tm-name")?;
    cell("tm-phase")?;
    let progress = cell("tm-row-progress")?;
    let bar = document.create_element("span")?;
    bar.set_class_name("tm-bar");
    bar.set_attribute("role", "progressbar")?;
    bar.set_attribute("aria-valuemin", "0")?;
    bar.set_attribute("aria-valuemax", "100")?;
    let fill = document.create_element("span")?;
    fill.set_class_name("tm-bar-fill");
    bar.append_child(&fill)?;
    progress.append_child(&bar)?;
    space(&progress)?;
    let percent = document.create_element("span")?;
    percent.set_class_name("tm-progress-label");
    progress.append_child(&percent)?;
    cell("tm-last-line")?;
    let actions = cell("tm-actions")?;
    for (action, testid, text) in [
        ("stop", "task-stop", "Stop"),
        ("log", "task-open-log", "Log"),
    ] {
        space(&actions)?;
        let button = document.create_element("button")?;
        button.set_attribute("type", "button")?;
        button.set_class_name("tm-button");
        button.set_attribute("data-testid", testid)?;
        button.set_attribute("data-action", action)?;
        button.set_text_content(Some(text));
        actions.append_child(&button)?;
    }
    Ok(row)
}

/// The action of a click inside the table body, when it was on a row's
/// button (a disabled button receives no clicks).
pub fn clicked_row_action(event: &Event) -> Option<RowAction> {
    let target: Element = event.target()?.dyn_into().ok()?;
    let button = target.closest("button[data-action]").ok()??;
    let id = button
        .closest("[data-task-id]")
        .ok()??
        .get_attribute("data-task-id")?;
    match button.get_attribute("data-action")?.as_str() {
        "stop" => Some(RowAction::Stop(id)),
        "log" => Some(RowAction::OpenLog(id)),
        _ => None,
    }
}
