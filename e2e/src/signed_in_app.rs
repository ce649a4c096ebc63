//! The task server's `my_exports` example as two of its users run it, each
//! in a browser of their own (two Chromium sessions: two cookie jars):
//! alice and bob sign in with the app's form, start an export each, and
//! each page's monitor streams that user's task (the session cookie is all
//! its `EventSource` sends) while the dashboard lists only that user's
//! tasks; bob's page cannot reach alice's task (the API answers 404, the
//! monitor says the task is not there); alice stops hers, which the server
//! cancels, while bob's runs on.

use std::ffi::OsString;
use std::path::Path;

use fantoccini::Locator;
use sse_task_e2e::driver::Driver;
use sse_task_e2e::element_page::ElementPage;
use sse_task_e2e::page::PageError;

use crate::server_process::{free_port, ServerProcess};

/// Runs the example; returns what passed.
pub async fn run(
    alice: &Driver,
    browser: (&Path, &Path),
    example: &Path,
    dist: &Path,
) -> Result<String, PageError> {
    let port = free_port()?;
    let args: Vec<OsString> = vec![dist.join("element").into(), port.to_string().into()];
    let app = ServerProcess::spawn(example, &args).await?;
    let (chromedriver, chromium) = browser;
    let bob = Driver::start(chromedriver, chromium)
        .await
        .map_err(|error| PageError::Unexpected(format!("a second browser: {error}")))?;
    let base = format!("http://127.0.0.1:{port}");
    let outcome = two_users(&alice.client, &bob.client, &base).await;
    bob.stop().await;
    app.kill().await;
    outcome
}

async fn two_users(
    alice: &fantoccini::Client,
    bob: &fantoccini::Client,
    base: &str,
) -> Result<String, PageError> {
    let (alices, bobs) = (ElementPage::new(alice), ElementPage::new(bob));
    sign_in(alice, &alices, base, "alice").await?;
    sign_in(bob, &bobs, base, "bob").await?;
    let alice_task = start_export(&alices).await?;
    let bob_task = start_export(&bobs).await?;

    // Each dashboard lists that user's task alone.
    for (page, mine, theirs) in [
        (&alices, &alice_task, &bob_task),
        (&bobs, &bob_task, &alice_task),
    ] {
        page.wait_until("the dashboard to list my export", || async {
            Ok(dashboard(page).await? == vec![mine.clone()])
        })
        .await?;
        if dashboard(page).await?.contains(theirs) {
            return Err(PageError::Unexpected(
                "a dashboard lists another user's task".into(),
            ));
        }
    }

    // Bob's page cannot reach Alice's task, by the API or by the monitor.
    let status = bobs
        .script(
            "return fetch('/api/tasks/' + arguments[0]).then(r => r.status);",
            vec![alice_task.clone().into()],
        )
        .await?;
    if status != 404 {
        return Err(PageError::Unexpected(format!(
            "bob's page read alice's task: {status}"
        )));
    }
    bobs.script(
        "const probe = document.createElement('task-monitor');\
         probe.id = 'probe';\
         probe.setAttribute('task-id', arguments[0]);\
         document.querySelector('main').append(probe);",
        vec![alice_task.clone().into()],
    )
    .await?;
    bobs.wait_for_status("#probe", "failed").await?;
    let said = bobs.text("#probe", "status").await?;
    if !said.contains("is not on the server") {
        return Err(PageError::Unexpected(format!(
            "bob's monitor on alice's task says {said:?}"
        )));
    }

    // Alice stops hers: cancelled on the server; Bob's runs on.
    alices.click("task-monitor", "stop").await?;
    alices.wait_for_status("task-monitor", "stopped").await?;
    for (page, task, state) in [
        (&alices, &alice_task, "cancelled"),
        (&bobs, &bob_task, "running"),
    ] {
        page.wait_until(&format!("{task} to be {state}"), || async {
            let seen = page
                .script(
                    "return fetch('/api/tasks/' + arguments[0]).then(r => r.json()).then(t => t.state);",
                    vec![task.clone().into()],
                )
                .await?;
            Ok(seen == state)
        })
        .await?;
    }
    Ok(
        "the my_exports example with two users in two browsers: each signs in, streams and \
        lists only their own export, bob's page gets 404 for alice's, alice's Stop cancels \
        hers while bob's runs on"
            .to_owned(),
    )
}

/// Signs `user` in with the app's form.
async fn sign_in(
    client: &fantoccini::Client,
    page: &ElementPage<'_>,
    base: &str,
    user: &str,
) -> Result<(), PageError> {
    client.goto(&format!("{base}/")).await?;
    client
        .find(Locator::Id("user"))
        .await?
        .send_keys(user)
        .await?;
    client
        .find(Locator::Id("password"))
        .await?
        .send_keys(&format!("{user}-password"))
        .await?;
    page.click_page("#sign-in").await?;
    page.wait_ready().await?;
    let who = page.page_text("#who").await?;
    if who != format!("Signed in as {user}") {
        return Err(PageError::Unexpected(format!("after signing in: {who:?}")));
    }
    Ok(())
}

/// Clicks "Export my data" and waits until the monitor streams it; the
/// task's id.
async fn start_export(page: &ElementPage<'_>) -> Result<String, PageError> {
    page.click_page("#export").await?;
    page.wait_until("the export to stream its first record", || async {
        Ok(page
            .lines("task-monitor")
            .await?
            .iter()
            .any(|line| line.contains("exported record 1 of 40")))
    })
    .await?;
    page.string("return document.querySelector('task-monitor').getAttribute('task-id');")
        .await
}

/// The task ids the dashboard lists.
async fn dashboard(page: &ElementPage<'_>) -> Result<Vec<String>, PageError> {
    let ids = page
        .script(
            "return Array.from(document.querySelectorAll('#tasks tbody tr'), r => r.dataset.task);",
            vec![],
        )
        .await?;
    serde_json::from_value(ids.clone())
        .map_err(|_| PageError::Unexpected(format!("the dashboard's rows: {ids}")))
}
