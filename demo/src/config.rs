//! The demo's choices, read from the page URL (`?server=`, `?source=`, ...)
//! and turned into a [`TaskSource`]. Pure, so it is tested natively.

use sse_task_protocol::CreateTaskRequest;

use sse_task_progress::{options::TransportKind, TaskSource};

/// The sources the demo offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceKind {
    /// A task created through the mock server's task API.
    #[default]
    TaskApi,
    /// The coreBOS (CRM) import progress seed.
    Corebos,
    /// The OpenACS background job seed.
    Openacs,
    /// The Tizen TV push seed.
    Tizen,
    /// The PHP + SQLite delta feed seed.
    Delta,
    /// A stream that needs a bearer token which expires every few seconds
    /// (fetch transport only).
    Secure,
    /// A stream answered to a `POST` with a JSON body (fetch transport only).
    PostBody,
    /// A task of a job kind the server runs (`GET {server}/api/kinds`),
    /// with parameters typed as JSON.
    Job,
    /// Any SSE URL typed in.
    Custom,
}

impl SourceKind {
    /// Every kind, in menu order.
    pub const ALL: [SourceKind; 9] = [
        Self::TaskApi,
        Self::Job,
        Self::Corebos,
        Self::Openacs,
        Self::Tizen,
        Self::Delta,
        Self::Secure,
        Self::PostBody,
        Self::Custom,
    ];

    /// The value used in `?source=` and in the menu.
    pub fn slug(self) -> &'static str {
        match self {
            Self::TaskApi => "task-api",
            Self::Job => "job",
            Self::Corebos => "corebos",
            Self::Openacs => "openacs",
            Self::Tizen => "tizen",
            Self::Delta => "delta",
            Self::Secure => "secure",
            Self::PostBody => "post",
            Self::Custom => "custom",
        }
    }

    /// Words for the menu.
    pub fn label(self) -> &'static str {
        match self {
            Self::TaskApi => "Task API (steps, interval, failure)",
            Self::Job => "A job of the server's own kind (its parameters as JSON)",
            Self::Corebos => "CRM import progress (coreBOS seed)",
            Self::Openacs => "Background job (OpenACS seed)",
            Self::Tizen => "TV push, reconnecting every 2 s (Tizen seed)",
            Self::Delta => "Notification feed (PHP + SQLite seed)",
            Self::Secure => "Bearer token that expires every 3 s (fetch)",
            Self::PostBody => "POST with a JSON body (fetch)",
            Self::Custom => "Any SSE URL",
        }
    }

    /// True for sources that only the fetch transport can read.
    pub fn needs_fetch(self) -> bool {
        matches!(self, Self::Secure | Self::PostBody)
    }

    /// True for sources with a number of steps (or ticks).
    pub fn counted(self) -> bool {
        matches!(self, Self::TaskApi | Self::Secure | Self::PostBody)
    }

    /// The kind with this slug.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.slug() == slug)
    }
}

/// How the monitor must connect for the form's source: what the view turns
/// into [`sse_task_progress::UseTaskStreamOptions`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportPlan {
    /// `EventSource`.
    EventSource,
    /// `fetch`, a plain `GET`, on the main thread or in the stream worker.
    Fetch {
        /// Read in the stream worker.
        off_main_thread: bool,
    },
    /// `fetch` with `Authorization: Bearer`, a new token from `token_url`
    /// after each 401.
    Bearer {
        /// Where to `POST` for a token.
        token_url: String,
    },
    /// `fetch` with a `POST` of this JSON body.
    Post {
        /// The body.
        body: String,
    },
}

/// How long the demo's bearer tokens live, in ms.
pub const DEMO_TOKEN_TTL_MS: u64 = 3000;

/// The form's fields, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoForm {
    /// Which source.
    pub kind: SourceKind,
    /// Which transport (sources that need `fetch` use it whatever this says).
    pub transport: TransportKind,
    /// Origin of the mock server; empty for the page's own.
    pub server: String,
    /// Task API: number of steps.
    pub steps: String,
    /// Task API and seeds: pause between events, in ms.
    pub interval_ms: String,
    /// Task API: step that fails (empty for none).
    pub fail_at: String,
    /// Custom: the URL.
    pub custom_url: String,
    /// Job: the kind (one of `GET {server}/api/kinds`).
    pub job_kind: String,
    /// Job: the parameters, a JSON object's text.
    pub params: String,
}

impl Default for DemoForm {
    fn default() -> Self {
        Self {
            kind: SourceKind::TaskApi,
            transport: TransportKind::EventSource,
            server: String::new(),
            steps: "10".into(),
            interval_ms: "500".into(),
            fail_at: String::new(),
            custom_url: String::new(),
            job_kind: "countdown".into(),
            params: r#"{"from": 20, "interval_ms": 250}"#.into(),
        }
    }
}

impl DemoForm {
    /// Reads `?server=`, `?source=` (a kind's slug, or any URL),
    /// `?transport=` (`eventsource` or `fetch`), `?steps=`, `?interval_ms=`,
    /// `?fail_at=`, and a job's `?kind=` and `?params=` from a page's query
    /// string.
    pub fn from_query(query: &str) -> Self {
        let mut form = Self::default();
        let query = query.strip_prefix('?').unwrap_or(query);
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim().to_owned();
            match key.as_ref() {
                "server" => form.server = value.trim_end_matches('/').to_owned(),
                "source" => match SourceKind::from_slug(&value) {
                    Some(kind) => form.kind = kind,
                    None if !value.is_empty() => {
                        form.kind = SourceKind::Custom;
                        form.custom_url = value;
                    }
                    None => {}
                },
                "transport" => {
                    if let Some(choice) = TransportKind::from_name(&value) {
                        form.transport = choice;
                    }
                }
                "steps" => form.steps = value,
                "interval_ms" => form.interval_ms = value,
                "fail_at" => form.fail_at = value,
                "kind" => form.job_kind = value,
                "params" => form.params = value,
                _ => {}
            }
        }
        form
    }

    /// `query` (the page's, with or without its `?`) with the form's fields
    /// written in, as [`DemoForm::from_query`] reads them: a reload, or the
    /// link, shows the form of the task that runs. Other parameters (the
    /// remembered `task`, `view`) are kept. Returns `"?..."`.
    pub fn query(&self, query: &str) -> String {
        const OURS: [&str; 9] = [
            "server",
            "source",
            "transport",
            "steps",
            "interval_ms",
            "fail_at",
            "task",
            "kind",
            "params",
        ];
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            if !OURS.contains(&key.as_ref()) {
                out.append_pair(&key, &value);
            }
        }
        if !self.server.is_empty() {
            out.append_pair("server", &self.server);
        }
        match self.kind {
            SourceKind::Custom => out.append_pair("source", &self.custom_url),
            kind => out.append_pair("source", kind.slug()),
        };
        out.append_pair("transport", self.effective_transport().name());
        if self.kind == SourceKind::Job {
            out.append_pair("kind", self.job_kind.trim());
            out.append_pair("params", self.params.trim());
        }
        for (key, value) in [
            ("steps", &self.steps),
            ("interval_ms", &self.interval_ms),
            ("fail_at", &self.fail_at),
        ] {
            if !value.trim().is_empty() {
                out.append_pair(key, value.trim());
            }
        }
        format!("?{}", out.finish())
    }

    /// The task API's request of the form's steps, interval and failing
    /// step (numbers that do not parse as in [`DemoForm::source`]).
    pub fn task_request(&self) -> CreateTaskRequest {
        CreateTaskRequest {
            steps: parse_number(&self.steps, 0).min(u64::from(u32::MAX)) as u32,
            interval_ms: parse_number(&self.interval_ms, 0),
            fail_at: (!self.fail_at.trim().is_empty())
                .then(|| parse_number(&self.fail_at, 0).min(u64::from(u32::MAX)) as u32),
            label: None,
        }
    }

    /// The source to start; `session_id` makes each OpenACS run a new job.
    ///
    /// Numbers that do not parse are sent as 0 (or the largest value), so the
    /// server explains what is wrong and the panel shows it.
    pub fn source(&self, session_id: u64) -> TaskSource {
        let server = self.server.clone();
        let interval = parse_number(&self.interval_ms, 0);
        let url = |path: String| TaskSource::Url {
            url: format!("{server}{path}"),
        };
        match self.kind {
            SourceKind::TaskApi => TaskSource::TaskApi {
                server: server.clone(),
                request: self.task_request(),
            },
            SourceKind::Job => TaskSource::Job {
                server: server.clone(),
                kind: self.job_kind.trim().to_owned(),
                params: self.params.trim().to_owned(),
                label: None,
            },
            SourceKind::Corebos => url(format!("/seeds/corebos/source?interval_ms={interval}")),
            SourceKind::Openacs => url(format!(
                "/seeds/openacs?session_id={session_id}&interval_ms={interval}"
            )),
            SourceKind::Tizen => url("/seeds/tizen".into()),
            SourceKind::Delta => url("/seeds/delta".into()),
            SourceKind::Secure => url(format!(
                "/demo/secure?count={}&interval_ms={interval}",
                parse_number(&self.steps, 0)
            )),
            SourceKind::PostBody => url("/demo/ticks".into()),
            SourceKind::Custom => TaskSource::Url {
                url: self.custom_url.trim().to_owned(),
            },
        }
    }

    /// The transport the source needs: the user's choice, or `fetch` with
    /// its token or body for the sources that need it.
    pub fn transport_plan(&self) -> TransportPlan {
        match self.kind {
            SourceKind::Secure => TransportPlan::Bearer {
                token_url: format!("{}/demo/token?ttl_ms={DEMO_TOKEN_TTL_MS}", self.server),
            },
            SourceKind::PostBody => TransportPlan::Post {
                body: format!(
                    r#"{{"count":{},"interval_ms":{},"label":"import"}}"#,
                    parse_number(&self.steps, 0),
                    parse_number(&self.interval_ms, 0)
                ),
            },
            _ if self.transport == TransportKind::Fetch => TransportPlan::Fetch {
                off_main_thread: false,
            },
            _ if self.transport == TransportKind::FetchWorker => TransportPlan::Fetch {
                off_main_thread: true,
            },
            _ => TransportPlan::EventSource,
        }
    }

    /// The transport shown in the menu.
    pub fn effective_transport(&self) -> TransportKind {
        if self.kind.needs_fetch() {
            TransportKind::Fetch
        } else {
            self.transport
        }
    }
}

fn parse_number(text: &str, fallback: u64) -> u64 {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(n) => n,
        Err(_) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => u64::MAX,
        Err(_) => fallback,
    }
}

/// True when the page URL asks for the Tasks view (`?view=tasks`).
pub fn wants_tasks_view(query: &str) -> bool {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .any(|(key, value)| key == "view" && value == "tasks")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_url_selects_server_and_source() {
        let form =
            DemoForm::from_query("?server=http://127.0.0.1:9000/&source=corebos&interval_ms=0");
        assert_eq!(form.kind, SourceKind::Corebos);
        assert_eq!(
            form.source(1),
            TaskSource::Url {
                url: "http://127.0.0.1:9000/seeds/corebos/source?interval_ms=0".into()
            }
        );
        let custom = DemoForm::from_query("source=https%3A%2F%2Fexample.org%2Fsse");
        assert_eq!(custom.kind, SourceKind::Custom);
        assert_eq!(
            custom.source(1),
            TaskSource::Url {
                url: "https://example.org/sse".into()
            }
        );
    }

    #[test]
    fn the_task_api_form_builds_the_request_and_passes_absurd_numbers_on() {
        let mut form = DemoForm::from_query("steps=5&interval_ms=20&fail_at=3");
        let TaskSource::TaskApi { server, request } = form.source(1) else {
            panic!()
        };
        assert_eq!(server, "");
        assert_eq!(
            request,
            CreateTaskRequest {
                steps: 5,
                interval_ms: 20,
                fail_at: Some(3),
                label: None
            }
        );
        form.steps = "99999999999".into();
        form.interval_ms = "soon".into();
        let TaskSource::TaskApi { request, .. } = form.source(1) else {
            panic!()
        };
        assert_eq!(request.steps, u32::MAX);
        assert_eq!(request.interval_ms, 0);
    }

    #[test]
    fn the_transport_comes_from_the_url_and_fetch_only_sources_force_it() {
        let form = DemoForm::from_query("transport=fetch&source=corebos");
        assert_eq!(
            form.transport_plan(),
            TransportPlan::Fetch {
                off_main_thread: false
            }
        );
        assert_eq!(
            DemoForm::default().transport_plan(),
            TransportPlan::EventSource
        );
        let secure = DemoForm::from_query("source=secure&steps=30&interval_ms=100&server=http://h");
        assert_eq!(secure.effective_transport(), TransportKind::Fetch);
        assert_eq!(
            secure.transport_plan(),
            TransportPlan::Bearer {
                token_url: "http://h/demo/token?ttl_ms=3000".into()
            }
        );
        assert_eq!(
            secure.source(1),
            TaskSource::Url {
                url: "http://h/demo/secure?count=30&interval_ms=100".into()
            }
        );
        let post = DemoForm::from_query("source=post&steps=5&interval_ms=0");
        assert_eq!(
            post.transport_plan(),
            TransportPlan::Post {
                body: r#"{"count":5,"interval_ms":0,"label":"import"}"#.into()
            }
        );
    }

    #[test]
    fn the_form_written_into_the_url_reads_back_the_same() {
        let mut form = DemoForm::from_query("?view=x&task=old&steps=3");
        form.steps = "20".into();
        form.interval_ms = "250".into();
        form.fail_at = "7".into();
        form.transport = TransportKind::Fetch;
        let query = form.query("?view=x&task=old&steps=3");
        assert!(query.starts_with("?view=x&"), "{query}");
        assert!(!query.contains("task="), "{query}");
        assert_eq!(DemoForm::from_query(&query), form);
        let custom = DemoForm::from_query("source=https%3A%2F%2Fexample.org%2Fsse%3Fa%3D1%26b%3D2");
        assert_eq!(DemoForm::from_query(&custom.query("")), custom);
    }

    #[test]
    fn a_job_of_the_servers_kind_comes_from_the_url_and_reads_back_the_same() {
        let form = DemoForm::from_query(
            "server=http%3A%2F%2F127.0.0.1%3A9&source=job&kind=countdown&params=%7B%22from%22%3A+5%7D",
        );
        assert_eq!(
            form.source(1),
            TaskSource::Job {
                server: "http://127.0.0.1:9".into(),
                kind: "countdown".into(),
                params: r#"{"from": 5}"#.into(),
                label: None,
            }
        );
        assert_eq!(DemoForm::from_query(&form.query("")), form);
    }

    #[test]
    fn each_openacs_start_gets_its_own_session() {
        let form = DemoForm::from_query("source=openacs");
        assert_ne!(form.source(1), form.source(2));
    }

    #[test]
    fn the_tasks_view_is_asked_for_by_its_parameter_only() {
        assert!(wants_tasks_view("?server=x&view=tasks"));
        assert!(!wants_tasks_view("?view=task"));
        assert!(!wants_tasks_view("?review=tasks"));
    }
}
