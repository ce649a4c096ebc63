//! The `<task-monitor>` example pages end to end: the coreBOS page rewritten
//! around the element runs to 100 % (after a changed `src` attribute) and
//! its page script hears `task-completed`; three elements on one page run
//! at once and independently, Stop in one cancels its task on the server,
//! and removing an element closes its stream; `transport="fetch-worker"`
//! reads in the worker, and on the main thread where workers are forbidden;
//! a page in Spanish and Arabic says every word in its language.

use serde_json::json;
use sse_task_e2e::driver::{Driver, Engine};
use sse_task_e2e::element_page::ElementPage;
use sse_task_e2e::page::{wait_for_server_state, PageError};

/// Wraps the page's `EventSource` so that the test can count open streams
/// (`readyState` not CLOSED) as the browser sees them.
const TRACK_EVENT_SOURCES: &str = "if (!window.__sources) {\
       window.__sources = [];\
       const Native = window.EventSource;\
       window.EventSource = class extends Native {\
         constructor(...args) { super(...args); window.__sources.push(this); }\
       };\
     }";

const OPEN_EVENT_SOURCES: &str =
    "return window.__sources.filter(s => s.readyState !== EventSource.CLOSED).length;";

/// Runs both pages; returns what passed.
pub async fn run(driver: &Driver, base: &str) -> Result<Vec<String>, PageError> {
    let page = ElementPage::new(&driver.client);
    crm_page(driver, &page, base).await?;
    let mut passed = vec![
        "<task-monitor> on the rewritten coreBOS page ran to 100 % after its src changed; page scripts heard started, every line, progress 100, completed; autostart ran a new src; stop() from a task-line handler stopped it at that line".to_owned(),
    ];
    off_main_thread(driver, &page, base).await?;
    passed.push(
        "<task-monitor transport=\"fetch-worker\"> read the coreBOS source in its worker (the page fetched nothing) to every iteration; under a Content Security Policy that forbids workers it read it on the main thread, to every iteration".to_owned(),
    );
    own_kind(&page, base).await?;
    passed.push(
        "<task-monitor kind=\"countdown\" params=…> started the server's own job with its parameters, Stop cancelled it on the server; an element given only its task-id reattached on Start and created no task".to_owned(),
    );
    languages(driver, &page, base).await?;
    passed.push(
        "<task-monitor> on a page in Spanish (and one in Arabic, right to left) said no English word from Start to completed and to failed, the server's coded messages included; start-label, stop-label and labels renamed; task-failed carried each failure's code".to_owned(),
    );
    three_monitors(&page, base).await?;
    passed.push(
        "three <task-monitor>s at once: two completed, Stop in the third cancelled its task on the server; a fourth given task-id reattached to a running task and showed the same log; removing one closed its stream"
            .to_owned(),
    );
    Ok(passed)
}

async fn crm_page(driver: &Driver, page: &ElementPage<'_>, base: &str) -> Result<(), PageError> {
    const MONITOR: &str = "task-monitor";
    // The demo links to the element's pages.
    driver.client.goto(&format!("{base}/")).await?;
    page.wait_until("the demo's link to the element's coreBOS page", || async {
        Ok(driver
            .client
            .find(fantoccini::Locator::Css("a[href='element/es.html']"))
            .await
            .is_ok())
    })
    .await?;
    page.click_page("a[href='element/es.html']").await?;
    page.wait_ready().await?;
    // A changed attribute takes effect at the next Start: a faster pace.
    page.script(
        "document.querySelector('task-monitor')\
           .setAttribute('src', '/seeds/corebos/source?interval_ms=100');",
        vec![],
    )
    .await?;
    page.script(LISTEN, vec![]).await?;
    page.click(MONITOR, "start").await?;
    page.wait_for_status(MONITOR, "completed").await?;
    let lines = page.lines(MONITOR).await?;
    page.wait_until("the page's deferred reads of every line", || async {
        let read = page
            .script("return window.__heard.lines.length;", vec![])
            .await?;
        Ok(read.as_u64() >= Some(lines.len() as u64))
    })
    .await?;
    let heard = page.script("return window.__heard;", vec![]).await?;
    let told: Vec<String> = serde_json::from_value(heard["lines"].clone()).unwrap_or_default();
    if told != lines
        || heard["started"] != 1
        || heard["progress"] != 100.0
        || heard["completed"] != 1
        || heard["order"] != "started,line,completed"
    {
        return Err(PageError::Unexpected(format!(
            "the page's listeners heard {heard} while the log shows {lines:?}"
        )));
    }
    let iterations: Vec<String> = lines
        .iter()
        .filter(|line| line.starts_with("on iteration"))
        .cloned()
        .collect();
    let expected: Vec<String> = (1..=10)
        .map(|i| format!("on iteration {i} of 10"))
        .collect();
    if iterations != expected || !lines.iter().any(|line| line == "Process complete") {
        return Err(PageError::Unexpected(format!(
            "the coreBOS page's log is not every iteration once then Process complete: {lines:?}"
        )));
    }
    let label = page.text(MONITOR, "progress-label").await?;
    let outcome = page.page_text("#outcome").await?;
    if label != "100%" || outcome != "Import finished." {
        return Err(PageError::Unexpected(format!(
            "completed, but the bar says {label:?} and the page says {outcome:?}"
        )));
    }
    // With autostart, a new source starts by itself.
    page.script(
        "const m = document.querySelector('task-monitor');\
         m.setAttribute('autostart', '');\
         m.setAttribute('src', '/seeds/corebos/source?interval_ms=20');",
        vec![],
    )
    .await?;
    page.wait_until("autostart to run the new source to its end", || async {
        let heard = page.script("return window.__heard;", vec![]).await?;
        Ok(heard["started"] == 2 && heard["completed"] == 2)
    })
    .await?;
    // A page script may call stop() from the element's own event handler:
    // the stream stops right there, at the line it named.
    page.script(
        "const m = document.querySelector('task-monitor');\
         m.removeAttribute('autostart');\
         m.setAttribute('src', '/seeds/corebos/source?interval_ms=100');\
         m.addEventListener('task-line', e => {\
           if (e.detail.text === 'on iteration 2 of 10') m.stop();\
         });\
         m.start();",
        vec![],
    )
    .await?;
    page.wait_for_status(MONITOR, "stopped").await?;
    let lines = page.lines(MONITOR).await?;
    let tail: Vec<&str> = lines
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(String::as_str)
        .collect();
    if tail != ["on iteration 2 of 10", "Interrupted"] {
        return Err(PageError::Unexpected(format!(
            "stop() from a task-line handler should end the log at iteration 2: {lines:?}"
        )));
    }
    page.no_errors("on the coreBOS page").await
}

/// How many of the page's own fetches (its resource timing) went to the
/// coreBOS source: a stream read in the worker is none of them.
const PAGE_FETCHES_OF_SOURCE: &str = "return performance.getEntriesByType('resource')\
       .filter(e => e.name.includes('/seeds/corebos/source')).length;";

/// `transport="fetch-worker"` on the coreBOS page: every iteration, read
/// in the worker; then again where a Content Security Policy forbids
/// workers, read on the main thread.
async fn off_main_thread(
    driver: &Driver,
    page: &ElementPage<'_>,
    base: &str,
) -> Result<(), PageError> {
    const MONITOR: &str = "task-monitor";
    for forbidden in [false, true] {
        // The console so far must be clean: what the policy adds is checked below.
        let earlier = driver.console_errors().await?;
        if !earlier.is_empty() {
            return Err(PageError::Unexpected(format!(
                "errors in the console: {earlier:#?}"
            )));
        }
        page.open(&format!("{base}/element/es.html")).await?;
        page.wait_ready().await?;
        if forbidden {
            // The worker starts at the first stream: a policy set before it applies.
            page.script(
                "const policy = document.createElement('meta');\
                 policy.httpEquiv = 'Content-Security-Policy';\
                 policy.content = \"worker-src 'none'\";\
                 document.head.append(policy);",
                vec![],
            )
            .await?;
        }
        page.script(
            "const m = document.querySelector('task-monitor');\
             m.setAttribute('transport', 'fetch-worker');\
             m.setAttribute('src', '/seeds/corebos/source?interval_ms=20');\
             m.start();",
            vec![],
        )
        .await?;
        page.wait_for_status(MONITOR, "completed").await?;
        let lines = page.lines(MONITOR).await?;
        let iterations = lines
            .iter()
            .filter(|line| line.starts_with("on iteration"))
            .count();
        let fetched_by_page = page.script(PAGE_FETCHES_OF_SOURCE, vec![]).await?;
        let expected_by_page = u64::from(forbidden);
        if iterations != 10 || fetched_by_page.as_u64() != Some(expected_by_page) {
            return Err(PageError::Unexpected(format!(
                "fetch-worker (workers forbidden: {forbidden}): {iterations} of 10 iterations, \
                 the page fetched the source {fetched_by_page} times (expected {expected_by_page}): {lines:?}"
            )));
        }
        // The element says where it reads when no worker can start, and only then.
        let page_said = page.page_errors().await?;
        let only_ours = page_said
            .iter()
            .all(|line| line.contains("streams stay on the main thread"));
        if !only_ours || page_said.is_empty() == forbidden {
            return Err(PageError::Unexpected(format!(
                "fetch-worker (workers forbidden: {forbidden}): the page reported {page_said:#?}"
            )));
        }
        if forbidden && driver.engine == Engine::Chromium {
            // The browser reports the blocked worker; the element says where it reads.
            let said = driver.console_errors().await?;
            let ours = said
                .iter()
                .any(|line| line.contains("streams stay on the main thread"));
            let only_the_policy = said.iter().all(|line| {
                line.contains("streams stay on the main thread")
                    || line.contains("Content Security Policy")
            });
            if !ours || !only_the_policy {
                return Err(PageError::Unexpected(format!(
                    "with workers forbidden the console should say only that: {said:#?}"
                )));
            }
        }
    }
    Ok(())
}

/// The server's own job kind from the element: `kind` and `params` create
/// a `countdown`, Stop cancels it on the server; an element given only
/// that task's id follows it on Start and creates nothing.
async fn own_kind(page: &ElementPage<'_>, base: &str) -> Result<(), PageError> {
    page.open(&format!("{base}/element/three.html")).await?;
    page.add_monitor(
        "countdown",
        serde_json::json!({"kind": "countdown", "params": "{\"from\": 200, \"interval_ms\": 50}"}),
    )
    .await?;
    page.click("#countdown", "start").await?;
    page.wait_until("three counts", || async {
        Ok(page.lines("#countdown").await?.len() >= 3)
    })
    .await?;
    let first = page.lines("#countdown").await?;
    if first[..2] != ["199 left", "198 left"] {
        return Err(PageError::Unexpected(format!(
            "the countdown from 200 began {first:?}"
        )));
    }
    page.click("#countdown", "stop").await?;
    page.wait_for_status("#countdown", "stopped").await?;
    let status_url = page
        .string("return document.getElementById('countdown').statusUrl;")
        .await?;
    wait_for_server_state(base, &status_url, "cancelled").await?;
    let id = page
        .string("return document.getElementById('countdown').getAttribute('task-id');")
        .await?;
    let newest_before = newest_task(base).await?;
    page.add_monitor("follower", serde_json::json!({ "task-id": id }))
        .await?;
    page.wait_for_status("#follower", "stopped").await?;
    page.click("#follower", "start").await?;
    page.wait_for_status("#follower", "stopped").await?;
    let followed = page.lines("#follower").await?;
    let newest_after = newest_task(base).await?;
    if newest_after != newest_before || followed.first().map(String::as_str) != Some("199 left") {
        return Err(PageError::Unexpected(format!(
            "Start on an element given only a task-id should reattach to it and create nothing: \
             the newest task was {newest_before}, is {newest_after}; its log {followed:?}"
        )));
    }
    page.no_errors("with the server's own job kind").await
}

/// English words a translated panel must not show (as whole words).
const ENGLISH_WORDS: &str = "Start|Stop|Task|task|Idle|Running|Completed|Failed|failed|\
     step|Process|complete|Stream|closed|server|progress|log|Interrupted";

/// What `monitor`'s panel shows and names: its visible text, and every
/// `aria-label` in it (its own first).
const PANEL_WORDS: &str = "const m = document.querySelector(arguments[0]);\
       const panel = m.shadowRoot.querySelector('section');\
       const names = [panel, ...panel.querySelectorAll('[aria-label]')]\
         .map(e => e.getAttribute('aria-label'));\
       return [panel.innerText, ...names].join('\\n');";

/// The English words `monitor`'s panel shows, if any.
async fn english_in(page: &ElementPage<'_>, monitor: &str) -> Result<Vec<String>, PageError> {
    let words = page.script(PANEL_WORDS, vec![monitor.into()]).await?;
    let found = page
        .script(
            "return Array.from(arguments[0].matchAll(new RegExp('\\\\b(' + arguments[1] + ')\\\\b', 'g')), m => m[0]);",
            vec![words, ENGLISH_WORDS.into()],
        )
        .await?;
    Ok(serde_json::from_value(found).unwrap_or_default())
}

/// The page in Spanish (and Arabic): every word of the panel is the page's
/// language, from Start to completed and to failed; the attributes rename;
/// each failure's `task-failed` carries its code.
async fn languages(driver: &Driver, page: &ElementPage<'_>, base: &str) -> Result<(), PageError> {
    page.open(&format!("{base}/element/languages.html")).await?;
    page.script(
        "window.__failed = {};\
         document.addEventListener('task-failed', e => {\
           window.__failed[e.target.id] = e.detail;\
         });",
        vec![],
    )
    .await?;
    for monitor in ["#import", "#broken", "#arabic"] {
        let english = english_in(page, monitor).await?;
        if !english.is_empty() {
            return Err(PageError::Unexpected(format!(
                "{monitor} shows English words before Start: {english:?}"
            )));
        }
    }
    let start = page.text("#import", "start").await?;
    if start != "Iniciar tarea larga" {
        return Err(PageError::Unexpected(format!(
            "the Spanish page's Start button says {start:?}"
        )));
    }
    for monitor in ["#import", "#broken", "#export", "#arabic"] {
        page.click(monitor, "start").await?;
    }
    for (monitor, status) in [
        ("#import", "completed"),
        ("#broken", "failed"),
        ("#export", "completed"),
        ("#arabic", "completed"),
    ] {
        page.wait_for_status(monitor, status).await?;
        let english = english_in(page, monitor).await?;
        if !english.is_empty() {
            return Err(PageError::Unexpected(format!(
                "{monitor}, {status}, shows English words: {english:?}"
            )));
        }
    }
    let lines = page.lines("#import").await?;
    let label = page.text("#import", "progress-label").await?;
    let status = page.text("#import", "status").await?;
    let expected = [
        "contactos: paso 1 de 3",
        "contactos: paso 2 de 3",
        "contactos: paso 3 de 3",
        "Proceso terminado",
        "Flujo cerrado: tarea completada",
    ];
    if lines != expected || label != "100 %" || status != "Completada" {
        return Err(PageError::Unexpected(format!(
            "the Spanish import completed saying {status:?} at {label:?} with the log {lines:?}"
        )));
    }
    let failed = page.script("return window.__failed;", vec![]).await?;
    let status = page.text("#broken", "status").await?;
    if failed["broken"]["code"] != "task-failed"
        || failed["broken"]["reason"] != "el paso 2 de 3 falló"
        || status != "Error: el paso 2 de 3 falló"
    {
        return Err(PageError::Unexpected(format!(
            "the failing import says {status:?}; its task-failed detail was {}",
            failed["broken"]
        )));
    }
    let (start, stop, status) = (
        page.text("#export", "start").await?,
        page.text("#export", "stop").await?,
        page.text("#export", "status").await?,
    );
    if (start.as_str(), stop.as_str(), status.as_str())
        != ("Exportar mis datos", "Cancelar", "¡Listo!")
    {
        return Err(PageError::Unexpected(format!(
            "start-label, stop-label and labels should rename: {start:?}, {stop:?}, {status:?}"
        )));
    }
    let arabic = page
        .script(
            "const panel = document.querySelector('#arabic').shadowRoot.querySelector('section');\
             return [panel.getAttribute('dir'), getComputedStyle(panel).direction,\
               panel.querySelector('[data-testid=status]').textContent];",
            vec![],
        )
        .await?;
    if arabic != serde_json::json!(["rtl", "rtl", "اكتملت"]) {
        return Err(PageError::Unexpected(format!(
            "the Arabic monitor should run right to left and say it completed: {arabic}"
        )));
    }
    // Each kind of failure carries its code in task-failed: id, attributes, code.
    let failures = [
        (
            "not-found",
            json!({"src": "/faults/status/404"}),
            "http-status",
        ),
        ("gone", json!({"src": "/faults/status/410"}), "gone"),
        (
            "no-content",
            json!({"src": "/faults/status/204"}),
            "no-content",
        ),
        ("latin", json!({"src": "/faults/charset"}), "charset"),
        (
            "html",
            json!({"src": "/faults/wrong-content-type"}),
            "content-type",
        ),
        (
            "signed-out",
            json!({"src": "/faults/session-expired"}),
            "redirected",
        ),
        (
            "loop",
            json!({"src": "/faults/redirect-loop"}),
            "redirect-loop",
        ),
        (
            "no-token",
            json!({"src": "/demo/secure?count=3"}),
            "unauthorized",
        ),
        (
            "script",
            json!({"src": "javascript:alert(1)"}),
            "bad-scheme",
        ),
        (
            "big",
            json!({"src": "/faults/big?bytes=4096", "max-event-bytes": "1024"}),
            "too-large",
        ),
        ("bad-kind", json!({"kind": "no-such-kind"}), "http-status"),
        ("no-task", json!({"task-id": "no such task"}), "bad-task-id"),
        (
            "gone-task",
            json!({"task-id": "no-such-task-1"}),
            "task-unknown",
        ),
    ];
    for (id, mut attributes, _) in failures.clone() {
        // A task-id alone is followed at once; the others start themselves.
        if attributes.get("task-id").is_none() {
            attributes["autostart"] = "".into();
        }
        page.add_monitor(id, attributes).await?;
    }
    let expected: Vec<(&str, &str)> = failures.iter().map(|(id, _, code)| (*id, *code)).collect();
    page.wait_until("every failure's task-failed", || async {
        let failed = page.script("return window.__failed;", vec![]).await?;
        Ok(expected.iter().all(|(id, _)| failed[id].is_object()))
    })
    .await?;
    let failed = page.script("return window.__failed;", vec![]).await?;
    for (id, code) in &expected {
        let reason = failed[id]["reason"].as_str().unwrap_or_default();
        if failed[id]["code"] != *code || reason.is_empty() {
            return Err(PageError::Unexpected(format!(
                "#{id} should fail with code {code}: its task-failed detail was {}",
                failed[id]
            )));
        }
    }
    // Chromium's EventSource says in the console why it aborted the two
    // streams it refuses itself (a charset, a content type): expected;
    // nothing else is.
    let unexpected: Vec<String> = driver
        .console_errors()
        .await?
        .into_iter()
        .filter(|error| !error.contains("EventSource's response has"))
        .collect();
    if !unexpected.is_empty() {
        return Err(PageError::Unexpected(format!(
            "errors in the console on the page in Spanish: {unexpected:#?}"
        )));
    }
    page.no_errors("on the page in Spanish").await
}

/// The id of the newest task the server lists.
async fn newest_task(base: &str) -> Result<String, PageError> {
    let listed: serde_json::Value = reqwest::get(format!("{base}/api/tasks?limit=1"))
        .await?
        .json()
        .await?;
    Ok(listed["tasks"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Listens on the document (the events bubble out of the shadow root) to
/// what a page script would use: each event's kind in order (repeats
/// folded), the lines told (each line's detail read later, as a script
/// that keeps its events does), the last progress.
const LISTEN: &str = "window.__heard = { started: 0, completed: 0, lines: [], progress: null, order: '' };\
     const kinds = [];\
     const note = kind => { if (kinds[kinds.length - 1] !== kind) kinds.push(kind);\
                            window.__heard.order = kinds.join(','); };\
     document.addEventListener('task-started', () => { window.__heard.started++; note('started'); });\
     document.addEventListener('task-line', e => { note('line');\
       setTimeout(() => window.__heard.lines.push(e.detail.text)); });\
     document.addEventListener('task-progress', e => { window.__heard.progress = e.detail.progress; });\
     document.addEventListener('task-completed', () => { window.__heard.completed++; note('completed'); });";

async fn three_monitors(page: &ElementPage<'_>, base: &str) -> Result<(), PageError> {
    page.open(&format!("{base}/element/three.html")).await?;
    page.script(TRACK_EVENT_SOURCES, vec![]).await?;
    // The page's own button calls each element's start() method.
    page.click_page("#start-all").await?;
    page.wait_until("a few lines in #export", || async {
        Ok(page.lines("#export").await?.len() >= 3)
    })
    .await?;
    // A second element given #import's task-id (which #import wrote back
    // when it created the task) reattaches to the same running task.
    let import_id = page
        .string("return document.getElementById('import').getAttribute('task-id');")
        .await?;
    if import_id.is_empty() {
        return Err(PageError::Unexpected(
            "#import did not write its task-id".into(),
        ));
    }
    page.add_monitor("again", serde_json::json!({ "task-id": import_id }))
        .await?;
    page.click("#export", "stop").await?;
    page.wait_for_status("#export", "stopped").await?;
    let status_url = page
        .string("return document.getElementById('export').statusUrl;")
        .await?;
    if status_url.is_empty() {
        return Err(PageError::Unexpected(
            "the element created no task (statusUrl is empty)".into(),
        ));
    }
    let state = wait_for_server_state(base, &status_url, "cancelled").await?;
    for monitor in ["#seed", "#import"] {
        page.wait_for_status(monitor, "completed").await?;
        let label = page.text(monitor, "progress-label").await?;
        if label != "100%" {
            return Err(PageError::Unexpected(format!(
                "{monitor} completed at {label}"
            )));
        }
    }
    page.wait_for_status("#again", "completed").await?;
    let (import_lines, again_lines) = (page.lines("#import").await?, page.lines("#again").await?);
    if import_lines != again_lines {
        return Err(PageError::Unexpected(format!(
            "the reattached element shows {again_lines:?}, the one that started it {import_lines:?}"
        )));
    }
    let finished = page.page_text("#finished").await?;
    let export_lines = page.lines("#export").await?;
    if finished != "3"
        || page.status("#export").await? != "stopped"
        || export_lines.last().map(String::as_str) != Some("Interrupted")
    {
        return Err(PageError::Unexpected(format!(
            "expected 3 finished (#again too) and #export stopped with Interrupted (server: {state}); \
             the page says {finished} finished, #export's log {export_lines:?}"
        )));
    }

    // Removing an element closes its stream.
    page.click("#import", "start").await?;
    page.wait_until("#import to stream again", || async {
        Ok(page.status("#import").await? == "open")
    })
    .await?;
    let open = page.script(OPEN_EVENT_SOURCES, vec![]).await?;
    if open != serde_json::json!(1) {
        return Err(PageError::Unexpected(format!(
            "expected #import's one open EventSource, the browser has {open}"
        )));
    }
    page.script("document.getElementById('import').remove();", vec![])
        .await?;
    page.wait_until("the removed element's stream to close", || async {
        Ok(page.script(OPEN_EVENT_SOURCES, vec![]).await? == serde_json::json!(0))
    })
    .await?;
    page.no_errors("with three monitors").await
}
