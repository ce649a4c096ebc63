//! `<TaskMonitor>` rendered on the server (`--features ssr`): the initial
//! markup a user sees before the page hydrates (Start enabled, Stop
//! disabled, idle, 0 %, an empty log), rendered without touching a browser
//! API. The markup is kept in `tests/fixtures/task_monitor_ssr.html`, which
//! the hydration test (`tests/browser.rs`, `--features hydrate`) hydrates
//! and runs to 100 %: this test fails when the two would drift apart.
//! `UPDATE_FIXTURES=1` rewrites the file.

use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;
use sse_task_progress::{TaskMonitor, TaskSource};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/task_monitor_ssr.html"
);

fn render_monitor() -> String {
    let owner = Owner::new();
    owner.with(|| {
        let source = TaskSource::Url {
            url: "/seeds/corebos/source".into(),
        };
        view! { <TaskMonitor source=Signal::stored(source) /> }.to_html()
    })
}

#[test]
fn task_monitor_renders_its_idle_markup_on_the_server() {
    let html = render_monitor();
    for expected in [
        r#"<button type="button" data-testid="start" part="start" class="tm-button tm-primary">Start Long Task</button>"#,
        r#"<button type="button" data-testid="stop" part="stop" disabled class="tm-button">Stop Task</button>"#,
        r#"data-status="idle""#,
        r#"aria-valuenow="0""#,
        r#"class="tm-progress-label">0%</span>"#,
        r#"data-count="0""#,
    ] {
        assert!(html.contains(expected), "missing {expected:?} in {html}");
    }
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(FIXTURE, &html).expect("write the fixture");
    }
    let fixture = std::fs::read_to_string(FIXTURE).expect("read the fixture");
    assert_eq!(
        html,
        fixture.trim_end_matches('\n'),
        "the markup changed: re-run with UPDATE_FIXTURES=1 and check the hydration test"
    );
}

/// `<TaskStyles>` on the server: the stylesheet as written, not escaped
/// (`>` is a CSS combinator; escaped, the rule would be lost).
#[test]
fn task_styles_render_the_stylesheet_unescaped() {
    let html = Owner::new().with(|| view! { <sse_task_progress::TaskStyles /> }.to_html());
    assert!(html.starts_with("<style"), "{html:.80}");
    assert!(html.contains(".tm-dashboard .tm-row > * {"), "{html:.200}");
    assert!(html.contains(sse_task_progress::STYLESHEET));
}
