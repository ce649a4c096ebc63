//! The accessibility check: axe-core (installed from npm by
//! `scripts/install-tools.sh`, never shipped) runs on the demo's two views
//! (the single-task view after its task ran to the end, so the log, the bar
//! and the final status are checked too) and on the element's example
//! pages, shadow roots included; any violation fails with its rule, impact
//! and elements.

use std::path::Path;

use fantoccini::Client;
use sse_task_e2e::page::PageError;

/// The pages checked, with what to wait for before the check.
const PAGES: [(&str, &str); 4] = [
    ("/?source=corebos&interval_ms=20", "[data-testid='start']"),
    ("/?view=tasks", "[data-testid='task-row']"),
    ("/element/es.html", "task-monitor"),
    ("/element/three.html", "task-monitor"),
];

/// Runs axe on every page of [`PAGES`] on `base`; returns what passed.
pub async fn run(client: &Client, base: &str, axe_js: &Path) -> Result<String, PageError> {
    let axe = std::fs::read_to_string(axe_js).map_err(|error| {
        PageError::Unexpected(format!(
            "cannot read axe-core at {} ({error}); scripts/install-tools.sh installs it",
            axe_js.display()
        ))
    })?;
    let mut violations = Vec::new();
    for (path, ready) in PAGES {
        client.goto(&format!("{base}{path}")).await?;
        client
            .wait()
            .for_element(fantoccini::Locator::Css(ready))
            .await?;
        // The demo's own view: run its task to the end, so the log, the
        // bar and the final status are checked too.
        if path.starts_with("/?source") {
            client
                .execute(
                    "document.querySelector(\"[data-testid='start']\").click()",
                    vec![],
                )
                .await?;
            client
                .wait()
                .for_element(fantoccini::Locator::Css("[data-status='completed']"))
                .await?;
        }
        client.execute(&axe, vec![]).await?;
        let found = client
            .execute_async(
                "var done = arguments[arguments.length - 1];\
                 axe.run(document, { resultTypes: ['violations'] })\
                   .then(function (r) { done(r.violations.map(function (v) {\
                     return v.id + ' (' + v.impact + '): ' + v.nodes.map(function (n) {\
                       return n.target.join(' ');\
                     }).join(', ');\
                   })); })\
                   .catch(function (e) { done(['axe failed: ' + e]); });",
                vec![],
            )
            .await?;
        for violation in found.as_array().into_iter().flatten() {
            violations.push(format!(
                "{path}: {}",
                violation.as_str().unwrap_or_default()
            ));
        }
    }
    if violations.is_empty() {
        Ok(format!(
            "accessibility: axe-core found no violation on {} pages (the demo's two views, the element's two pages)",
            PAGES.len()
        ))
    } else {
        Err(PageError::Unexpected(format!(
            "accessibility violations: {violations:#?}"
        )))
    }
}
