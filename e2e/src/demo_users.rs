//! The demo on a server with users (`--user alice:A --user bob:B`): the
//! page signs in with its form, and from then on the session cookie is all
//! it sends: a task started on the task API streams to 100 % over the
//! browser's `EventSource` with nothing in its URL, and another over fetch;
//! the server lists it as alice's and bob's token does not reach it; signed
//! out, the page is asked to sign in again.

use std::ffi::OsString;
use std::path::Path;

use sse_task_e2e::driver::Driver;
use sse_task_e2e::page::{DemoPage, PageError};

use crate::server_process::{free_port, ServerProcess};

/// Runs the scenario with `bin` serving `dist`; returns what passed.
pub async fn run(driver: &Driver, bin: &Path, dist: &Path) -> Result<String, PageError> {
    let port = free_port()?;
    let args: Vec<OsString> = vec![
        "--static-dir".into(),
        dist.into(),
        "--user".into(),
        "alice:alice-token".into(),
        "--user".into(),
        "bob:bob-token".into(),
    ];
    let server = ServerProcess::start(bin, port, &args).await?;
    let outcome = signed_in(driver, port).await;
    server.kill().await;
    outcome
}

async fn signed_in(driver: &Driver, port: u16) -> Result<String, PageError> {
    let base = format!("http://127.0.0.1:{port}");
    let page = DemoPage::new(&driver.client);
    page.open(&format!("{base}/?steps=5&interval_ms=50"))
        .await?;
    page.wait_until("the sign-in form", || async {
        Ok(page.displayed("sign-in").await.unwrap_or(false))
    })
    .await?;
    page.fill("sign-in-token", "alice-token").await?;
    page.find("sign-in")
        .await?
        .find(fantoccini::Locator::Css("button"))
        .await?
        .click()
        .await?;
    page.wait_until("alice to be signed in", || async {
        Ok(page
            .text("signed-in")
            .await
            .unwrap_or_default()
            .contains("alice"))
    })
    .await?;
    page.click("start").await?;
    page.wait_for_status("completed").await?;
    let url = driver.client.current_url().await?;
    let task = url
        .query_pairs()
        .find(|(name, _)| name == "task")
        .map(|(_, id)| id.into_owned())
        .ok_or_else(|| PageError::Unexpected(format!("no task in the page's URL: {url}")))?;
    // The same with fetch: the page's own cookies, no header of ours.
    page.open(&format!("{base}/?steps=5&interval_ms=50&transport=fetch"))
        .await?;
    page.click("start").await?;
    page.wait_for_status("completed").await?;
    let http = reqwest::Client::new();
    let status = |token: &'static str| {
        let request = http
            .get(format!("{base}/api/tasks/{task}"))
            .bearer_auth(token);
        async move { Ok::<u16, PageError>(request.send().await?.status().as_u16()) }
    };
    let (alices, bobs) = (status("alice-token").await?, status("bob-token").await?);
    if (alices, bobs) != (200, 404) {
        return Err(PageError::Unexpected(format!(
            "alice's task answers alice {alices} and bob {bobs}"
        )));
    }
    page.find("signed-in")
        .await?
        .find(fantoccini::Locator::Css("button"))
        .await?
        .click()
        .await?;
    page.wait_until("the page to ask to sign in again", || async {
        Ok(page.displayed("sign-in").await.unwrap_or(false))
    })
    .await?;
    Ok(
        "the demo on a server with users: signed in with its form, tasks streamed to 100 % \
        over EventSource and over fetch with the session cookie alone, alice's task is not \
        bob's, sign-out asks again"
            .to_owned(),
    )
}
