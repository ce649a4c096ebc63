//! Helpers of the browser tests: the mock server's address, mounting a
//! component in a fresh element, reading what the user sees, and waiting.

#![allow(dead_code)]

use std::time::Duration;

use leptos::mount::mount_to;
use leptos::prelude::*;
use sse_task_progress::{
    options::FetchOptions, options::ReconnectPolicy, CreateTaskRequest, Labels, TaskMonitor,
    TaskSource, TasksDashboard, Transport, UseTaskStreamOptions, Word,
};
use wasm_bindgen::JsCast;
use web_sys::{HtmlButtonElement, HtmlElement, HtmlProgressElement};

/// The line logged after the completion message, in English.
pub const CLOSED_COMPLETE: &str = Word::NoticeComplete.english();
/// The line logged when the user stops the stream.
pub const INTERRUPTED: &str = Word::NoticeInterrupted.english();
/// The line logged when new credentials are asked for.
pub const NEW_CREDENTIALS: &str = Word::NoticeNewCredentials.english();
/// Why a stream whose server started the job over fails.
pub const STARTED_OVER: &str = Word::FailureStartedOver.english();
/// Why a stream not reconnected after data fails when its connection ends.
pub const NOT_RESUMED: &str = Word::FailureNotResumed.english();
/// The start of the warning logged when a silent connection is closed.
pub const NO_DATA: &str = "No data for";
/// The start of the warning logged when the browser goes offline.
pub const OFFLINE: &str = "Offline";
/// The warning logged when events after the resume point are gone (count unknown).
pub const HISTORY_LOST: &str = Word::NoticeHistoryLostSome.english();

/// The mock server the test command started (`MOCK_SERVER_URL` at compile time).
pub fn server() -> &'static str {
    match option_env!("MOCK_SERVER_URL") {
        Some(url) => url,
        None => panic!(
            "MOCK_SERVER_URL was not set at compile time: run the browser tests with scripts/test.sh"
        ),
    }
}

/// How long a test waits for what a user would see.
pub const LONG: Duration = Duration::from_secs(20);

/// A task of the mock server's task API.
pub fn task_api(
    steps: u32,
    interval_ms: u64,
    fail_at: Option<u32>,
    label: Option<&str>,
) -> TaskSource {
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

/// A plain SSE URL of the mock server.
pub fn url(path: &str) -> TaskSource {
    TaskSource::Url {
        url: format!("{}{path}", server()),
    }
}

/// The lines of a task of `count` steps.
pub fn steps(count: u32) -> Vec<String> {
    (1..=count)
        .map(|i| format!("step {i} of {count}"))
        .collect()
}

/// Both transports, and fetch off the main thread: every scenario runs on each.
pub fn transports() -> [Transport; 3] {
    [
        Transport::EventSource,
        Transport::Fetch(FetchOptions::default()),
        Transport::Fetch(FetchOptions::default().off_main_thread(true)),
    ]
}

/// Default options on `transport`.
pub fn on(transport: &Transport) -> UseTaskStreamOptions {
    UseTaskStreamOptions::default().transport(transport.clone())
}

/// Quick retries so that failure tests take a second, not half a minute.
pub fn quick_retries(transport: &Transport, attempts: u32) -> UseTaskStreamOptions {
    on(transport).reconnect(ReconnectPolicy {
        max_attempts: attempts,
        initial_delay_ms: 100,
        max_delay_ms: 200,
        ..ReconnectPolicy::default()
    })
}

/// Requests the mock server saw with `key`.
pub async fn hits(key: &str) -> u64 {
    get_json(&format!("/faults/hits/{key}")).await["hits"]
        .as_u64()
        .unwrap()
}

/// The `Last-Event-ID` of the last request with `key` ("" for none).
pub async fn last_event_id(key: &str) -> String {
    get_json(&format!("/faults/hits/{key}")).await["last_event_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Adds the components' stylesheet to the test page (once), for tests of
/// what depends on it, like the log's scrolling.
pub fn use_components_stylesheet() {
    if document()
        .get_element_by_id("components-stylesheet")
        .is_some()
    {
        return;
    }
    let style = document().create_element("style").unwrap();
    style.set_id("components-stylesheet");
    style.set_text_content(Some(sse_task_progress::STYLESHEET));
    document().head().unwrap().append_child(&style).unwrap();
}

/// A `<TaskMonitor>` mounted in its own element; unmounted on drop.
pub struct Mounted {
    /// The element it is mounted in.
    pub root: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

/// Mounts a `<TaskMonitor>` on `source` with `options`, presses Start and
/// waits (up to [`LONG`]) for `status`.
pub async fn run_until(source: TaskSource, options: UseTaskStreamOptions, status: &str) -> Mounted {
    let monitor = mount_monitor(source, options);
    monitor.click("start");
    monitor.wait_for_status(status, LONG).await;
    monitor
}

/// Mounts `view` in a fresh `<section>` at the end of the page.
fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> Mounted {
    let root: HtmlElement = document()
        .create_element("section")
        .unwrap()
        .unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    let handle = mount_to(root.clone(), view);
    Mounted {
        root,
        _handle: Box::new(handle),
    }
}

/// Mounts a `<TaskMonitor>` streaming `source` with `options`.
pub fn mount_monitor(source: TaskSource, options: UseTaskStreamOptions) -> Mounted {
    mount(move || view! { <TaskMonitor source=Signal::stored(source) options=options /> })
}

/// Mounts a `<TaskMonitor>` streaming `source` in `labels`' words, its
/// task URL line hidden.
pub fn mount_in_words(source: TaskSource, labels: Labels) -> Mounted {
    mount(move || {
        view! { <TaskMonitor source=Signal::stored(source) labels=labels hide_task_url=true /> }
    })
}

/// Mounts a `<TaskMonitor>` streaming `source` that remembers its task
/// under `key` (`remember_as`).
pub fn mount_remembering(source: TaskSource, key: &str) -> Mounted {
    let key = key.to_owned();
    mount(move || view! { <TaskMonitor source=Signal::stored(source) remember_as=key /> })
}

/// A `<TasksDashboard>` on the multiplexed stream at `events_url`, read
/// over `transport`.
pub fn mount_dashboard(events_url: &str, transport: Transport) -> Mounted {
    let events_url = events_url.to_owned();
    mount(move || {
        view! { <TasksDashboard server=server() events_url transport=transport.clone() /> }
    })
}

/// The page URL's query (`?...`).
pub fn page_query() -> String {
    window().location().search().unwrap_or_default()
}

/// Replaces the page URL's query, keeping the path.
pub fn set_page_query(query: &str) {
    let path = window().location().pathname().unwrap_or_default();
    window()
        .history()
        .unwrap()
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{query}")),
        )
        .unwrap();
}

/// Hydrates the server-rendered markup of `<TaskMonitor>` (the fixture that
/// `tests/ssr_render.rs` checks is what `ssr` renders), streaming `source`.
/// The buttons on the page before hydration are the ones that work after.
pub fn hydrate_monitor(source: TaskSource) -> Mounted {
    let root: HtmlElement = document()
        .create_element("section")
        .unwrap()
        .unchecked_into();
    root.set_inner_html(include_str!("../fixtures/task_monitor_ssr.html"));
    document().body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::hydrate_from(root.clone(), move || {
        view! { <TaskMonitor source=Signal::stored(source) /> }
    });
    Mounted {
        root,
        _handle: Box::new(handle),
    }
}

impl Mounted {
    /// The element with this `data-testid`.
    pub fn find(&self, test_id: &str) -> web_sys::Element {
        self.root
            .query_selector(&format!("[data-testid='{test_id}']"))
            .unwrap()
            .unwrap_or_else(|| panic!("no element with data-testid={test_id}"))
    }

    /// Clicks the element with this `data-testid`.
    pub fn click(&self, test_id: &str) {
        self.find(test_id).unchecked_into::<HtmlElement>().click();
    }

    /// Whether the button with this `data-testid` is disabled.
    pub fn disabled(&self, test_id: &str) -> bool {
        self.find(test_id)
            .unchecked_into::<HtmlButtonElement>()
            .disabled()
    }

    /// The text of the element with this `data-testid`.
    pub fn text(&self, test_id: &str) -> String {
        self.find(test_id).text_content().unwrap_or_default()
    }

    /// The `data-status` of the status badge.
    pub fn status(&self) -> String {
        self.find("status")
            .get_attribute("data-status")
            .unwrap_or_default()
    }

    /// The bar's value.
    pub fn progress(&self) -> f64 {
        self.find("progress-bar")
            .unchecked_into::<HtmlProgressElement>()
            .value()
    }

    /// The log's lines, as shown: each block's text, one line per `\n`.
    pub fn lines(&self) -> Vec<String> {
        let nodes = self.root.query_selector_all(".tm-log-block").unwrap();
        (0..nodes.length())
            .filter_map(|i| nodes.item(i))
            .flat_map(|node| {
                let text = node.text_content().unwrap_or_default();
                text.split('\n').map(String::from).collect::<Vec<_>>()
            })
            .collect()
    }

    /// The log's scrolling element.
    pub fn log(&self) -> HtmlElement {
        self.find("log").unchecked_into()
    }

    /// Whether the log shows its newest line (scrolled to the bottom).
    pub fn log_at_bottom(&self) -> bool {
        let log = self.log();
        log.scroll_top() + log.client_height() >= log.scroll_height() - 8
    }

    /// Attribute `name` of the dashboard's row of task `id` (`None`: no row).
    pub fn row_attr(&self, id: &str, name: &str) -> Option<String> {
        self.root
            .query_selector(&format!("[data-testid='task-row'][data-task-id='{id}']"))
            .unwrap()
            .and_then(|row| row.get_attribute(name))
    }

    /// The percentage label of the dashboard's row of task `id`.
    pub fn row_percent(&self, id: &str) -> String {
        self.root
            .query_selector(&format!(
                "[data-testid='task-row'][data-task-id='{id}'] .tm-progress-label"
            ))
            .unwrap()
            .and_then(|label| label.text_content())
            .unwrap_or_default()
    }

    /// Number of elements matching `selector` inside the component.
    pub fn count(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).unwrap().length()
    }

    /// What the user sees, for failure messages.
    pub fn describe(&self) -> String {
        let lines = self.lines();
        let last = &lines[lines.len().saturating_sub(20)..];
        format!(
            "status {:?} ({}), {} lines, the last {last:?}",
            self.status(),
            self.text("status"),
            lines.len()
        )
    }

    /// Clicks Start, waits for three log lines, clicks Stop and waits for
    /// the status to read stopped.
    pub async fn start_then_stop_after_three_lines(&self) {
        self.click("start");
        self.wait_until("three lines", LONG, |m| m.lines().len() >= 3)
            .await;
        self.click("stop");
        self.wait_for_status("stopped", LONG).await;
    }

    /// Waits until `done` holds, up to `limit`; panics with what is on screen.
    pub async fn wait_until(&self, what: &str, limit: Duration, done: impl Fn(&Self) -> bool) {
        let step = 25;
        let mut waited = 0;
        while !done(self) {
            if waited > limit.as_millis() as u64 {
                panic!("timed out waiting for {what}: {}", self.describe());
            }
            sleep(step).await;
            waited += step;
        }
    }

    /// Waits for a terminal status and returns it.
    pub async fn wait_for_status(&self, status: &str, limit: Duration) {
        self.wait_until(&format!("status {status}"), limit, |m| m.status() == status)
            .await;
    }
}

/// Sleeps `ms` milliseconds on the browser's timer.
pub async fn sleep(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// `GET {server}{path}` as JSON.
pub async fn get_json(path: &str) -> serde_json::Value {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", server())
    };
    gloo_net::http::Request::get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `POST {server}{path}` with a JSON body, answering JSON.
pub async fn post_json(path: &str, body: serde_json::Value) -> serde_json::Value {
    gloo_net::http::Request::post(&format!("{}{path}", server()))
        .json(&body)
        .unwrap()
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A key unique to this test run, for the fault endpoints' counters.
pub fn unique_key(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e12) as u64)
}

/// Counts the page's unhandled promise rejections (what the console shows
/// as "Uncaught (in promise)") while it lives.
pub struct UnhandledRejections {
    count: std::rc::Rc<std::cell::Cell<u32>>,
    listener: wasm_bindgen::closure::Closure<dyn FnMut(web_sys::Event)>,
}

impl UnhandledRejections {
    /// Starts counting.
    pub fn count() -> Self {
        let count = std::rc::Rc::new(std::cell::Cell::new(0));
        let seen = count.clone();
        let listener = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(
            move |_event: web_sys::Event| seen.set(seen.get() + 1),
        );
        web_sys::window()
            .unwrap()
            .add_event_listener_with_callback(
                "unhandledrejection",
                listener.as_ref().unchecked_ref(),
            )
            .unwrap();
        Self { count, listener }
    }

    /// How many so far.
    pub fn seen(&self) -> u32 {
        self.count.get()
    }
}

impl Drop for UnhandledRejections {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "unhandledrejection",
                self.listener.as_ref().unchecked_ref(),
            );
        }
    }
}
