//! The real components in headless Chromium against the real mock server
//! (started by `scripts/test.sh`, address compiled in as `MOCK_SERVER_URL`).
//! Every test asserts what a user sees: the log's lines, the bar, the status.

#![cfg(target_arch = "wasm32")]

mod support;

use std::time::Duration;

use serde_json::json;
use sse_task_progress::task::{ReconnectPolicy, TaskSource, CLOSED_COMPLETE, INTERRUPTED};
use sse_task_progress::UseTaskStreamOptions;
use sse_task_protocol::CreateTaskRequest;
use support::{get_json, mount_monitor, post_json, server, sleep, unique_key};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const LONG: Duration = Duration::from_secs(20);

fn task_api(steps: u32, interval_ms: u64, fail_at: Option<u32>, label: Option<&str>) -> TaskSource {
    TaskSource::TaskApi {
        server: server().to_owned(),
        request: CreateTaskRequest {
            steps,
            interval_ms,
            fail_at,
            label: label.map(String::from),
        },
    }
}

fn url(path: &str) -> TaskSource {
    TaskSource::Url {
        url: format!("{}{path}", server()),
    }
}

fn steps(count: u32) -> Vec<String> {
    (1..=count)
        .map(|i| format!("step {i} of {count}"))
        .collect()
}

/// Quick retries so that failure tests take a second, not half a minute.
fn quick_retries(attempts: u32) -> UseTaskStreamOptions {
    UseTaskStreamOptions::default().reconnect(ReconnectPolicy {
        max_attempts: attempts,
        initial_delay_ms: 100,
        max_delay_ms: 200,
    })
}

#[wasm_bindgen_test]
async fn a_task_runs_to_completed_with_100_percent_and_every_line_in_order() {
    let monitor = mount_monitor(task_api(6, 20, None, None), UseTaskStreamOptions::default());
    assert_eq!(monitor.status(), "idle");
    assert!(monitor.disabled("stop"));
    monitor.click("start");
    monitor.wait_for_status("completed", LONG).await;
    let mut expected = steps(6);
    expected.extend(["Process complete".to_owned(), CLOSED_COMPLETE.to_owned()]);
    assert_eq!(monitor.lines(), expected);
    assert_eq!(monitor.progress(), 100.0);
    assert_eq!(monitor.text("progress-label"), "100%");
    assert!(!monitor.disabled("start"));
    assert!(monitor.disabled("stop"));
    let status = get_json(&monitor.text("task-status-url")).await;
    assert_eq!(status["state"], "completed");
}

#[wasm_bindgen_test]
async fn stop_in_the_middle_interrupts_and_cancels_the_task_on_the_server() {
    let monitor = mount_monitor(
        task_api(400, 40, None, None),
        UseTaskStreamOptions::default(),
    );
    monitor.click("start");
    monitor
        .wait_until("three steps", LONG, |m| m.lines().len() >= 3)
        .await;
    monitor.click("stop");
    monitor.wait_for_status("stopped", LONG).await;
    let at_stop = monitor.lines();
    assert_eq!(at_stop.last().map(String::as_str), Some(INTERRUPTED));
    let status_url = monitor.text("task-status-url");
    // The server really stopped: its state turns cancelled and its step stays put.
    let mut state = serde_json::Value::Null;
    for _ in 0..40 {
        state = get_json(&status_url).await;
        if state["state"] == "cancelled" {
            break;
        }
        sleep(50).await;
    }
    assert_eq!(state["state"], "cancelled", "{state}");
    let step = state["step"].as_u64().unwrap();
    sleep(400).await;
    assert_eq!(get_json(&status_url).await["step"].as_u64().unwrap(), step);
    // Nothing was applied after Interrupted.
    assert_eq!(monitor.lines(), at_stop);
    assert!(monitor.progress() < 100.0);
}

#[wasm_bindgen_test]
async fn a_server_side_failure_ends_as_failed_with_the_servers_message() {
    let monitor = mount_monitor(
        task_api(5, 10, Some(3), None),
        UseTaskStreamOptions::default(),
    );
    monitor.click("start");
    monitor.wait_for_status("failed", LONG).await;
    let lines = monitor.lines();
    assert_eq!(lines[..2], steps(5)[..2]);
    assert_eq!(lines.last().unwrap(), "step 3 of 5 failed");
    assert!(monitor.text("status").contains("step 3 of 5 failed"));
    assert_eq!(monitor.count(".log-error"), 1);
}

/// Streams a new task of `count` steps with the fault `knobs` of the task
/// stream, and checks that the log shows every step exactly once, in order.
async fn every_step_once(count: u32, interval_ms: u64, knobs: &str) -> support::Mounted {
    let task = post_json(
        "/api/tasks",
        json!({"steps": count, "interval_ms": interval_ms}),
    )
    .await;
    let events = format!("{}?{knobs}", task["events_url"].as_str().unwrap());
    let monitor = mount_monitor(url(&events), UseTaskStreamOptions::default());
    monitor.click("start");
    monitor.wait_for_status("completed", LONG).await;
    let steps_seen: Vec<String> = monitor
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("step"))
        .collect();
    assert_eq!(steps_seen, steps(count), "with {knobs}");
    monitor
}

#[wasm_bindgen_test]
async fn a_dropped_connection_loses_and_doubles_no_line() {
    // The server ends the first connection after 4 events; the browser
    // reconnects with Last-Event-ID and the rest arrives once.
    let monitor = every_step_once(10, 30, "drop_after=4").await;
    assert!(monitor
        .lines()
        .iter()
        .any(|l| l == "Connection lost; reconnecting (attempt 1)"));
}

#[wasm_bindgen_test]
async fn a_server_that_ignores_last_event_id_and_starts_again_doubles_no_line() {
    every_step_once(8, 30, "drop_after=3&ignore_resume=1").await;
}

#[wasm_bindgen_test]
async fn a_server_that_drops_the_connection_every_3_events_loses_and_doubles_no_line() {
    every_step_once(9, 0, "drop_every=3").await;
}

#[wasm_bindgen_test]
async fn an_event_of_1_mb_and_bytes_that_are_not_utf8_do_not_break_the_stream() {
    let monitor = mount_monitor(
        url("/faults/big?bytes=1048576"),
        UseTaskStreamOptions::default(),
    );
    monitor.click("start");
    monitor.wait_for_status("completed", LONG).await;
    assert_eq!(monitor.lines()[0].len(), 1_048_576);
    assert!(monitor.lines()[0].starts_with("0123456789abcdef0123"));
    drop(monitor);
    let monitor = mount_monitor(url("/faults/invalid-utf8"), UseTaskStreamOptions::default());
    monitor.click("start");
    monitor.wait_for_status("completed", LONG).await;
    assert_eq!(monitor.lines()[0], "caf\u{FFFD}( \u{FFFD} bytes");
    assert_eq!(monitor.progress(), 100.0);
}

#[wasm_bindgen_test]
async fn malformed_json_is_a_visible_warning_and_the_stream_goes_on() {
    let monitor = mount_monitor(url("/faults/malformed"), UseTaskStreamOptions::default());
    monitor.click("start");
    monitor.wait_for_status("completed", LONG).await;
    assert_eq!(
        monitor.lines(),
        [
            "good event 1",
            r#"Malformed JSON: {"message": "broken <b>json</b>", "progress": "#,
            "good event 3",
            "Process complete",
            CLOSED_COMPLETE,
        ]
    );
    assert_eq!(monitor.count(".log-warning"), 1);
    assert_eq!(
        monitor.count(".log b"),
        0,
        "markup in the raw text was parsed"
    );
}

#[wasm_bindgen_test]
async fn markup_from_the_server_shows_as_literal_text_and_runs_nothing() {
    let label = r#"<img src=x onerror="window.__xss = 1">"#;
    let monitor = mount_monitor(
        task_api(2, 10, None, Some(label)),
        UseTaskStreamOptions::default(),
    );
    monitor.click("start");
    monitor.wait_for_status("completed", LONG).await;
    assert_eq!(monitor.lines()[0], format!("{label}: step 1 of 2"));
    assert_eq!(monitor.count("img"), 0);
    sleep(200).await;
    let xss = js_sys::Reflect::get(&leptos::prelude::window(), &"__xss".into()).unwrap();
    assert!(xss.is_undefined(), "the onerror handler ran");
}

async fn hits(key: &str) -> u64 {
    get_json(&format!("/faults/hits/{key}")).await["hits"]
        .as_u64()
        .unwrap()
}

#[wasm_bindgen_test]
async fn not_found_and_wrong_content_type_fail_with_a_reason_and_no_reconnect_storm() {
    for (path, reason) in [
        ("/faults/status/404", "404 Not Found"),
        ("/faults/wrong-content-type", "content type text/html"),
        ("/faults/status/204", "204 No Content"),
    ] {
        let key = unique_key("permanent");
        let monitor = mount_monitor(url(&format!("{path}?key={key}")), quick_retries(3));
        monitor.click("start");
        monitor.wait_for_status("failed", LONG).await;
        assert!(
            monitor.text("status").contains(reason),
            "{}",
            monitor.describe()
        );
        // The EventSource's request and one diagnostic request; no retry.
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

#[wasm_bindgen_test]
async fn a_server_error_is_retried_a_bounded_number_of_times_with_backoff() {
    let key = unique_key("five-hundred");
    let monitor = mount_monitor(
        url(&format!("/faults/status/500?key={key}")),
        quick_retries(2),
    );
    monitor.click("start");
    monitor.wait_for_status("failed", LONG).await;
    assert!(
        monitor.text("status").contains("500 Internal Server Error"),
        "{}",
        monitor.describe()
    );
    assert!(monitor.text("status").contains("gave up after 2 attempts"));
    // First try and two retries, each with its diagnostic request.
    let seen = hits(&key).await;
    assert!(seen <= 6, "{seen} requests");
    sleep(600).await;
    assert_eq!(hits(&key).await, seen);
}

#[wasm_bindgen_test]
async fn a_server_that_is_gone_fails_after_bounded_attempts() {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let source = TaskSource::Url {
        url: "http://127.0.0.1:9/events".into(),
    };
    let monitor = mount_monitor(source, quick_retries(2));
    monitor.click("start");
    monitor.wait_for_status("failed", LONG).await;
    assert!(
        monitor.text("status").contains("cannot reach the server"),
        "{}",
        monitor.describe()
    );
}

#[wasm_bindgen_test]
async fn named_delta_events_with_multiline_json_show_their_messages() {
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
        UseTaskStreamOptions::default().named_events(["delta"]),
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
        [format!("{word} one"), format!("{word} two <i>x</i>")]
    );
    assert_eq!(monitor.status(), "open");
    monitor.click("stop");
    monitor.wait_for_status("stopped", LONG).await;
    assert_eq!(
        monitor.lines().last().map(String::as_str),
        Some(INTERRUPTED)
    );
}

#[wasm_bindgen_test]
async fn the_log_follows_the_newest_line_unless_the_reader_scrolled_up() {
    support::use_demo_stylesheet();
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
