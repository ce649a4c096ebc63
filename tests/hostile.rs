//! The monitor against broken or hostile servers and networks, in headless
//! Chromium through the mock server's fault endpoints, on both transports:
//! no reconnect storm, bounded memory, no silent death, no lost event, the
//! page's life, real failure reasons, and our parser against Chrome's own
//! `EventSource` on the same bytes.

#![cfg(target_arch = "wasm32")]

mod support;

use std::sync::{Arc, Mutex};

use sse_task_progress::{
    options::FetchOptions, options::HiddenTab, options::MessageReader, options::ParsedEvent,
    options::RawMessage, options::ReconnectPolicy, TaskSource, Transport, UseTaskStreamOptions,
};
use support::{
    get_json, hits, last_event_id, mount_monitor, on, post_json, quick_retries, run_until, sleep,
    steps, task_api, transports, unique_key, url, UnhandledRejections, CLOSED_COMPLETE,
    HISTORY_LOST, LONG, NOT_RESUMED, NO_DATA, OFFLINE, STARTED_OVER,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The wasm memory of the test page, in MiB.
fn wasm_memory_mib() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length()) / (1024.0 * 1024.0)
}

#[wasm_bindgen_test]
async fn a_server_that_ends_every_connection_at_once_with_retry_0_gets_no_storm() {
    for transport in transports() {
        let key = unique_key("empty-end");
        let monitor = mount_monitor(url(&format!("/faults/empty-end?key={key}")), on(&transport));
        monitor.click("start");
        sleep(4_500).await;
        // Floors of 1, 2 then 4 s: four requests in 4.5 s, not hundreds.
        let requests = hits(&key).await;
        assert!(
            (2..=5).contains(&requests),
            "{}: {requests} requests in 4.5 s",
            transport.name()
        );
        assert_eq!(
            monitor.count(".tm-log-warning"),
            0,
            "{}",
            monitor.describe()
        );
        monitor.click("stop");
        monitor.wait_for_status("stopped", LONG).await;
    }
}

#[wasm_bindgen_test]
async fn one_endless_line_fails_the_stream_and_gives_its_memory_back() {
    let fetch = Transport::Fetch(FetchOptions::default());
    let key = unique_key("endless");
    let before = wasm_memory_mib();
    let monitor = run_until(
        url(&format!("/faults/endless-line?key={key}&mib=200")),
        on(&fetch),
        "failed",
    )
    .await;
    let status = monitor.text("status");
    assert!(
        status.contains("an event grew beyond 2097152 bytes (the limit is max_event_bytes)"),
        "{status}"
    );
    assert_eq!(hits(&key).await, 1, "a permanent failure is not retried");
    let grown = wasm_memory_mib() - before;
    assert!(grown < 32.0, "wasm memory grew by {grown} MiB");
}

#[wasm_bindgen_test]
async fn an_endless_line_on_eventsource_is_closed_by_the_idle_timeout() {
    // The browser holds the line; no event arrives, so the idle timeout
    // closes the source (its memory goes with it) and resumes.
    let key = unique_key("endless-es");
    let options = on(&Transport::EventSource).idle_timeout_ms(Some(1_500));
    let monitor = mount_monitor(
        url(&format!(
            "/faults/endless-line?key={key}&mib=64&pace_ms=100"
        )),
        options,
    );
    monitor.click("start");
    monitor
        .wait_until("the idle warning", LONG, |m| {
            m.lines().iter().any(|l| l.starts_with(NO_DATA))
        })
        .await;
    monitor.click("stop");
    monitor.wait_for_status("stopped", LONG).await;
}

#[wasm_bindgen_test]
async fn a_flood_of_64_kb_events_keeps_the_log_bounded_in_bytes_and_stop_answers() {
    for transport in transports() {
        let options = on(&transport).capacity(100);
        let monitor = run_until(
            url("/faults/flood?count=400&bytes=65536"),
            options,
            "completed",
        )
        .await;
        // The newest 100 lines (98 events, each cut at 4 KiB, and the end).
        let lines = monitor.lines();
        let cut: Vec<&String> = lines.iter().filter(|l| l.ends_with(" bytes]")).collect();
        assert_eq!(cut.len(), 98, "{}: {} lines", transport.name(), lines.len());
        assert!(cut.iter().all(|l| l.len() < 4200));
        assert!(cut[97].starts_with("400 xxx"), "{}", &cut[97][..20]);
        assert_eq!(lines.last().map(String::as_str), Some(CLOSED_COMPLETE));
        drop(monitor);

        let monitor = mount_monitor(url("/faults/flood?count=10000&bytes=65536"), on(&transport));
        monitor.click("start");
        monitor
            .wait_until("the flood", LONG, |m| m.progress() >= 5.0)
            .await;
        monitor.click("stop");
        monitor.wait_for_status("stopped", LONG).await;
        let shown = monitor.lines().len();
        sleep(300).await;
        assert_eq!(
            monitor.lines().len(),
            shown,
            "nothing is applied after Stop"
        );
    }
}

#[wasm_bindgen_test]
async fn a_silent_connection_is_closed_after_the_idle_timeout_and_resumed_from_its_last_id() {
    for transport in transports() {
        let key = unique_key("silent");
        let options = on(&transport).idle_timeout_ms(Some(1_500));
        let monitor = mount_monitor(url(&format!("/faults/silent?key={key}&secs=60")), options);
        monitor.click("start");
        monitor
            .wait_until("the idle warning", LONG, |m| {
                m.lines().iter().any(|l| l.starts_with(NO_DATA))
            })
            .await;
        let resumed = async {
            for _ in 0..200 {
                if hits(&key).await >= 2 {
                    return last_event_id(&key).await;
                }
                sleep(50).await;
            }
            String::from("(no second request)")
        };
        assert_eq!(resumed.await, "1", "{}", transport.name());
        let warnings: Vec<String> = monitor
            .lines()
            .into_iter()
            .filter(|l| l.starts_with(NO_DATA))
            .collect();
        assert_eq!(
            warnings,
            ["No data for 2 s: the connection is closed and resumed"],
            "{}",
            transport.name()
        );
        monitor.click("stop");
        monitor.wait_for_status("stopped", LONG).await;
    }
}

#[wasm_bindgen_test]
async fn our_servers_heartbeat_keeps_a_quiet_task_alive_on_both_transports() {
    // The test server sends a keep-alive every second; a step every 2.5 s.
    for transport in transports() {
        let options = on(&transport).idle_timeout_ms(Some(1_800));
        let monitor = run_until(task_api(2, 2_500, None, None), options, "completed").await;
        assert_eq!(
            monitor.lines(),
            [
                steps(2),
                vec!["Process complete".into(), CLOSED_COMPLETE.into()]
            ]
            .concat(),
            "{}",
            transport.name()
        );
    }
}

#[wasm_bindgen_test]
async fn an_event_without_an_id_after_numbered_ones_reaches_the_page_also_on_a_resumed_connection()
{
    for transport in transports() {
        let key = unique_key("idless");
        let monitor = run_until(
            url(&format!("/faults/ids?case=idless-after&key={key}")),
            on(&transport),
            "failed",
        )
        .await;
        assert_eq!(
            monitor.lines(),
            ["step 1", "step 2", "the disk is full"],
            "{}",
            transport.name()
        );
        assert_eq!(
            last_event_id(&key).await,
            "2",
            "the failure came on a resumed connection"
        );
    }
}

#[wasm_bindgen_test]
async fn ids_that_go_backwards_in_one_connection_lose_no_line() {
    for transport in transports() {
        let monitor = run_until(
            url("/faults/ids?case=backwards"),
            on(&transport),
            "completed",
        )
        .await;
        let lines: Vec<String> = (1..=8).map(|n| format!("line {n} of 8")).collect();
        assert_eq!(
            monitor.lines()[..8],
            lines[..],
            "{}: {}",
            transport.name(),
            monitor.describe()
        );
    }
}

#[wasm_bindgen_test]
async fn a_script_that_starts_over_instead_of_resuming_runs_at_most_twice_and_the_monitor_says_why()
{
    for transport in transports() {
        let name = transport.name();
        let cases = [
            ("restart-numbers", ["record 1", "record 2", "record 3"]),
            ("restart-text", ["text id a", "text id b", "text id c"]),
        ];
        for (case, first_run) in cases {
            let key = unique_key(case);
            let monitor = run_until(
                url(&format!("/faults/ids?case={case}&key={key}")),
                quick_retries(&transport, 3),
                "failed",
            )
            .await;
            assert!(
                monitor.text("status").contains(STARTED_OVER),
                "{name} {case}: {}",
                monitor.describe()
            );
            // Each record once, then the failure's line.
            let lines = monitor.lines();
            assert_eq!(lines[..lines.len() - 1], first_run, "{name} {case}");
            assert_eq!(
                hits(&key).await,
                2,
                "{name} {case}: the job ran twice at most"
            );
        }
        // Known not to resume: never a second run.
        let key = unique_key("no-resume");
        let monitor = run_until(
            url(&format!("/faults/ids?case=restart-numbers&key={key}")),
            quick_retries(&transport, 3).reconnect_after_data(false),
            "failed",
        )
        .await;
        assert!(
            monitor.text("status").contains(NOT_RESUMED),
            "{name}: {}",
            monitor.describe()
        );
        assert_eq!(hits(&key).await, 1, "{name}: ran once");
    }
}

#[wasm_bindgen_test]
async fn a_resume_point_the_server_no_longer_has_is_said_and_its_events_follow() {
    for transport in transports() {
        let task = post_json(
            "/api/tasks",
            serde_json::json!({"steps": 2, "interval_ms": 0}),
        )
        .await;
        // A client that saw 99 events of this task: the server's store was replaced.
        let events = format!("{}?lastEventId=99", task["events_url"].as_str().unwrap());
        let monitor = run_until(url(&events), on(&transport), "completed").await;
        let lines = monitor.lines();
        assert_eq!(lines[0], HISTORY_LOST.to_owned(), "{}", transport.name());
        assert_eq!(lines[1..3], steps(2)[..], "{lines:?}");
    }
}

/// Starts `path` on `transport`, waits for it to fail, and returns the reason shown.
async fn failure_of(path: &str, options: UseTaskStreamOptions) -> String {
    let monitor = run_until(url(path), options, "failed").await;
    monitor.text("status")
}

#[wasm_bindgen_test]
async fn every_failure_says_its_real_cause() {
    for transport in transports() {
        let name = transport.name();
        let key = unique_key("latin");
        let latin = failure_of(&format!("/faults/charset?key={key}"), on(&transport)).await;
        assert!(
            latin.contains("charset as latin1; an event stream is always UTF-8"),
            "{name}: {latin}"
        );
        // One request; EventSource needs one more to learn why.
        assert!(
            hits(&key).await <= 2,
            "{name}: {} requests",
            hits(&key).await
        );

        let expired = failure_of("/faults/session-expired", on(&transport)).await;
        // The test page is on another origin than the server: the whole URL.
        assert!(
            expired.contains("/faults/wrong-content-type?from=session, which answered text/html")
                && expired.contains("the stream was redirected to http")
                && expired.contains("sign in again"),
            "{name}: {expired}"
        );

        let looping = failure_of("/faults/redirect-loop", on(&transport)).await;
        assert!(
            looping.contains("redirects this URL again and again"),
            "{name}: {looping}"
        );

        let long_wait = failure_of("/faults/status/503?retry_after=3600", on(&transport)).await;
        assert!(
            long_wait.contains("asked to retry in 3600 s (Retry-After), beyond the 300 s"),
            "{name}: {long_wait}"
        );

        let script = TaskSource::Url {
            url: "javascript:alert(1)".into(),
        };
        let monitor = run_until(script, on(&transport), "failed").await;
        assert!(
            monitor.text("status").contains("is not an http(s) URL"),
            "{name}: {}",
            monitor.describe()
        );
    }
}

#[wasm_bindgen_test]
async fn a_retry_after_date_is_honoured() {
    for transport in transports() {
        let key = unique_key("dated");
        let monitor = mount_monitor(
            url(&format!("/faults/retry-after-date?key={key}&secs=3")),
            quick_retries(&transport, 5),
        );
        monitor.click("start");
        sleep(1_800).await;
        // The policy alone would have tried again within 200 ms, many times.
        let requests = hits(&key).await;
        let limit = if matches!(transport, Transport::EventSource) {
            2
        } else {
            1
        };
        assert!(
            requests <= limit,
            "{}: {requests} requests",
            transport.name()
        );
        monitor.click("stop");
        monitor.wait_for_status("stopped", LONG).await;
    }
}

#[wasm_bindgen_test]
async fn a_failing_eventsource_asks_why_once_per_outage() {
    let key = unique_key("diagnosed");
    let monitor = run_until(
        url(&format!("/faults/status/500?key={key}")),
        quick_retries(&Transport::EventSource, 3),
        "failed",
    )
    .await;
    assert!(
        monitor.text("status").contains("500"),
        "{}",
        monitor.describe()
    );
    // Four attempts (the first and three retries), one diagnostic request.
    assert_eq!(hits(&key).await, 5);
}

#[wasm_bindgen_test]
async fn a_body_that_breaks_off_says_so_is_resumed_and_leaves_no_uncaught_error() {
    for transport in transports().into_iter().skip(1) {
        let rejections = UnhandledRejections::count();
        let key = unique_key("cut");
        let monitor = mount_monitor(url(&format!("/faults/cut-body?key={key}")), on(&transport));
        monitor.click("start");
        monitor
            .wait_until("the warning", LONG, |m| {
                m.lines()
                    .iter()
                    .any(|l| l.starts_with("Connection lost: the stream broke off in the middle"))
            })
            .await;
        // Resumed: the break is one failed attempt, not the end.
        let mut waited = 0;
        while hits(&key).await < 2 {
            assert!(waited < 10_000, "{}: never tried again", transport.name());
            sleep(100).await;
            waited += 100;
        }
        monitor.click("stop");
        monitor.wait_for_status("stopped", LONG).await;
        sleep(200).await;
        assert_eq!(
            rejections.seen(),
            0,
            "{}: uncaught rejections",
            transport.name()
        );
    }
}

#[wasm_bindgen_test]
async fn an_attempt_that_gets_no_answer_is_given_up_after_the_open_timeout() {
    for transport in transports() {
        let key = unique_key("no-answer");
        let options = quick_retries(&transport, 1).open_timeout_ms(Some(1000));
        let monitor = run_until(
            url(&format!("/faults/no-answer?secs=20&key={key}")),
            options,
            "failed",
        )
        .await;
        assert!(
            monitor
                .text("status")
                .contains("did not answer within 1 s (open_timeout_ms)"),
            "{}: {}",
            transport.name(),
            monitor.describe()
        );
        // The first attempt and one retry, each given up.
        assert_eq!(hits(&key).await, 2, "{}", transport.name());
    }
}

/// Dispatches a window event of `kind` (`offline`, `online`).
fn dispatch(kind: &str) {
    let event = web_sys::Event::new(kind).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
}

/// Dispatches `pagehide` / `pageshow` as the back/forward cache does.
fn dispatch_page_transition(kind: &str) {
    let init = web_sys::PageTransitionEventInit::new();
    init.set_persisted(true);
    let event = web_sys::PageTransitionEvent::new_with_event_init_dict(kind, &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
}

/// Makes the page read as hidden (or not) and says so.
fn set_hidden(hidden: bool) {
    let document = web_sys::window().unwrap().document().unwrap();
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"value".into(), &JsValue::from_bool(hidden)).unwrap();
    js_sys::Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).unwrap();
    js_sys::Object::define_property(&document, &"hidden".into(), &descriptor);
    document
        .dispatch_event(&web_sys::Event::new("visibilitychange").unwrap())
        .unwrap();
}

/// Task streams open on the server now.
async fn task_streams() -> u64 {
    get_json("/faults/streams").await["task_streams"]
        .as_u64()
        .unwrap()
}

/// Waits until the server holds `count` task streams.
async fn wait_for_task_streams(count: u64) {
    for _ in 0..200 {
        if task_streams().await == count {
            return;
        }
        sleep(25).await;
    }
    panic!(
        "the server holds {} task streams, not {count}",
        task_streams().await
    );
}

#[wasm_bindgen_test]
async fn offline_waits_without_attempts_and_online_resumes_at_once() {
    for transport in transports() {
        let monitor = mount_monitor(task_api(6, 300, None, None), on(&transport));
        monitor.click("start");
        monitor
            .wait_until("a step", LONG, |m| !m.lines().is_empty())
            .await;
        dispatch("offline");
        monitor.wait_for_status("offline", LONG).await;
        wait_for_task_streams(0).await;
        sleep(1_000).await;
        assert_eq!(monitor.status(), "offline");
        assert_eq!(task_streams().await, 0, "no attempt while offline");
        dispatch("online");
        monitor.wait_for_status("completed", LONG).await;
        let lines = monitor.lines();
        assert!(lines[1].starts_with(OFFLINE), "{lines:?}");
        let shown: Vec<String> = lines
            .into_iter()
            .filter(|l| l.starts_with("step"))
            .collect();
        assert_eq!(shown, steps(6), "{}", transport.name());

        // Offline while the task is being created: it is created once and
        // streamed when the network is back.
        let monitor = mount_monitor(task_api(2, 0, None, None), on(&transport));
        monitor.click("start");
        dispatch("offline");
        sleep(300).await;
        dispatch("online");
        monitor.wait_for_status("completed", LONG).await;
    }
}

#[wasm_bindgen_test]
async fn the_back_forward_cache_closes_the_stream_and_a_restore_resumes_it() {
    for transport in transports() {
        let monitor = mount_monitor(task_api(6, 300, None, None), on(&transport));
        monitor.click("start");
        monitor
            .wait_until("a step", LONG, |m| !m.lines().is_empty())
            .await;
        dispatch_page_transition("pagehide");
        monitor.wait_for_status("paused", LONG).await;
        wait_for_task_streams(0).await;
        dispatch_page_transition("pageshow");
        monitor.wait_for_status("completed", LONG).await;
        let shown: Vec<String> = monitor
            .lines()
            .into_iter()
            .filter(|l| l.starts_with("step"))
            .collect();
        assert_eq!(shown, steps(6), "{}", transport.name());
    }
}

/// The ids of the newest tasks on the server.
async fn task_ids() -> Vec<String> {
    let tasks = get_json("/api/tasks?limit=100").await;
    tasks
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|task| task["id"].as_str().map(String::from))
        .collect()
}

#[wasm_bindgen_test]
async fn a_paused_hidden_tab_resumes_by_get_and_never_creates_the_task_twice() {
    for transport in transports() {
        let label = unique_key("hidden");
        let options = on(&transport).hidden_tab(HiddenTab::PauseAfter(200));
        let before = task_ids().await;
        let monitor = mount_monitor(task_api(6, 300, None, Some(&label)), options);
        monitor.click("start");
        monitor
            .wait_until("a step", LONG, |m| !m.lines().is_empty())
            .await;
        set_hidden(true);
        monitor.wait_for_status("paused", LONG).await;
        wait_for_task_streams(0).await;
        set_hidden(false);
        monitor.wait_for_status("completed", LONG).await;
        let shown: Vec<String> = monitor
            .lines()
            .into_iter()
            .filter(|l| l.contains("step"))
            .collect();
        let expected: Vec<String> = steps(6).iter().map(|s| format!("{label}: {s}")).collect();
        assert_eq!(shown, expected, "{}", transport.name());
        let after = task_ids().await;
        let created = after.iter().filter(|id| !before.contains(id)).count();
        assert_eq!(created, 1, "{}: tasks created", transport.name());
    }
}

/// One message as a client saw it: type, data, last event id.
type Seen = (String, String, String);

/// The browser engine running the tests, from its user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

fn engine() -> Engine {
    let agent = web_sys::window().unwrap().navigator().user_agent().unwrap();
    if agent.contains("Firefox/") {
        Engine::Firefox
    } else if agent.contains("Chrome/") || agent.contains("Chromium/") {
        Engine::Chromium
    } else {
        Engine::WebKit
    }
}

/// Which part of a case's outcome a browser's `EventSource` gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Messages,
    ResumeId,
}

/// Where a browser's own `EventSource` departs from the spec, each seen in
/// some runs of Firefox ESR 153 or WebKitGTK 2.50 and not in others (it
/// depends on how the chunks arrive; Chromium 156 followed the spec in
/// every run): that part of the case is not held against that browser. Our
/// parser is held to the spec in every engine.
const DEVIATIONS: &[(Engine, &str, Part, &str)] = &[
    (Engine::Firefox, "id-without-data", Part::ResumeId, NO_MOVE),
    (Engine::Firefox, "id-only-then-end", Part::ResumeId, NO_MOVE),
    (Engine::Firefox, "split-everywhere", Part::ResumeId, NO_MOVE),
    (
        Engine::Firefox,
        "id-with-nul",
        Part::Messages,
        "an id holding NUL drops its whole event, where the spec ignores only the field",
    ),
    (Engine::WebKit, "id-without-data", Part::ResumeId, NO_MOVE),
    (Engine::WebKit, "id-only-then-end", Part::ResumeId, NO_MOVE),
    (Engine::WebKit, "split-everywhere", Part::ResumeId, NO_MOVE),
    (
        Engine::WebKit,
        "bom-split",
        Part::Messages,
        "a BOM split across chunks loses the event after it",
    ),
];

/// The departure of three cases.
const NO_MOVE: &str = "an id: without data does not move the resume point";

fn deviates(engine: Engine, case: &str, part: Part) -> bool {
    DEVIATIONS
        .iter()
        .any(|(e, c, p, _)| *e == engine && *c == case && *p == part)
}

/// Messages for an error report, cut at 300 characters.
fn brief(messages: &[Seen]) -> String {
    format!("{messages:?}").chars().take(300).collect()
}

/// One corpus case as the server lists it.
#[derive(serde::Deserialize)]
struct CorpusCase {
    name: String,
    expected: Expected,
}

/// What the spec makes of a case.
#[derive(serde::Deserialize)]
struct Expected {
    messages: Vec<Seen>,
    resume_id: String,
}

#[wasm_bindgen_test]
async fn our_parser_and_the_browsers_eventsource_give_the_specs_messages_and_resume_id() {
    let cases: Vec<CorpusCase> = serde_json::from_value(get_json("/faults/corpus").await).unwrap();
    let run = unique_key("corpus");
    let mut sources = Vec::new();
    let mut monitors = Vec::new();
    let mut ours: Vec<Arc<Mutex<Vec<Seen>>>> = Vec::new();
    let mut browsers: Vec<std::rc::Rc<std::cell::RefCell<Vec<Seen>>>> = Vec::new();
    for case in &cases {
        let case = &case.name;
        let base = format!("{}/faults/corpus/{case}", support::server());
        let browser = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let source = web_sys::EventSource::new(&format!("{base}?key=es-{run}-{case}")).unwrap();
        for kind in ["message", "delta"] {
            let browser = browser.clone();
            let listener = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    browser.borrow_mut().push((
                        event.type_(),
                        event.data().as_string().unwrap_or_default(),
                        event.last_event_id(),
                    ));
                },
            );
            source
                .add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref())
                .unwrap();
            listener.forget();
        }
        sources.push(source);
        browsers.push(browser);

        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let reader = MessageReader::Custom(Arc::new(move |raw: &RawMessage| {
            record.lock().unwrap().push((
                raw.event_type.clone(),
                raw.data.clone(),
                raw.last_event_id.clone(),
            ));
            ParsedEvent::Text(String::new())
        }));
        let options = UseTaskStreamOptions::default()
            .transport(Transport::Fetch(FetchOptions::default()))
            .named_events(["delta"])
            .reader(reader)
            .reconnect(ReconnectPolicy::never());
        let monitor = mount_monitor(
            TaskSource::Url {
                url: format!("{base}?key=ours-{run}-{case}"),
            },
            options,
        );
        monitor.click("start");
        monitors.push(monitor);
        ours.push(seen);
    }
    // Both came back (to a 204) once the case ended: its resume id is recorded.
    for case in &cases {
        for who in ["es", "ours"] {
            let key = format!("{who}-{run}-{}", case.name);
            let mut waited = 0;
            while hits(&key).await < 2 {
                assert!(waited < 30_000, "{key} never reconnected");
                sleep(100).await;
                waited += 100;
            }
        }
    }
    for source in &sources {
        source.close();
    }
    let engine = engine();
    let mut differences = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = &case.name;
        let spec = &case.expected;
        let browser = browsers[i].borrow().clone();
        let our = ours[i].lock().unwrap().clone();
        let browser_id = last_event_id(&format!("es-{run}-{name}")).await;
        let our_id = last_event_id(&format!("ours-{run}-{name}")).await;
        if our != spec.messages {
            differences.push(format!(
                "{name}: ours {}, the spec {}",
                brief(&our),
                brief(&spec.messages)
            ));
        }
        if our_id != spec.resume_id {
            differences.push(format!(
                "{name}: ours resumed with {our_id:?}, the spec with {:?}",
                spec.resume_id
            ));
        }
        if browser != spec.messages && !deviates(engine, name, Part::Messages) {
            differences.push(format!(
                "{name}: {engine:?}'s EventSource {}, the spec {}",
                brief(&browser),
                brief(&spec.messages)
            ));
        }
        if browser_id != spec.resume_id && !deviates(engine, name, Part::ResumeId) {
            differences.push(format!(
                "{name}: {engine:?}'s EventSource resumed with {browser_id:?}, the spec with {:?}",
                spec.resume_id
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences over {} cases:\n{}",
        differences.len(),
        cases.len(),
        differences.join("\n")
    );
}
