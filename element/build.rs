//! Writes into `OUT_DIR` what the element shares with the Leptos components,
//! so that each is written once:
//! - their stylesheet (`style/task-monitor.css` at the workspace root) up to
//!   its Tasks table part (the element has none), without its comments and
//!   extra whitespace, for `host.rs` to embed: the documented source stays
//!   readable, the wasm carries ~half its bytes;
//! - their panel's markup, as the server renders `<TaskMonitor>`
//!   (`tests/fixtures/task_monitor_ssr.html`, which the library's `ssr_render`
//!   test keeps equal to the components' output), for `panel.rs`: the inside
//!   of its `<section>` without the task's URL line, after the element's own
//!   list of attribute problems.

use std::{env, fs, path::PathBuf};

/// The comment that opens the stylesheet's last part, the Tasks table's.
const TASKS_TABLE: &str = "/* The Tasks table:";

fn main() {
    let source = "../style/task-monitor.css";
    println!("cargo:rerun-if-changed={source}");
    let css = fs::read_to_string(source).expect("style/task-monitor.css is readable");
    // The element has no Tasks table: the sheet's last part is not embedded.
    let css = css
        .split(TASKS_TABLE)
        .next()
        .filter(|_| css.contains(TASKS_TABLE))
        .expect("style/task-monitor.css has its Tasks table part last");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("task-monitor.min.css"), minify(css)).expect("OUT_DIR is writable");

    let components = "../tests/fixtures/task_monitor_ssr.html";
    println!("cargo:rerun-if-changed={components}");
    let html = fs::read_to_string(components).expect("the components' markup is readable");
    fs::write(out.join("panel.html"), panel_markup(&html)).expect("OUT_DIR is writable");
}

/// The element's panel from the components' markup (see the header).
fn panel_markup(components: &str) -> String {
    let html = components.trim();
    let inner_start = html.find('>').expect("the markup opens with its <section>") + 1;
    let inner_end = html
        .rfind("</section>")
        .expect("the markup ends with </section>");
    let mut inner = html[inner_start..inner_end].to_owned();
    let url_line = inner
        .find("<p data-testid=\"task-status-url\"")
        .expect("the components' markup has the task's URL line");
    let url_end = inner[url_line..]
        .find("</p>")
        .expect("the URL line is closed")
        + url_line
        + 4;
    inner.replace_range(url_line..url_end, "");
    format!(r#"<ul class="tm-problems" part="problems" role="alert" hidden></ul>{inner}"#)
}

/// Drops `/* … */` comments, collapses whitespace to one space, and drops
/// it next to `{ } ; ,` (never around `:`, where a space is a combinator).
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    text.push_str(rest);
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(words.len());
    let mut chars = words.chars().peekable();
    while let Some(c) = chars.next() {
        let tight = |c: char| matches!(c, '{' | '}' | ';' | ',');
        if c == ' ' && (out.ends_with(tight) || chars.peek().is_some_and(|&next| tight(next))) {
            continue;
        }
        out.push(c);
    }
    out
}
