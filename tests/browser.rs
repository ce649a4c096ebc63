//! The real components in headless Chromium against the real mock server
//! (started by `scripts/test.sh`, address compiled in as `MOCK_SERVER_URL`).
//! Every test asserts what a user sees: the log's lines, the bar, the status.

#![cfg(target_arch = "wasm32")]

mod support;
/// The `TaskStream` docs' example, run below.
#[allow(dead_code)]
#[path = "../examples/without_leptos.rs"]
mod without_leptos;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use serde_json::json;
use sse_task_progress::{
    model::ReadyState, model::StreamTarget, model::TaskLog, model::TaskMeta, options::FetchOptions,
    Labels, StreamView, TaskSource, TaskStatus, TaskStream, Transport, UseTaskStreamOptions,
};
use support::{
    get_json, hits, hydrate_monitor, mount_dashboard, mount_in_words, mount_monitor,
    mount_remembering, on, page_query, post_json, quick_retries, run_until, server, set_page_query,
    sleep, steps, task_api, transports, unique_key, url, use_components_stylesheet,
    UnhandledRejections, CLOSED_COMPLETE, INTERRUPTED, LONG, NEW_CREDENTIALS, STARTED_OVER,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_task_runs_to_completed_with_100_percent_and_every_line_in_order() {
    for transport in transports() {
        let monitor = mount_monitor(task_api(6, 20, None, None), on(&transport));
        assert_eq!(monitor.status(), "idle");
        assert!(monitor.disabled("stop"));
        monitor.click("start");
        monitor.wait_for_status("completed", LONG).await;
        let mut expected = steps(6);
        expected.extend(["Process complete".to_owned(), CLOSED_COMPLETE.to_owned()]);
        assert_eq!(monitor.lines(), expected, "{}", transport.name());
        assert_eq!(monitor.progress(), 100.0);
        assert_eq!(monitor.text("progress-label"), "100%");
        assert!(!monitor.disabled("start"));
        assert!(monitor.disabled("stop"));
        let status = get_json(&monitor.text("task-status-url")).await;
        assert_eq!(status["state"], "completed");
    }
}

/// The markup `ssr` rendered (before any wasm ran) becomes live: the same
/// Start button starts the task, and it runs to 100 % with every line.
#[wasm_bindgen_test]
async fn server_rendered_markup_hydrates_and_runs_a_task_to_100_percent() {
    let monitor = hydrate_monitor(task_api(5, 20, None, None));
    let start_before = monitor.find("start");
    assert_eq!(monitor.status(), "idle");
    assert!(monitor.disabled("stop"));
    monitor.click("start");
    monitor.wait_for_status("completed", LONG).await;
    assert!(
        start_before.is_same_node(Some(&monitor.find("start"))),
        "hydration replaced the server's markup instead of adopting it"
    );
    let mut expected = steps(5);
    expected.extend(["Process complete".to_owned(), CLOSED_COMPLETE.to_owned()]);
    assert_eq!(monitor.lines(), expected);
    assert_eq!(monitor.progress(), 100.0);
    assert_eq!(monitor.text("progress-label"), "100%");
    assert_eq!(monitor.count(".tm-monitor"), 1, "{}", monitor.describe());
}

/// The task at `status_url` once its state is `wanted` (or as it is after 2 s).
async fn state_once(status_url: &str, wanted: &str) -> serde_json::Value {
    let mut state = serde_json::Value::Null;
    for _ in 0..40 {
        state = get_json(status_url).await;
        if state["state"] == wanted {
            break;
        }
        sleep(50).await;
    }
    state
}

#[wasm_bindgen_test]
async fn stop_in_the_middle_interrupts_and_cancels_the_task_on_the_server() {
    for transport in transports() {
        let rejections = UnhandledRejections::count();
        let monitor = mount_monitor(task_api(400, 40, None, None), on(&transport));
        monitor.start_then_stop_after_three_lines().await;
        assert_eq!(monitor.text("status"), "Stopped", "{}", transport.name());
        let at_stop = monitor.lines();
        assert_eq!(at_stop.last().map(String::as_str), Some(INTERRUPTED));
        let status_url = monitor.text("task-status-url");
        // The server really stopped: its state turns cancelled and its step stays put.
        let state = state_once(&status_url, "cancelled").await;
        assert_eq!(state["state"], "cancelled", "{}: {state}", transport.name());
        let step = state["step"].as_u64().unwrap();
        sleep(400).await;
        assert_eq!(get_json(&status_url).await["step"].as_u64().unwrap(), step);
        // Nothing was applied after Interrupted, and Stop left no error in the console.
        assert_eq!(monitor.lines(), at_stop);
        assert!(monitor.progress() < 100.0);
        assert_eq!(
            rejections.seen(),
            0,
            "{}: uncaught rejections",
            transport.name()
        );
    }
}

#[wasm_bindgen_test]
async fn stop_on_a_stream_url_says_it_stopped_watching_and_the_task_goes_on() {
    // A task the monitor did not create: all it has is the stream's URL.
    let created = post_json("/api/tasks", json!({"steps": 400, "interval_ms": 40})).await;
    let path = |field: &str| created[field].as_str().unwrap().to_owned();
    let source = TaskSource::Url {
        url: format!("{}{}", server(), path("events_url")),
    };
    let monitor = mount_monitor(source, UseTaskStreamOptions::default());
    monitor.start_then_stop_after_three_lines().await;
    assert!(
        monitor.text("status").starts_with("Stopped watching"),
        "{}",
        monitor.describe()
    );
    // Nothing cancelled it: the server's task goes on.
    let step = get_json(&path("status_url")).await["step"]
        .as_u64()
        .unwrap();
    sleep(400).await;
    let state = get_json(&path("status_url")).await;
    assert!(state["step"].as_u64().unwrap() > step, "{state}");
    post_json(&path("cancel_url"), json!({})).await;
}

#[wasm_bindgen_test]
async fn a_job_of_the_servers_own_kind_starts_with_its_parameters_and_stop_cancels_it() {
    let kinds = get_json("/api/kinds").await;
    assert!(
        kinds["kinds"]
            .as_array()
            .unwrap()
            .contains(&json!("countdown")),
        "{kinds}"
    );
    let countdown = |params: &str| TaskSource::Job {
        server: server().to_owned(),
        kind: "countdown".into(),
        params: params.into(),
        label: None,
    };
    // The job checks its parameters: its refusal is the failure shown.
    let refused = run_until(
        countdown(r#"{"from": 0}"#),
        UseTaskStreamOptions::default(),
        "failed",
    )
    .await;
    assert!(
        refused
            .text("status")
            .contains("from must be a whole number from 1 to 10000"),
        "{}",
        refused.describe()
    );
    let monitor = mount_monitor(
        countdown(r#"{"from": 300, "interval_ms": 50}"#),
        UseTaskStreamOptions::default(),
    );
    monitor.click("start");
    monitor
        .wait_until("three counts", LONG, |m| m.lines().len() >= 3)
        .await;
    assert_eq!(monitor.lines()[..2], ["299 left", "298 left"]);
    monitor.click("stop");
    monitor.wait_for_status("stopped", LONG).await;
    let status_url = monitor.text("task-status-url");
    let state = state_once(&status_url, "cancelled").await;
    assert_eq!(state["state"], "cancelled", "{state}");
}

#[wasm_bindgen_test]
async fn a_server_side_failure_ends_as_failed_with_the_servers_message() {
    for transport in transports() {
        let monitor = run_until(task_api(5, 10, Some(3), None), on(&transport), "failed").await;
        let lines = monitor.lines();
        assert_eq!(lines[..2], steps(5)[..2]);
        assert_eq!(lines.last().unwrap(), "step 3 of 5 failed");
        assert!(monitor.text("status").contains("step 3 of 5 failed"));
        assert_eq!(monitor.count(".tm-log-error"), 1);
    }
}

/// The panel's words, its names for assistive technology, and its visible
/// lines, as one text.
fn panel_words(monitor: &support::Mounted) -> String {
    let panel = monitor.find("task-monitor");
    let mut words = vec![panel.unchecked_ref::<web_sys::HtmlElement>().inner_text()];
    let named = panel.query_selector_all("[aria-label]").unwrap();
    words.push(panel.get_attribute("aria-label").unwrap_or_default());
    for at in 0..named.length() {
        let element: web_sys::Element = named.item(at).unwrap().unchecked_into();
        words.push(element.get_attribute("aria-label").unwrap_or_default());
    }
    words.join("\n")
}

/// English words a translated panel must not show.
const ENGLISH_WORDS: [&str; 18] = [
    "Start",
    "Stop",
    "Task",
    "task",
    "Idle",
    "Running",
    "Completed",
    "Failed",
    "failed",
    "step",
    "Process",
    "complete",
    "Stream",
    "closed",
    "server",
    "progress",
    "log",
    "Interrupted",
];

/// The English words of `text`, as whole words.
fn english_in(text: &str) -> Vec<&'static str> {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
    ENGLISH_WORDS
        .into_iter()
        .filter(|english| words.contains(english))
        .collect()
}

#[wasm_bindgen_test]
async fn a_monitor_in_spanish_or_arabic_says_every_word_in_its_language() {
    let monitor = mount_in_words(
        task_api(3, 20, None, Some("contactos")),
        Labels::builtin("es"),
    );
    assert_eq!(monitor.text("start"), "Iniciar tarea larga");
    assert_eq!(monitor.text("status"), "En espera");
    assert_eq!(english_in(&panel_words(&monitor)), [] as [&str; 0]);
    monitor.click("start");
    monitor.wait_for_status("completed", LONG).await;
    assert_eq!(
        monitor.lines(),
        [
            "contactos: paso 1 de 3",
            "contactos: paso 2 de 3",
            "contactos: paso 3 de 3",
            "Proceso terminado",
            "Flujo cerrado: tarea completada"
        ]
    );
    assert_eq!(monitor.text("progress-label"), "100 %");
    assert_eq!(monitor.text("status"), "Completada");
    assert_eq!(english_in(&panel_words(&monitor)), [] as [&str; 0]);

    let failing = mount_in_words(task_api(3, 10, Some(2), None), Labels::builtin("es"));
    failing.click("start");
    failing.wait_for_status("failed", LONG).await;
    assert_eq!(failing.text("status"), "Error: el paso 2 de 3 falló");
    assert_eq!(english_in(&panel_words(&failing)), [] as [&str; 0]);

    let arabic = mount_in_words(task_api(2, 10, None, None), Labels::builtin("ar"));
    arabic.click("start");
    arabic.wait_for_status("completed", LONG).await;
    let panel = arabic.find("task-monitor");
    assert_eq!(panel.get_attribute("dir").as_deref(), Some("rtl"));
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&panel)
        .unwrap()
        .unwrap();
    assert_eq!(style.get_property_value("direction").unwrap(), "rtl");
    assert_eq!(arabic.text("status"), "اكتملت");
    assert_eq!(arabic.text("progress-label"), "100٪");
    assert_eq!(english_in(&panel_words(&arabic)), [] as [&str; 0]);
}

/// Seven monitors of one page on seven streams of one server: the browser
/// opens six connections to it at once over HTTP/1.1; the seventh says it
/// waits for a free connection, and runs as soon as one closes.
#[wasm_bindgen_test]
async fn a_seventh_stream_to_one_server_says_it_waits_for_a_free_connection() {
    let options = on(&Transport::EventSource).share_across_tabs(false);
    let monitors: Vec<_> = (0..7)
        .map(|i| {
            let slow = format!("/seeds/corebos/source?interval_ms={}", 4_000 + i);
            mount_monitor(url(&slow), options.clone())
        })
        .collect();
    for monitor in &monitors {
        monitor.click("start");
    }
    let seventh = &monitors[6];
    seventh.wait_for_status("queued", LONG).await;
    assert_eq!(
        seventh.text("status"),
        "Waiting for a free connection (the browser opens 6 at most to one server)…"
    );
    for monitor in &monitors[..6] {
        monitor
            .wait_until("its first line", LONG, |m| !m.lines().is_empty())
            .await;
    }
    assert!(seventh.lines().is_empty(), "{}", seventh.describe());
    assert_eq!(seventh.status(), "queued");
    monitors[0].click("stop");
    seventh
        .wait_until("its first line once a connection closed", LONG, |m| {
            !m.lines().is_empty()
        })
        .await;
    assert_eq!(seventh.status(), "open");
    for monitor in &monitors[1..] {
        monitor.click("stop");
    }
}

/// Streams a new task of `count` steps with the fault `knobs` of the task
/// stream, and checks that the log shows every step exactly once, in order,
/// with no warning: an end after an open is planned, whatever its cause.
async fn every_step_once(transport: &Transport, count: u32, interval_ms: u64, knobs: &str) {
    let task = post_json(
        "/api/tasks",
        json!({"steps": count, "interval_ms": interval_ms}),
    )
    .await;
    let events = format!("{}?{knobs}", task["events_url"].as_str().unwrap());
    let monitor = run_until(url(&events), on(transport), "completed").await;
    let steps_seen: Vec<String> = monitor
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("step"))
        .collect();
    assert_eq!(
        steps_seen,
        steps(count),
        "{} with {knobs}",
        transport.name()
    );
    assert_eq!(
        monitor.count(".tm-log-warning"),
        0,
        "{}",
        monitor.describe()
    );
}

#[wasm_bindgen_test]
async fn dropped_connections_lose_and_double_no_line_and_a_server_that_starts_over_is_stopped() {
    for transport in transports() {
        // The server ends the first connection after 4 events; the client
        // reconnects with Last-Event-ID and the rest arrives once.
        every_step_once(&transport, 10, 30, "drop_after=4&retry_ms=50").await;
        every_step_once(&transport, 9, 0, "drop_every=3&retry_ms=50").await;
        // A naive server starts over whatever the client asks: its first
        // steps are shown once, then the stream stops rather than follow a
        // job that may be running again.
        let task = post_json("/api/tasks", json!({"steps": 8, "interval_ms": 30})).await;
        let events = format!(
            "{}?drop_after=3&ignore_resume=1&retry_ms=50",
            task["events_url"].as_str().unwrap()
        );
        let monitor = run_until(url(&events), on(&transport), "failed").await;
        let lines = monitor.lines();
        assert_eq!(lines[..3], steps(8)[..3], "{}", transport.name());
        assert_eq!(
            lines[3..],
            [format!("Failed: {STARTED_OVER}")],
            "{}",
            transport.name()
        );
    }
}

#[wasm_bindgen_test]
async fn a_server_that_ends_every_connection_on_purpose_is_followed_quietly_for_good() {
    for transport in transports() {
        // The PHP + SQLite seed's pattern: every connection ends after a
        // while, here 80 ms, with nothing new for 4 s: planned ends that bring
        // nothing are followed, at a floor of a second that doubles (not 50
        // times at retry: 20), and never given up on.
        let key = unique_key("planned");
        let task = post_json("/api/tasks", json!({"steps": 2, "interval_ms": 4000})).await;
        let events = format!(
            "{}?end_after_ms=80&retry_ms=20&key={key}",
            task["events_url"].as_str().unwrap()
        );
        let monitor = run_until(url(&events), on(&transport), "completed").await;
        let connections = hits(&key).await;
        assert!(
            (3..=10).contains(&connections),
            "{}: {connections} connections",
            transport.name()
        );
        assert_eq!(
            monitor.lines(),
            [
                "step 1 of 2",
                "step 2 of 2",
                "Process complete",
                CLOSED_COMPLETE
            ],
            "{}",
            transport.name()
        );
        assert_eq!(monitor.count(".tm-log-warning"), 0);
    }
}

#[wasm_bindgen_test]
async fn a_server_that_sends_one_message_per_response_fills_no_log_with_warnings() {
    for transport in transports() {
        // The TV seed's pattern: `retry:`, one message, end of response.
        let monitor = mount_monitor(url("/seeds/tizen?retry_ms=30"), on(&transport));
        monitor.click("start");
        monitor
            .wait_until("30 pushes", LONG, |m| m.lines().len() >= 30)
            .await;
        let lines = monitor.lines();
        assert!(
            lines.iter().all(|l| l.starts_with("push time => ")),
            "{}: {}",
            transport.name(),
            monitor.describe()
        );
        assert_eq!(monitor.count(".tm-log-warning"), 0);
        assert!(["open", "waiting"].contains(&monitor.status().as_str()));
        monitor.click("stop");
        monitor.wait_for_status("stopped", LONG).await;
    }
}

#[wasm_bindgen_test]
async fn an_outage_is_one_warning_and_one_reconnected_line_and_retry_after_is_honoured() {
    for transport in transports() {
        let key = unique_key("flaky");
        let monitor = mount_monitor(
            url(&format!(
                "/faults/flaky?key={key}&failures=2&count=5&retry_after=1"
            )),
            quick_retries(&transport, 5),
        );
        let started = js_sys::Date::now();
        monitor.click("start");
        monitor.wait_for_status("completed", LONG).await;
        let waited = js_sys::Date::now() - started;
        let lines = monitor.lines();
        assert!(
            lines[0].starts_with("Connection lost: the server answered 503"),
            "{}: {lines:?}",
            transport.name()
        );
        assert!(lines[1].starts_with("Reconnected after "), "{lines:?}");
        let ticks: Vec<&String> = lines.iter().filter(|l| l.starts_with("tick ")).collect();
        assert_eq!(ticks.len(), 5, "{lines:?}");
        assert_eq!(monitor.count(".tm-log-warning"), 1);
        // Retry-After: 1 beats the policy's 200 ms at most.
        assert!(
            waited >= 950.0,
            "{}: reconnected after {waited} ms",
            transport.name()
        );
    }
}

#[wasm_bindgen_test]
async fn an_event_of_1_mb_is_shown_cut_and_bytes_that_are_not_utf8_do_not_break_the_stream() {
    for transport in transports() {
        let monitor = run_until(
            url("/faults/big?bytes=1048576"),
            on(&transport),
            "completed",
        )
        .await;
        // Shown cut at 4 KiB, saying so; the stream goes on to its end.
        let first = &monitor.lines()[0];
        assert!(
            first.starts_with("0123456789abcdef0123"),
            "{}",
            transport.name()
        );
        assert!(first.ends_with(" … [line cut: 1048576 bytes]"));
        assert!(first.len() < 4200, "{}", first.len());
        drop(monitor);
        let monitor = run_until(url("/faults/invalid-utf8"), on(&transport), "completed").await;
        assert_eq!(monitor.lines()[0], "caf\u{FFFD}( \u{FFFD} bytes");
        assert_eq!(monitor.progress(), 100.0);
    }
}

#[wasm_bindgen_test]
async fn malformed_json_is_a_visible_warning_and_the_stream_goes_on() {
    for transport in transports() {
        let monitor = run_until(url("/faults/malformed"), on(&transport), "completed").await;
        assert_eq!(
            monitor.lines(),
            [
                "good event 1",
                r#"Malformed JSON: {"message": "broken <b>json</b>", "progress": "#,
                "good event 3",
                "Process complete",
                CLOSED_COMPLETE,
            ],
            "{}",
            transport.name()
        );
        assert_eq!(monitor.count(".tm-log-warning"), 1);
        assert_eq!(
            monitor.count(".tm-log b"),
            0,
            "markup in the raw text was parsed"
        );
    }
}

#[wasm_bindgen_test]
async fn markup_from_the_server_shows_as_literal_text_and_runs_nothing() {
    let label = r#"<img src=x onerror="window.__xss = 1">"#;
    for transport in transports() {
        let monitor = run_until(
            task_api(2, 10, None, Some(label)),
            on(&transport),
            "completed",
        )
        .await;
        assert_eq!(monitor.lines()[0], format!("{label}: step 1 of 2"));
        assert_eq!(monitor.count("img"), 0);
    }
    sleep(200).await;
    let xss = js_sys::Reflect::get(&leptos::prelude::window(), &"__xss".into()).unwrap();
    assert!(xss.is_undefined(), "the onerror handler ran");
}

#[wasm_bindgen_test]
async fn not_found_and_wrong_content_type_fail_with_a_reason_and_no_reconnect_storm() {
    for transport in transports() {
        for (path, reason) in [
            ("/faults/status/404", "404 Not Found"),
            ("/faults/wrong-content-type", "content type text/html"),
            ("/faults/status/204", "204 No Content"),
        ] {
            let key = unique_key("permanent");
            let monitor = run_until(
                url(&format!("{path}?key={key}")),
                quick_retries(&transport, 3),
                "failed",
            )
            .await;
            assert!(
                monitor.text("status").contains(reason),
                "{}: {}",
                transport.name(),
                monitor.describe()
            );
            // EventSource: its request and one diagnostic request; fetch: one. No retry.
            let seen = hits(&key).await;
            assert!(seen <= 2, "{path}: {seen} requests");
            sleep(600).await;
            assert_eq!(
                hits(&key).await,
                seen,
                "{path}: requests went on after failing"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn a_server_error_is_retried_a_bounded_number_of_times_with_backoff() {
    for transport in transports() {
        let key = unique_key("five-hundred");
        let monitor = run_until(
            url(&format!("/faults/status/500?key={key}")),
            quick_retries(&transport, 2),
            "failed",
        )
        .await;
        assert!(
            monitor.text("status").contains("500 Internal Server Error"),
            "{}: {}",
            transport.name(),
            monitor.describe()
        );
        assert!(monitor.text("status").contains("gave up after 2 attempts"));
        // The first try and two retries (EventSource: each with its diagnostic request).
        let seen = hits(&key).await;
        assert!(seen <= 6, "{seen} requests");
        sleep(600).await;
        assert_eq!(hits(&key).await, seen);
        // One warning for the whole outage, not one per attempt.
        assert_eq!(
            monitor.count(".tm-log-warning"),
            1,
            "{}",
            monitor.describe()
        );
    }
}

#[wasm_bindgen_test]
async fn a_server_that_is_gone_fails_after_bounded_attempts() {
    for transport in transports() {
        // Port 9 (discard) on loopback: nothing listens, the connection is
        // refused. (WebKit's EventSource never says so: the open timeout does.)
        let source = TaskSource::Url {
            url: "http://127.0.0.1:9/events".into(),
        };
        let options = quick_retries(&transport, 2).open_timeout_ms(Some(2000));
        let monitor = run_until(source, options, "failed").await;
        assert!(
            monitor.text("status").contains("cannot reach the server"),
            "{}: {}",
            transport.name(),
            monitor.describe()
        );
    }
}

#[wasm_bindgen_test]
async fn named_delta_events_with_multiline_json_show_their_messages() {
    for transport in transports() {
        let first = post_json("/seeds/delta/messages", json!({"message": "before"})).await;
        let after = first["id"].as_u64().unwrap();
        let word = unique_key("hello");
        post_json(
            "/seeds/delta/messages",
            json!({"message": format!("{word} one")}),
        )
        .await;
        let monitor = mount_monitor(
            url(&format!("/seeds/delta?lastEventId={after}")),
            on(&transport).named_events(["delta"]),
        );
        monitor.click("start");
        monitor
            .wait_until("the stored message", LONG, |m| m.lines().len() == 1)
            .await;
        post_json(
            "/seeds/delta/messages",
            json!({"message": format!("{word} two <i>x</i>")}),
        )
        .await;
        monitor
            .wait_until("the live message", LONG, |m| m.lines().len() == 2)
            .await;
        assert_eq!(
            monitor.lines(),
            [format!("{word} one"), format!("{word} two <i>x</i>")],
            "{}",
            transport.name()
        );
        assert_eq!(monitor.status(), "open");
        monitor.click("stop");
        monitor.wait_for_status("stopped", LONG).await;
        assert_eq!(
            monitor.lines().last().map(String::as_str),
            Some(INTERRUPTED)
        );
    }
}

/// The token the fetch transport's headers use, and how often it was refreshed.
#[derive(Default)]
struct TokenBox {
    token: String,
    refreshes: u32,
}

type SharedToken = std::sync::Arc<std::sync::Mutex<TokenBox>>;

/// Fetch options that send the shared token and, on a 401, get a new one
/// valid for `ttl_ms` from the server (or, with `refresh_works` false, keep
/// a bad one).
fn bearer_options(token: &SharedToken, ttl_ms: u32, refresh_works: bool) -> UseTaskStreamOptions {
    let current = token.clone();
    let refreshed = token.clone();
    let fetch = FetchOptions::default()
        .headers(move || {
            let token = current.lock().unwrap().token.clone();
            vec![("Authorization".into(), format!("Bearer {token}"))]
        })
        .on_unauthorized(move || {
            let refreshed = refreshed.clone();
            Box::pin(async move {
                let fresh = if refresh_works {
                    let issued =
                        post_json(&format!("/demo/token?ttl_ms={ttl_ms}"), json!({})).await;
                    issued["token"].as_str().unwrap().to_owned()
                } else {
                    "not-a-token".to_owned()
                };
                let mut token = refreshed.lock().unwrap();
                token.token = fresh;
                token.refreshes += 1;
            })
        });
    UseTaskStreamOptions::default().transport(Transport::Fetch(fetch))
}

#[wasm_bindgen_test]
async fn fetch_sends_headers_computed_on_every_attempt_and_refreshes_an_expired_token() {
    // Tokens live 700 ms and the server ends the stream when its token
    // expires; 40 ticks 50 ms apart take 2 s: several refreshes.
    let token = SharedToken::default();
    let monitor = run_until(
        url("/demo/secure?count=40&interval_ms=50"),
        bearer_options(&token, 700, true),
        "completed",
    )
    .await;
    let ticks: Vec<String> = monitor
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("tick "))
        .map(|l| l.split(" of ").next().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (1..=40).map(|i| format!("tick {i}")).collect();
    assert_eq!(ticks, expected, "{}", monitor.describe());
    assert_eq!(
        monitor.count(".tm-log-warning"),
        0,
        "{}",
        monitor.describe()
    );
    let refreshes = token.lock().unwrap().refreshes;
    assert!(refreshes >= 3, "{refreshes} refreshes");
    // Each refresh is one line of the log, not only a 401 in the console.
    let said = monitor
        .lines()
        .iter()
        .filter(|l| *l == NEW_CREDENTIALS)
        .count();
    assert_eq!(said, refreshes as usize, "{}", monitor.describe());

    // A refresh that does not help: one try, then the reason.
    let token = SharedToken::default();
    let monitor = run_until(
        url("/demo/secure?count=5"),
        bearer_options(&token, 700, false),
        "failed",
    )
    .await;
    assert!(
        monitor
            .text("status")
            .contains("401 Unauthorized: unknown token"),
        "{}",
        monitor.describe()
    );
    assert_eq!(token.lock().unwrap().refreshes, 1);
}

#[wasm_bindgen_test]
async fn fetch_posts_a_json_body_and_streams_the_answer() {
    let fetch = FetchOptions::default().json_body(r#"{"count": 25, "label": "import <b>"}"#);
    let monitor = run_until(
        url("/demo/ticks"),
        UseTaskStreamOptions::default().transport(Transport::Fetch(fetch)),
        "completed",
    )
    .await;
    let lines = monitor.lines();
    assert_eq!(lines.len(), 27, "{}", monitor.describe());
    for (i, line) in lines.iter().take(25).enumerate() {
        assert!(
            line.starts_with(&format!("import <b>: tick {} of ", i + 1)),
            "{line}"
        );
    }
    assert_eq!(monitor.progress(), 100.0);
    assert_eq!(monitor.count(".tm-log b"), 0);
}

/// Streams 60 000 events of `path` (far faster than the page applies them)
/// over `transport` and checks that the log ends at the last one.
async fn a_flood_reaches_its_last_event(transport: &Transport, path: &str) {
    // A bound, not a timing: three engines share two cores in the test
    // command, and a flood in a worker took over 20 s there.
    let monitor = mount_monitor(url(path), on(transport));
    monitor.click("start");
    monitor
        .wait_for_status("completed", Duration::from_secs(90))
        .await;
    sleep(100).await;
    let lines = monitor.lines();
    assert!(
        lines[lines.len() - 3].starts_with("tick 60000 of "),
        "{}: {:?}",
        transport.name(),
        &lines[lines.len() - 3..]
    );
    assert_eq!(monitor.progress(), 100.0);
    // 60 002 lines with the closing ones; the default log keeps 10 000.
    assert_eq!(monitor.lines().len(), 10_000);
    assert_eq!(monitor.text("log-dropped"), "50002 earlier lines not shown");
}

#[wasm_bindgen_test]
async fn a_fetch_flood_is_read_with_backpressure_to_its_last_event() {
    // Reading pauses at the high-water mark again and again, and resumes each time.
    a_flood_reaches_its_last_event(
        &Transport::Fetch(FetchOptions::default()),
        "/faults/ticks?count=60000&interval_ms=0",
    )
    .await;
}

/// Off the main thread: the stream worker reads a flood with backpressure
/// to its last event, the page never fetches it itself (its resource
/// timing has no entry for the stream), and every line arrives once
/// across the server's drops and resumes.
#[wasm_bindgen_test]
async fn a_stream_read_in_the_worker_shows_every_line_and_the_page_fetches_nothing() {
    let in_worker = Transport::Fetch(FetchOptions::default().off_main_thread(true));
    let path = format!(
        "/faults/ticks?count=60000&interval_ms=0&{}=1",
        unique_key("worker")
    );
    a_flood_reaches_its_last_event(&in_worker, &path).await;
    let flood = format!("{}{path}", server());
    let fetched_by_page = web_sys::window()
        .unwrap()
        .performance()
        .unwrap()
        .get_entries_by_type("resource")
        .iter()
        .filter_map(|entry| {
            js_sys::Reflect::get(&entry, &"name".into())
                .ok()?
                .as_string()
        })
        .filter(|name| name.contains(&flood))
        .count();
    assert_eq!(fetched_by_page, 0, "the page fetched {flood} itself");
    every_step_once(&in_worker, 10, 30, "drop_after=4&retry_ms=50").await;
}

#[wasm_bindgen_test]
async fn the_log_follows_the_newest_line_unless_the_reader_scrolled_up() {
    support::use_components_stylesheet();
    // A flood: the log ends scrolled to its last line.
    let flood = mount_monitor(
        url("/faults/ticks?count=5000&interval_ms=0"),
        UseTaskStreamOptions::default(),
    );
    flood.click("start");
    flood.wait_for_status("completed", LONG).await;
    sleep(100).await;
    assert_eq!(flood.lines().len(), 5002, "{}", flood.describe());
    assert!(flood.log().scroll_height() > 10 * flood.log().client_height());
    assert!(flood.log_at_bottom(), "{}", flood.describe());
    drop(flood);

    // A slow stream: scrolling up stops the following, scrolling back down resumes it.
    let monitor = mount_monitor(
        url("/faults/ticks?count=250&interval_ms=10"),
        UseTaskStreamOptions::default(),
    );
    monitor.click("start");
    monitor
        .wait_until("60 lines", LONG, |m| m.lines().len() >= 60)
        .await;
    assert!(monitor.log_at_bottom(), "{}", monitor.describe());
    monitor.log().set_scroll_top(0);
    let seen = monitor.lines().len();
    monitor
        .wait_until("40 more lines", LONG, |m| m.lines().len() >= seen + 40)
        .await;
    assert_eq!(
        monitor.log().scroll_top(),
        0,
        "the view moved while the reader was up"
    );
    let log = monitor.log();
    log.set_scroll_top(log.scroll_height());
    monitor.wait_for_status("completed", LONG).await;
    sleep(100).await;
    assert!(monitor.log_at_bottom(), "{}", monitor.describe());
    assert_eq!(
        monitor.lines().last().map(String::as_str),
        Some(CLOSED_COMPLETE)
    );
}

/// A reload mid-task: the page goes away with its monitor, a new one
/// remembering the same name reattaches from the URL, replays the log so
/// far once, and follows the task live to 100 %.
#[wasm_bindgen_test]
async fn a_reloaded_monitor_reattaches_to_its_task_and_shows_every_line_once() {
    let key = unique_key("reattach");
    let first = mount_remembering(task_api(30, 40, None, None), &key);
    first.click("start");
    first
        .wait_until("a few steps", LONG, |m| m.lines().len() >= 5)
        .await;
    let query = page_query();
    assert!(query.contains(&format!("{key}=")), "{query}");
    let status_url = first.text("task-status-url");
    drop(first);

    let second = mount_remembering(task_api(30, 40, None, None), &key);
    second.wait_for_status("completed", LONG).await;
    let step_lines: Vec<String> = second
        .lines()
        .into_iter()
        .filter(|line| line.starts_with("step "))
        .collect();
    assert_eq!(step_lines, steps(30), "{}", second.describe());
    assert_eq!(second.progress(), 100.0);
    assert_eq!(second.text("task-status-url"), status_url, "the same task");
    set_page_query("");
}

/// A remembered id the server does not know: a clear message, Start
/// enabled, and the id forgotten (no loop on the next load).
#[wasm_bindgen_test]
async fn an_unknown_remembered_task_says_so_and_is_forgotten() {
    let key = unique_key("unknown");
    let id = "0b7e5a2c-4d1f-4c6e-9a51-3f0d2b8c7e11";
    set_page_query(&format!("?{key}={id}"));
    let monitor = mount_remembering(task_api(3, 10, None, None), &key);
    monitor.wait_for_status("failed", LONG).await;
    let status = monitor.text("status");
    assert!(
        status.contains(&format!("task {id} is not on the server")),
        "{status}"
    );
    assert!(!monitor.disabled("start"));
    assert!(!page_query().contains(&key), "{}", page_query());
    set_page_query("");
}

/// Twenty tasks at once on one page over one connection, which the server
/// drops every 60 rows: the stream resumes it with `Last-Event-ID`, every
/// task reaches completed at 100 % with no event missed, and the server
/// counts one multiplexed stream and no task stream while they run; on
/// both transports.
#[wasm_bindgen_test]
async fn a_dashboard_follows_twenty_tasks_over_one_connection_and_resumes_without_loss() {
    for transport in transports() {
        dashboard_follows_twenty_tasks(transport).await;
    }
}

async fn dashboard_follows_twenty_tasks(transport: Transport) {
    let mut ids = Vec::new();
    for _ in 0..20 {
        let task = post_json("/api/tasks", json!({ "steps": 12, "interval_ms": 60 })).await;
        ids.push(task["id"].as_str().unwrap().to_owned());
    }
    let name = transport.name();
    let board = mount_dashboard(
        &format!("{}/api/tasks/events?drop_every=60", server()),
        transport,
    );
    let mut one_connection = false;
    for _ in 0..200 {
        let streams = get_json("/faults/streams").await;
        if streams["feed_streams"] == 1 && streams["task_streams"] == 0 {
            one_connection = true;
            break;
        }
        sleep(25).await;
    }
    assert!(
        one_connection,
        "{name}: {}",
        get_json("/faults/streams").await
    );
    board
        .wait_until("every task completed", LONG, |b| {
            ids.iter()
                .all(|id| b.row_attr(id, "data-state").as_deref() == Some("completed"))
        })
        .await;
    for id in &ids {
        assert_eq!(
            board.row_attr(id, "data-missed").as_deref(),
            Some("0"),
            "{name} {id}"
        );
        assert_eq!(board.row_percent(id), "100%", "{name} {id}");
    }
}

/// What a view without Leptos saw: the stream's log and state, how often it
/// was asked to show them, and the target.
#[derive(Default)]
struct Seen {
    log: TaskLog,
    meta: TaskMeta,
    shows: u32,
    task_id: Option<String>,
}

/// A [`StreamView`] that keeps everything in a shared cell.
struct PlainView(Rc<RefCell<Seen>>);

impl StreamView for PlainView {
    fn update(&mut self, change: &mut dyn FnMut(&mut TaskLog, &mut TaskMeta)) {
        let mut seen = self.0.borrow_mut();
        let seen = &mut *seen;
        change(&mut seen.log, &mut seen.meta);
    }
    fn show(&mut self) {
        self.0.borrow_mut().shows += 1;
    }
    fn set_ready_state(&mut self, _state: ReadyState) {}
    fn set_target(&mut self, target: Option<&StreamTarget>) {
        self.0.borrow_mut().task_id = target.and_then(|t| t.task_id.clone());
    }
}

/// `TaskStream` with a view of the user's own (no Leptos, no signals): a
/// task on the real server runs to 100 % with every line once and in
/// order, on both transports; dropping the stream in the middle of another
/// run closes it (nothing is shown after) and the task goes on on the server.
#[wasm_bindgen_test]
async fn a_task_stream_without_leptos_shows_every_line_and_closes_when_dropped() {
    for transport in transports() {
        let seen = Rc::new(RefCell::new(Seen::default()));
        let stream = TaskStream::new(on(&transport), PlainView(seen.clone()));
        stream.start_source(task_api(8, 20, None, None));
        let done = || seen.borrow().meta.status == TaskStatus::Completed;
        wait_for(&transport, "completed", done).await;
        let lines: Vec<String> = seen.borrow().log.lines().map(|l| l.text.clone()).collect();
        let mut expected = steps(8);
        expected.extend(["Process complete".to_owned(), CLOSED_COMPLETE.to_owned()]);
        assert_eq!(lines, expected, "{}", transport.name());
        assert_eq!(seen.borrow().meta.progress, 100.0);
        assert!(seen.borrow().task_id.is_some());

        stream.start_source(task_api(40, 50, None, None));
        wait_for(&transport, "a few steps", || seen.borrow().log.len() >= 3).await;
        let id = seen.borrow().task_id.clone().unwrap_or_default();
        drop(stream);
        let shows = seen.borrow().shows;
        sleep(300).await;
        assert_eq!(seen.borrow().shows, shows, "nothing shown once dropped");
        let state = get_json(&format!("/api/tasks/{id}")).await;
        assert_eq!(state["state"], "running", "{state}");
    }
}

/// Polls `done` every 25 ms for up to [`LONG`].
async fn wait_for(transport: &Transport, what: &str, done: impl Fn() -> bool) {
    let mut waited = 0;
    while !done() {
        assert!(
            waited < LONG.as_millis() as u64,
            "timed out waiting for {what} ({})",
            transport.name()
        );
        sleep(25).await;
        waited += 25;
    }
}

/// The dashboard's Log panel shows the task it was opened on: Log on a
/// task of 60 lines, then on one of 3, shows the second task's 3 lines
/// alone under its own title.
#[wasm_bindgen_test]
async fn the_log_panel_shows_only_the_task_it_was_opened_on() {
    let long = post_json("/api/tasks", json!({ "steps": 60, "interval_ms": 1 })).await;
    let short = post_json("/api/tasks", json!({ "steps": 3, "interval_ms": 1 })).await;
    let (long, short) = (
        long["id"].as_str().unwrap().to_owned(),
        short["id"].as_str().unwrap().to_owned(),
    );
    let board = mount_dashboard(
        &format!("{}/api/tasks/events", server()),
        Transport::EventSource,
    );
    let open_log = |id: &str| {
        board
            .root
            .query_selector(&format!(
                "[data-task-id='{id}'] [data-testid='task-open-log']"
            ))
            .unwrap()
            .map(|button| button.unchecked_into::<web_sys::HtmlElement>().click())
            .is_some()
    };
    let mut expected_long = steps(60);
    expected_long.extend(["Process complete".to_owned(), CLOSED_COMPLETE.to_owned()]);
    let mut expected_short = steps(3);
    expected_short.extend(["Process complete".to_owned(), CLOSED_COMPLETE.to_owned()]);
    board
        .wait_until("both rows", LONG, |b| {
            b.row_attr(&long, "data-state").as_deref() == Some("completed")
                && b.row_attr(&short, "data-state").as_deref() == Some("completed")
        })
        .await;
    assert!(open_log(&long));
    board
        .wait_until("the long task's log", LONG, |b| b.lines() == expected_long)
        .await;
    assert!(open_log(&short));
    board
        .wait_until("the short task's log alone", LONG, |b| {
            b.lines() == expected_short
        })
        .await;
    assert!(board.text("task-log-panel").contains(&short));
    sleep(200).await;
    assert_eq!(board.lines(), expected_short);
}

/// A page's own generic classes (`.button`, `.progress`, `.log`, `.status`,
/// `.controls`, `.tasks`) and the components' stylesheet leave each other
/// alone: every checked style of the monitor and the dashboard is the same
/// with and without the page's sheet, and the page's elements look the same
/// with and without the components' sheet.
#[wasm_bindgen_test]
async fn the_components_styles_and_a_pages_generic_classes_leave_each_other_alone() {
    use_components_stylesheet();
    let document = web_sys::window().unwrap().document().unwrap();
    let page_sheet = document.create_element("style").unwrap();
    page_sheet.set_text_content(Some(
        ".button { background: rgb(255, 0, 0); padding: 40px; text-transform: uppercase; }
         .primary { color: rgb(0, 0, 255); letter-spacing: 3px; }
         .progress { display: block; height: 77px; opacity: 0.5; }
         .progress-label { font-size: 40px; text-decoration: underline; }
         .log { height: 11px; color: rgb(0, 255, 0); white-space: normal; opacity: 0.4; }
         .status { font-size: 50px; margin: 30px; text-transform: lowercase; }
         .controls, .tasks, .task-grid-row { display: block; gap: 0; letter-spacing: 5px; }",
    ));
    document.head().unwrap().append_child(&page_sheet).unwrap();
    let page = document.create_element("div").unwrap();
    page.set_inner_html(
        r#"<button class="button primary">Save</button><div class="progress">p</div>
           <div class="log">log</div><p class="status">ok</p><div class="controls">c</div>
           <div class="tasks">t</div>"#,
    );
    document.body().unwrap().append_child(&page).unwrap();
    let monitor = mount_monitor(task_api(3, 50, None, None), UseTaskStreamOptions::default());
    let _post = post_json("/api/tasks", json!({ "steps": 1, "interval_ms": 1 })).await;
    let board = mount_dashboard(
        &format!("{}/api/tasks/events", server()),
        Transport::EventSource,
    );
    board
        .wait_until("a row", LONG, |b| b.count("[data-testid='task-row']") > 0)
        .await;

    const PROPERTIES: [&str; 12] = [
        "display",
        "background-color",
        "color",
        "padding-top",
        "height",
        "font-size",
        "margin-top",
        "white-space",
        "text-transform",
        "letter-spacing",
        "opacity",
        "text-decoration-line",
    ];
    let styles = |root: &web_sys::Element, selectors: &[&str]| -> Vec<String> {
        let window = web_sys::window().unwrap();
        selectors
            .iter()
            .flat_map(|selector| {
                let element = root
                    .query_selector(selector)
                    .unwrap()
                    .unwrap_or_else(|| panic!("no {selector}"));
                let style = window.get_computed_style(&element).unwrap().unwrap();
                PROPERTIES
                    .map(|p| format!("{selector} {p}: {}", style.get_property_value(p).unwrap()))
            })
            .collect()
    };
    let set_disabled = |sheet: &web_sys::Element, disabled: bool| {
        js_sys::Reflect::set(sheet, &"disabled".into(), &disabled.into()).unwrap();
    };
    let ours = |monitor: &web_sys::Element, board: &web_sys::Element| {
        let mut all = styles(
            monitor,
            &[
                "[data-testid='start']",
                "[data-testid='stop']",
                "[data-testid='status']",
                ".tm-progress",
                "[data-testid='progress-label']",
                "[data-testid='log']",
                ".tm-controls",
            ],
        );
        all.extend(styles(
            board,
            &[
                ".tm-table",
                "[data-testid='task-row']",
                "[data-testid='task-stop']",
                ".tm-progress-label",
            ],
        ));
        all
    };
    let page_elements = [
        ".button",
        ".progress",
        ".log",
        ".status",
        ".controls",
        ".tasks",
    ];

    let ours_with_page_sheet = ours(&monitor.root, &board.root);
    let page_with_our_sheet = styles(&page, &page_elements);
    set_disabled(&page_sheet, true);
    let ours_alone = ours(&monitor.root, &board.root);
    set_disabled(&page_sheet, false);
    let components_sheet = document.get_element_by_id("components-stylesheet").unwrap();
    set_disabled(&components_sheet, true);
    let page_alone = styles(&page, &page_elements);
    set_disabled(&components_sheet, false);
    page_sheet.remove();
    page.remove();

    assert_eq!(ours_with_page_sheet, ours_alone);
    assert_eq!(page_with_our_sheet, page_alone);
    // The page's sheet did apply to its own elements.
    assert!(page_alone.contains(&".button background-color: rgb(255, 0, 0)".to_owned()));
}

/// The `TaskStream` docs' example as written: its element shows the
/// percentage and the newest line, up to "100% Stream closed: task complete".
#[wasm_bindgen_test]
async fn the_task_stream_docs_example_shows_the_task_to_its_end() {
    let document = web_sys::window().unwrap().document().unwrap();
    let element = document.create_element("p").unwrap();
    element.set_id("progress");
    document.body().unwrap().append_child(&element).unwrap();
    let stream =
        without_leptos::follow(&format!("{}/seeds/corebos/source?interval_ms=20", server()));
    let mut seen = Vec::new();
    for _ in 0..400 {
        let text = element.text_content().unwrap_or_default();
        if seen.last() != Some(&text) {
            seen.push(text.clone());
        }
        if text.ends_with(CLOSED_COMPLETE) {
            break;
        }
        sleep(10).await;
    }
    drop(stream);
    element.remove();
    // Sampled every 10 ms: some of the lines between, whichever the page
    // was busy for (three engines share two cores in the test command).
    assert!(
        seen.iter()
            .any(|text| text.contains("0% on iteration ") && text.ends_with(" of 10")),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().cloned(),
        Some(format!("100% {CLOSED_COMPLETE}")),
        "{seen:?}"
    );
}

#[wasm_bindgen_test]
async fn monitors_of_one_stream_share_one_connection_and_the_next_takes_over_without_a_gap() {
    for transport in transports() {
        let task = post_json("/api/tasks", json!({"steps": 30, "interval_ms": 60})).await;
        let key = unique_key("shared");
        let events = format!("{}?key={key}", task["events_url"].as_str().unwrap());
        let first = mount_monitor(url(&events), on(&transport));
        first.click("start");
        first
            .wait_until("the first monitor's lines", LONG, |m| m.lines().len() >= 3)
            .await;
        let second = mount_monitor(url(&events), on(&transport));
        second.click("start");
        second
            .wait_until("the second monitor to catch up", LONG, |m| {
                m.lines().len() >= first.lines().len()
            })
            .await;
        assert_eq!(
            hits(&key).await,
            1,
            "{}: two monitors, one request",
            transport.name()
        );
        // The one holding the connection goes; the other opens its own,
        // after the last id it has.
        drop(first);
        second.wait_for_status("completed", LONG).await;
        let seen: Vec<String> = second
            .lines()
            .into_iter()
            .filter(|l| l.starts_with("step"))
            .collect();
        assert_eq!(seen, steps(30), "{}", transport.name());
        assert_eq!(second.progress(), 100.0);
        assert_eq!(hits(&key).await, 2, "{}: one takeover", transport.name());
        // Alone, as before: a stream that does not share opens its own.
        let alone = run_until(
            url(&events),
            on(&transport).share_across_tabs(false),
            "completed",
        )
        .await;
        assert_eq!(hits(&key).await, 3, "{}", transport.name());
        drop(alone);
    }
}
