//! The element's attributes read into its settings: what Start streams and
//! the hook's options. Pure, so every rule is tested natively; a bad value
//! is named in a problem the element shows, and its default is used.

use sse_task_progress::{
    job_body, options::HiddenTab, options::ReaderKind, options::TransportKind, CreateTaskRequest,
    TaskSource, UseTaskStreamOptions,
};
use sse_task_protocol::{MAX_INTERVAL_MS, MAX_STEPS};
use thiserror::Error;

/// The attributes the element observes (its `observedAttributes`).
pub const OBSERVED: &[&str] = &[
    "src",
    "server",
    "kind",
    "params",
    "steps",
    "interval-ms",
    "fail-at",
    "label",
    "events",
    "capacity",
    "capacity-bytes",
    "max-event-bytes",
    "idle-timeout-ms",
    "open-timeout-ms",
    "pause-hidden-after-ms",
    "transport",
    "reader",
    "close-on-first-error",
    "share-across-tabs",
    "reconnect-after-data",
    "autostart",
    "task-id",
    "labels",
    "start-label",
    "stop-label",
    "hide-start",
];

/// Most log lines an element may keep.
pub const MAX_CAPACITY: usize = 1_000_000;
/// Most bytes of log text, or of one event, an element may be told to keep.
pub const MAX_BYTES: u64 = 1 << 30;
/// Longest idle or open timeout or hidden-tab delay, in ms (an hour).
pub const MAX_WAIT_MS: u64 = 3_600_000;

/// Reads a switch attribute: `on` or `off`.
fn on_off(word: &str) -> Option<Option<bool>> {
    match word {
        "on" => Some(Some(true)),
        "off" => Some(Some(false)),
        _ => None,
    }
}

/// An attribute value the element cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttributeError {
    /// Not a whole number in the allowed range.
    #[error("{name}=\"{value}\" is not a whole number from {min} to {max}; using {default}")]
    OutOfRange {
        /// The attribute.
        name: &'static str,
        /// Its value, as given.
        value: String,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
        /// What is used instead.
        default: String,
    },
    /// Not one of the words the attribute takes.
    #[error("{name}=\"{value}\" is not one of {allowed}; using {default}")]
    UnknownWord {
        /// The attribute.
        name: &'static str,
        /// Its value, as given.
        value: String,
        /// The words it takes.
        allowed: &'static str,
        /// What is used instead.
        default: &'static str,
    },
    /// Neither `src` nor a task (`server`, `kind`, `steps` or `task-id`) was given.
    #[error(
        "nothing to stream: set src=\"…\" (an SSE URL), kind=\"…\" (a job of the server) or \
         steps=\"…\" (a task on the task API)"
    )]
    NoSource,
    /// `params` is not a JSON object.
    #[error("params: {0}")]
    Params(String),
    /// `labels` is not a JSON object of label keys and strings.
    #[error("labels: {0}")]
    Labels(String),
}

/// Everything the attributes say, comparable so that a change is noticed.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementSettings {
    /// What Start streams, when the attributes name something.
    pub source: Option<TaskSource>,
    /// Named events listened to besides `message`.
    pub named_events: Vec<String>,
    /// Log lines kept.
    pub capacity: usize,
    /// Bytes of log text kept.
    pub capacity_bytes: usize,
    /// Most bytes one event may hold.
    pub max_event_bytes: usize,
    /// Silence after which a connection is closed and resumed (`None`: never).
    pub idle_timeout_ms: Option<u32>,
    /// How long one attempt may take to open (`None`: no bound).
    pub open_timeout_ms: Option<u32>,
    /// What the stream does while the tab is hidden.
    pub hidden_tab: HiddenTab,
    /// `EventSource` or `fetch`.
    pub transport: TransportKind,
    /// How messages are read.
    pub reader: ReaderKind,
    /// End on the first connection error, as the coreBOS seed does.
    pub close_on_first_error: bool,
    /// Share one connection with the streams of the origin watching the
    /// same URL, in every tab.
    pub share_across_tabs: bool,
    /// Reconnect after data (`off`: the source does not resume).
    pub reconnect_after_data: bool,
    /// Start when connected to the page, and again when the source changes.
    pub autostart: bool,
    /// A task on the task API to reattach to (the element sets it on each
    /// task it creates).
    pub task_id: Option<String>,
    /// Whether Start creates a task (`kind` or `steps` given); otherwise,
    /// with a `task-id`, Start reattaches to that task.
    pub creates_tasks: bool,
    /// The words the attributes set.
    pub words: WordSettings,
    /// What could not be used, in words for the page.
    pub problems: Vec<AttributeError>,
}

/// What the attributes say of the element's words.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WordSettings {
    /// `labels`: a JSON object of label keys and templates.
    pub labels_json: Option<String>,
    /// `start-label`: Start's words.
    pub start: Option<String>,
    /// `stop-label`: Stop's words.
    pub stop: Option<String>,
    /// `hide-start`: no Start button (the page starts the task its own way).
    pub hide_start: bool,
}

impl ElementSettings {
    /// Reads the attributes through `attribute` (`None`: absent).
    pub fn read(attribute: impl Fn(&str) -> Option<String>) -> Self {
        let mut problems = Vec::new();
        let source = read_source(&attribute, &mut problems);
        let capacity = number(
            &attribute,
            "capacity",
            (1, MAX_CAPACITY as u64),
            UseTaskStreamOptions::default().capacity as u64,
            &mut problems,
        ) as usize;
        let defaults = UseTaskStreamOptions::default();
        let capacity_bytes = number(
            &attribute,
            "capacity-bytes",
            (1024, MAX_BYTES),
            defaults.capacity_bytes as u64,
            &mut problems,
        ) as usize;
        let max_event_bytes = number(
            &attribute,
            "max-event-bytes",
            (1024, MAX_BYTES),
            defaults.max_event_bytes as u64,
            &mut problems,
        ) as usize;
        let idle_timeout_ms = number(
            &attribute,
            "idle-timeout-ms",
            (0, MAX_WAIT_MS),
            u64::from(defaults.idle_timeout_ms.unwrap_or(0)),
            &mut problems,
        ) as u32;
        let open_timeout_ms = number(
            &attribute,
            "open-timeout-ms",
            (0, MAX_WAIT_MS),
            u64::from(defaults.open_timeout_ms.unwrap_or(0)),
            &mut problems,
        ) as u32;
        let hidden_tab = match attribute("pause-hidden-after-ms") {
            None => HiddenTab::Keep,
            Some(_) => HiddenTab::PauseAfter(number(
                &attribute,
                "pause-hidden-after-ms",
                (0, MAX_WAIT_MS),
                30_000,
                &mut problems,
            ) as u32),
        };
        let transport = keyword(
            &attribute,
            "transport",
            TransportKind::from_name,
            (TransportKind::names(), TransportKind::default().name()),
            &mut problems,
        );
        let reader = keyword(
            &attribute,
            "reader",
            ReaderKind::from_name,
            (ReaderKind::names(), ReaderKind::default().name()),
            &mut problems,
        );
        let share_across_tabs = keyword(
            &attribute,
            "share-across-tabs",
            on_off,
            ("on, off", "on"),
            &mut problems,
        )
        .unwrap_or(defaults.share_across_tabs);
        let reconnect_after_data = keyword(
            &attribute,
            "reconnect-after-data",
            on_off,
            ("on, off", "on"),
            &mut problems,
        )
        .unwrap_or(defaults.reconnect_after_data);
        let named_events = attribute("events")
            .unwrap_or_default()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|name| !name.is_empty())
            .map(String::from)
            .collect();
        Self {
            source,
            named_events,
            capacity,
            capacity_bytes,
            max_event_bytes,
            idle_timeout_ms: (idle_timeout_ms > 0).then_some(idle_timeout_ms),
            open_timeout_ms: (open_timeout_ms > 0).then_some(open_timeout_ms),
            hidden_tab,
            transport,
            reader,
            close_on_first_error: flag(&attribute, "close-on-first-error"),
            share_across_tabs,
            reconnect_after_data,
            autostart: flag(&attribute, "autostart"),
            task_id: attribute("task-id")
                .map(|id| id.trim().to_owned())
                .filter(|id| !id.is_empty()),
            creates_tasks: attribute("kind").is_some() || attribute("steps").is_some(),
            words: WordSettings {
                labels_json: attribute("labels").filter(|json| !json.trim().is_empty()),
                start: attribute("start-label"),
                stop: attribute("stop-label"),
                hide_start: flag(&attribute, "hide-start"),
            },
            problems,
        }
    }

    /// The hook's options these settings describe.
    pub fn options(&self) -> UseTaskStreamOptions {
        UseTaskStreamOptions::default()
            .named_events(self.named_events.iter().cloned())
            .capacity(self.capacity)
            .capacity_bytes(self.capacity_bytes)
            .max_event_bytes(self.max_event_bytes)
            .idle_timeout_ms(self.idle_timeout_ms)
            .open_timeout_ms(self.open_timeout_ms)
            .hidden_tab(self.hidden_tab)
            .transport(self.transport.transport())
            .reader(self.reader.reader())
            .close_on_first_error(self.close_on_first_error)
            .share_across_tabs(self.share_across_tabs)
            .reconnect_after_data(self.reconnect_after_data)
    }
}

/// `src` as a URL, or else a task on the task API when `server`, `kind`,
/// `steps` or `task-id` is given: of the server's job `kind` with `params`
/// (a JSON object) when `kind` is given, of the built-in `steps` otherwise.
fn read_source(
    attribute: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<AttributeError>,
) -> Option<TaskSource> {
    if let Some(url) = attribute("src").map(|url| url.trim().to_owned()) {
        if !url.is_empty() {
            return Some(TaskSource::Url { url });
        }
    }
    let names_a_task = ["server", "kind", "steps", "task-id"]
        .iter()
        .any(|name| attribute(name).is_some());
    if !names_a_task {
        problems.push(AttributeError::NoSource);
        return None;
    }
    let server = attribute("server")
        .unwrap_or_default()
        .trim()
        .trim_end_matches('/')
        .to_owned();
    let label = attribute("label").filter(|label| !label.is_empty());
    if let Some(kind) = attribute("kind").map(|kind| kind.trim().to_owned()) {
        let params = attribute("params").unwrap_or_default();
        if let Err(problem) = job_body(&kind, &params, None) {
            problems.push(AttributeError::Params(problem));
        }
        return Some(TaskSource::Job {
            server,
            kind,
            params,
            label,
        });
    }
    let steps = number(attribute, "steps", (1, MAX_STEPS.into()), 10, problems) as u32;
    let interval_ms = number(
        attribute,
        "interval-ms",
        (0, MAX_INTERVAL_MS),
        1000,
        problems,
    );
    let fail_at = attribute("fail-at")
        .map(|_| number(attribute, "fail-at", (1, MAX_STEPS.into()), 1, problems) as u32);
    Some(TaskSource::TaskApi {
        server,
        request: CreateTaskRequest {
            steps,
            interval_ms,
            fail_at,
            label,
        },
    })
}

/// A whole number within `range`, or `default` with a problem.
fn number(
    attribute: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    (min, max): (u64, u64),
    default: u64,
    problems: &mut Vec<AttributeError>,
) -> u64 {
    let Some(value) = attribute(name) else {
        return default;
    };
    match value.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        _ => {
            problems.push(AttributeError::OutOfRange {
                name,
                value,
                min,
                max,
                default: default.to_string(),
            });
            default
        }
    }
}

/// The keyword attribute `name` read by `parse`, or the default (with a
/// problem naming the `(allowed, default)` words when it is not one).
fn keyword<T: Default>(
    attribute: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    parse: impl Fn(&str) -> Option<T>,
    (allowed, default): (&'static str, &'static str),
    problems: &mut Vec<AttributeError>,
) -> T {
    let Some(value) = word(attribute, name) else {
        return T::default();
    };
    parse(&value).unwrap_or_else(|| {
        problems.push(AttributeError::UnknownWord {
            name,
            value,
            allowed,
            default,
        });
        T::default()
    })
}

/// A keyword attribute, trimmed and lowercased.
fn word(attribute: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    attribute(name)
        .map(|value| value.trim().to_ascii_lowercase())
        .filter(|value| !value.is_empty())
}

/// A boolean attribute: present means on, unless it says `false`.
fn flag(attribute: &impl Fn(&str) -> Option<String>, name: &str) -> bool {
    attribute(name).is_some_and(|value| !value.trim().eq_ignore_ascii_case("false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> ElementSettings {
        ElementSettings::read(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn src_is_streamed_as_it_is_with_the_seeds_defaults() {
        let settings = read(&[("src", "source.php")]);
        assert_eq!(
            settings.source,
            Some(TaskSource::Url {
                url: "source.php".into()
            })
        );
        assert_eq!(settings.capacity, UseTaskStreamOptions::default().capacity);
        assert_eq!(settings.transport, TransportKind::EventSource);
        assert!(!settings.autostart && settings.problems.is_empty());
    }

    #[test]
    fn a_task_on_the_task_api_from_its_attributes() {
        let settings = read(&[
            ("server", "http://127.0.0.1:8080/"),
            ("steps", "25"),
            ("interval-ms", "40"),
            ("fail-at", "7"),
            ("label", "import"),
            ("events", "delta, progress  other"),
            ("autostart", ""),
            ("transport", "FETCH"),
        ]);
        assert_eq!(
            settings.source,
            Some(TaskSource::TaskApi {
                server: "http://127.0.0.1:8080".into(),
                request: CreateTaskRequest {
                    steps: 25,
                    interval_ms: 40,
                    fail_at: Some(7),
                    label: Some("import".into()),
                },
            })
        );
        assert_eq!(settings.named_events, ["delta", "progress", "other"]);
        assert!(settings.autostart);
        assert_eq!(settings.task_id, None);
        assert_eq!(settings.transport, TransportKind::Fetch);
        assert!(settings.problems.is_empty(), "{:?}", settings.problems);
    }

    #[test]
    fn bad_values_are_named_and_replaced_by_their_defaults() {
        let settings = read(&[
            ("src", "/s"),
            ("capacity", "lots"),
            ("transport", "websocket"),
            ("autostart", "false"),
        ]);
        assert_eq!(settings.capacity, UseTaskStreamOptions::default().capacity);
        assert_eq!(settings.transport, TransportKind::EventSource);
        assert!(!settings.autostart);
        let words: Vec<String> = settings.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            words,
            [
                "capacity=\"lots\" is not a whole number from 1 to 1000000; using 10000",
                "transport=\"websocket\" is not one of eventsource, fetch, fetch-worker; using eventsource",
            ]
        );
        assert_eq!(read(&[("steps", "0")]).problems.len(), 1);
        assert_eq!(read(&[("steps", "99999999999")]).problems.len(), 1);
    }

    #[test]
    fn the_bounds_and_timeouts_have_the_hooks_defaults_and_can_be_set() {
        let defaults = read(&[("src", "/s")]).options();
        let hook = UseTaskStreamOptions::default();
        assert_eq!(defaults.idle_timeout_ms, hook.idle_timeout_ms);
        assert_eq!(defaults.open_timeout_ms, hook.open_timeout_ms);
        assert_eq!(defaults.max_event_bytes, hook.max_event_bytes);
        assert_eq!(defaults.capacity_bytes, hook.capacity_bytes);
        assert_eq!(defaults.hidden_tab, HiddenTab::Keep);
        assert!(defaults.share_across_tabs);
        assert!(defaults.reconnect_after_data);
        let set = read(&[
            ("src", "/s"),
            ("idle-timeout-ms", "0"),
            ("open-timeout-ms", "2500"),
            ("max-event-bytes", "65536"),
            ("capacity-bytes", "1048576"),
            ("pause-hidden-after-ms", "5000"),
            ("share-across-tabs", "OFF"),
            ("reconnect-after-data", "off"),
        ]);
        assert!(set.problems.is_empty(), "{:?}", set.problems);
        let options = set.options();
        assert_eq!(options.idle_timeout_ms, None);
        assert_eq!(options.open_timeout_ms, Some(2500));
        assert_eq!(options.max_event_bytes, 65_536);
        assert_eq!(options.capacity_bytes, 1_048_576);
        assert_eq!(options.hidden_tab, HiddenTab::PauseAfter(5000));
        assert!(!options.share_across_tabs);
        assert!(!options.reconnect_after_data);
        let wrong = read(&[("src", "/s"), ("share-across-tabs", "maybe")]);
        assert!(wrong.options().share_across_tabs);
        assert_eq!(
            wrong.problems[0].to_string(),
            "share-across-tabs=\"maybe\" is not one of on, off; using on"
        );
    }

    #[test]
    fn a_task_id_alone_is_a_task_on_the_pages_own_server() {
        let settings = read(&[("task-id", " 0b7e5a2c ")]);
        assert_eq!(settings.task_id.as_deref(), Some("0b7e5a2c"));
        assert!(matches!(
            settings.source,
            Some(TaskSource::TaskApi { ref server, .. }) if server.is_empty()
        ));
        assert!(settings.problems.is_empty(), "{:?}", settings.problems);
    }

    #[test]
    fn nothing_to_stream_is_a_problem_not_a_default_task() {
        let settings = read(&[("src", "  ")]);
        assert_eq!(settings.source, None);
        assert_eq!(settings.problems, [AttributeError::NoSource]);
    }
}
