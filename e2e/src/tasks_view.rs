//! The demo's Tasks view end to end: tasks created on the server appear in
//! the table and run to completed; Stop in a row cancels that task on the
//! server; Log opens a task's full log.

use fantoccini::{Client, Locator};
use serde_json::json;
use sse_task_e2e::page::{poll_until, wait_for_server_state, PageError};

/// Runs the scenario against the demo at `base`; returns what passed.
pub async fn run(client: &Client, base: &str) -> Result<String, PageError> {
    client.goto(&format!("{base}/?view=tasks")).await?;
    wait(client, "the Tasks view to be live", || async {
        Ok(attr(client, "[data-testid='dashboard-connection']", "data-state").await? == "open")
    })
    .await?;
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for steps in [5, 6, 400] {
        let task: serde_json::Value = http
            .post(format!("{base}/api/tasks"))
            .json(&json!({ "steps": steps, "interval_ms": 50 }))
            .send()
            .await?
            .json()
            .await?;
        ids.push(task["id"].as_str().unwrap_or_default().to_owned());
    }
    let row = |id: &str| format!("[data-testid='task-row'][data-task-id='{id}']");
    // The long one: Stop in its row cancels it on the server.
    let long = ids[2].clone();
    wait(client, "the long task to run", || async {
        Ok(attr(client, &row(&long), "data-state").await? == "running")
    })
    .await?;
    client
        .find(Locator::Css(&format!(
            "{} [data-testid='task-stop']",
            row(&long)
        )))
        .await?
        .click()
        .await?;
    wait_for_server_state(base, &format!("/api/tasks/{long}"), "cancelled").await?;
    for id in &ids {
        let want = if *id == long {
            "cancelled"
        } else {
            "completed"
        };
        wait(client, &format!("task {id} to be {want}"), || async {
            Ok(attr(client, &row(id), "data-state").await? == want)
        })
        .await?;
    }
    // Log opens the first task's whole log.
    client
        .find(Locator::Css(&format!(
            "{} [data-testid='task-open-log']",
            row(&ids[0])
        )))
        .await?
        .click()
        .await?;
    wait(client, "the task's full log", || async {
        let lines = client
            .execute(
                "var p = document.querySelector(\"[data-testid='task-log-panel']\");\
                 return p ? p.querySelector('.tm-log').textContent : '';",
                vec![],
            )
            .await?;
        let text = lines.as_str().unwrap_or_default().to_owned();
        Ok((1..=5).all(|i| text.contains(&format!("step {i} of 5")))
            && text.contains("Process complete"))
    })
    .await?;
    narrow_screen(client, base).await?;
    Ok("the Tasks view: three tasks live in one table, Stop in a row cancelled its task on the server, Log showed a task's whole log; at 380 px neither view scrolls sideways and the form stays in its card".to_owned())
}

/// At 380 px wide (a phone), neither view scrolls sideways (the table
/// scrolls inside its own box) and no field of the form sticks out of its
/// card. The window gets its size back after.
async fn narrow_screen(client: &Client, base: &str) -> Result<(), PageError> {
    let (width, height) = client.get_window_size().await?;
    client.set_window_size(380, 900).await?;
    let mut problems = Vec::new();
    for (path, ready) in [
        ("/?source=openacs", "[data-testid='start']"),
        ("/?view=tasks", "[data-testid='task-row']"),
    ] {
        client.goto(&format!("{base}{path}")).await?;
        client.wait().for_element(Locator::Css(ready)).await?;
        let found = client
            .execute(
                "var doc = document.documentElement, out = [];\
                 if (doc.scrollWidth > doc.clientWidth) out.push('the page is ' + doc.scrollWidth + ' px wide in ' + doc.clientWidth);\
                 var card = document.querySelector('.source-picker');\
                 if (card) { var edge = card.getBoundingClientRect().right;\
                   card.querySelectorAll('select, input').forEach(function (e) {\
                     var r = e.getBoundingClientRect();\
                     if (r.width > 0 && r.right > edge + 0.5) out.push((e.dataset.testid || e.tagName) + ' ends at ' + r.right + ', its card at ' + edge); }); }\
                 return out;",
                vec![],
            )
            .await?;
        for problem in found.as_array().into_iter().flatten() {
            problems.push(format!("{path}: {}", problem.as_str().unwrap_or_default()));
        }
    }
    client.set_window_size(width as u32, height as u32).await?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(PageError::Unexpected(format!("at 380 px: {problems:?}")))
    }
}

async fn attr(client: &Client, selector: &str, name: &str) -> Result<String, PageError> {
    Ok(match client.find(Locator::Css(selector)).await {
        Ok(element) => element.attr(name).await?.unwrap_or_default(),
        Err(_) => String::new(),
    })
}

async fn wait<F, Fut>(client: &Client, what: &str, condition: F) -> Result<(), PageError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<bool, PageError>>,
{
    poll_until(what, condition, || async {
        attr(client, "[data-testid='dashboard-connection']", "data-state")
            .await
            .map(|state| format!("dashboard connection {state}"))
            .unwrap_or_default()
    })
    .await
}
