//! Writes the components' stylesheet, which the element's shadow root
//! shares, without its comments and extra whitespace into `OUT_DIR`, for
//! `host.rs` to embed: the documented source (`style/task-monitor.css` at
//! the workspace root) stays readable, the wasm carries ~half its bytes.

use std::{env, fs, path::PathBuf};

fn main() {
    let source = "../style/task-monitor.css";
    println!("cargo:rerun-if-changed={source}");
    let css = fs::read_to_string(source).expect("style/task-monitor.css is readable");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("task-monitor.min.css"), minify(&css)).expect("OUT_DIR is writable");
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
