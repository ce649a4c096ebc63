//! What the page and the stream worker say to each other (pure, tested
//! natively). Each post is one string, and a batch's messages travel beside
//! it as bytes (encoded as `wire::message_batch` writes them).
//!
//! To the worker: `O<id>\n<request>` opens a connection (the request as one
//! length-prefixed record, since a body may hold any character), `C<id>`
//! closes it, `K<id>` says the page took its oldest batch (the worker posts
//! at most [`MESSAGES_IN_FLIGHT`] and [`BYTES_IN_FLIGHT`] a connection's
//! page has not taken).
//! To the page: `+` ready, `!<reason>` the worker cannot run, and per
//! connection `o<id>` opened, `m<count>\n<id>` a batch, `r<ms>\n<id>`
//! retry, `e<id>` ended, `f<kind>\n<id>\n<failure>` failed (its `Failure::encode`), `u<id>`
//! unexplained, `a<id>` bytes arrived that held no message.

use std::sync::Arc;

use super::super::contract::OpenRequest;
use crate::stream::diagnosis::{Diagnosis, FailureKind};
use crate::stream::fetch_options::{Credentials, FetchOptions};
use crate::words::Failure;

/// Messages of one connection the worker posts before the page takes them:
/// twice what the page's queue holds, so the page always has the next batch
/// while the worker reads on, whatever the batches' sizes.
#[cfg_attr(not(feature = "stream-worker"), allow(dead_code))] // the worker's side
pub(crate) const MESSAGES_IN_FLIGHT: usize = 2 * crate::stream::pump::MAX_QUEUED;

/// Bytes of data of one connection the worker posts before the page takes
/// them, likewise.
#[cfg_attr(not(feature = "stream-worker"), allow(dead_code))] // the worker's side
pub(crate) const BYTES_IN_FLIGHT: usize = 2 * crate::stream::pump::MAX_QUEUED_BYTES;

/// How a connection is opened, as the worker needs it (the headers are
/// computed on the page, before each attempt, as on the main thread).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkerRequest {
    /// The stream's URL, absolute (the worker's base is not the page's).
    pub url: String,
    /// Resume after this id.
    pub last_event_id: Option<String>,
    /// Named events to deliver besides the usual ones.
    pub named_events: Vec<String>,
    /// Most bytes one event may hold.
    pub max_event_bytes: usize,
    /// HTTP method.
    pub method: String,
    /// Request body.
    pub body: Option<String>,
    /// `Content-Type` of the body.
    pub content_type: Option<String>,
    /// `omit`, `same-origin` or `include`.
    pub credentials: String,
    /// Extra headers, as computed for this attempt.
    pub headers: Vec<(String, String)>,
}

/// `RequestInit.credentials`, by name, both ways.
const CREDENTIALS: [(Credentials, &str); 3] = [
    (Credentials::Omit, "omit"),
    (Credentials::SameOrigin, "same-origin"),
    (Credentials::Include, "include"),
];

impl WorkerRequest {
    /// One attempt of `request` at the absolute `url` with `options`, the
    /// headers computed now.
    pub(crate) fn for_attempt(
        url: String,
        request: &OpenRequest<'_>,
        options: &FetchOptions,
    ) -> Self {
        let credentials = CREDENTIALS
            .iter()
            .find(|(kind, _)| *kind == options.credentials)
            .map_or("same-origin", |(_, name)| name);
        Self {
            url,
            last_event_id: request.last_event_id.map(str::to_owned),
            named_events: request.named_events.to_vec(),
            max_event_bytes: request.max_event_bytes,
            method: options.method().to_owned(),
            body: options.body.clone(),
            content_type: options.content_type.clone(),
            credentials: credentials.to_owned(),
            headers: options
                .headers
                .as_ref()
                .map(|headers| headers())
                .unwrap_or_default(),
        }
    }

    /// The options the worker's fetch transport sends this attempt with.
    #[cfg_attr(not(feature = "stream-worker"), allow(dead_code))] // the worker's side
    pub(crate) fn fetch_options(&self) -> FetchOptions {
        let headers = self.headers.clone();
        FetchOptions {
            method: Some(self.method.clone()),
            body: self.body.clone(),
            content_type: self.content_type.clone(),
            credentials: CREDENTIALS
                .iter()
                .find(|(_, name)| *name == self.credentials)
                .map_or(Credentials::SameOrigin, |(kind, _)| *kind),
            headers: (!headers.is_empty()).then(|| Arc::new(move || headers.clone()) as _),
            on_unauthorized: None,
            off_main_thread: false,
        }
    }

    /// The request as one record: optional fields as `+value` or `-`,
    /// lists one item per line (names and header values hold no line break).
    fn encode(&self) -> String {
        let optional = |value: &Option<String>| match value {
            Some(value) => format!("+{value}"),
            None => "-".to_owned(),
        };
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(name, value)| format!("{name}\n{value}"))
            .collect();
        let mut out = String::new();
        encode_record(
            &mut out,
            &[
                &self.url,
                &optional(&self.last_event_id),
                &self.named_events.join("\n"),
                &self.max_event_bytes.to_string(),
                &self.method,
                &optional(&self.body),
                &optional(&self.content_type),
                &self.credentials,
                &headers.join("\n"),
            ],
        );
        out
    }

    /// Reads what [`WorkerRequest::encode`] wrote.
    #[cfg_attr(not(feature = "stream-worker"), allow(dead_code))] // the worker's side
    fn decode(mut text: &str) -> Option<Self> {
        let [url, last_event_id, named_events, max_event_bytes, method, body, content_type, credentials, headers] =
            decode_record::<9>(&mut text)?;
        let optional = |field: &str| match field.strip_prefix('+') {
            Some(value) => Some(Some(value.to_owned())),
            None => (field == "-").then_some(None),
        };
        let lines = |field: &str| -> Vec<String> {
            field
                .split('\n')
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let header_lines: Vec<&str> = headers.split('\n').collect();
        let headers = if headers.is_empty() {
            Vec::new()
        } else if header_lines.len() % 2 == 0 {
            header_lines
                .chunks(2)
                .map(|pair| (pair[0].to_owned(), pair[1].to_owned()))
                .collect()
        } else {
            return None;
        };
        Some(Self {
            url: url.to_owned(),
            last_event_id: optional(last_event_id)?,
            named_events: lines(named_events),
            max_event_bytes: max_event_bytes.parse().ok()?,
            method: method.to_owned(),
            body: optional(body)?,
            content_type: optional(content_type)?,
            credentials: credentials.to_owned(),
            headers,
        })
    }
}

/// Appends `fields` to `out` as one record: their byte lengths, comma
/// separated, a `;`, then the fields themselves.
fn encode_record(out: &mut String, fields: &[&str]) {
    use std::fmt::Write;
    for (i, field) in fields.iter().enumerate() {
        let _ = write!(out, "{}{}", if i > 0 { "," } else { "" }, field.len());
    }
    out.push(';');
    for field in fields {
        out.push_str(field);
    }
}

/// Takes one record of exactly `N` fields off the front of `text`; `None`
/// when it is not what [`encode_record`] writes.
#[cfg_attr(not(feature = "stream-worker"), allow(dead_code))] // the worker's side
fn decode_record<'a, const N: usize>(text: &mut &'a str) -> Option<[&'a str; N]> {
    let (head, mut rest) = text.split_once(';')?;
    let mut lengths = head.split(',').map(str::parse::<usize>);
    let mut fields = [""; N];
    for field in &mut fields {
        let length = lengths.next()?.ok()?;
        *field = rest.get(..length)?;
        rest = &rest[length..];
    }
    if lengths.next().is_some() {
        return None;
    }
    *text = rest;
    Some(fields)
}

/// What the page says to the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ToWorker {
    /// Open connection `id`.
    Open { id: u32, request: WorkerRequest },
    /// Close connection `id`.
    Close { id: u32 },
    /// The page took one batch of connection `id`.
    Took { id: u32 },
}

impl ToWorker {
    /// The string to post.
    pub(crate) fn to_text(&self) -> String {
        match self {
            Self::Open { id, request } => format!("O{id}\n{}", request.encode()),
            Self::Close { id } => format!("C{id}"),
            Self::Took { id } => format!("K{id}"),
        }
    }

    /// Reads what the page said; `None` for anything else.
    #[cfg_attr(not(feature = "stream-worker"), allow(dead_code))] // the worker's side
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let kind = text.chars().next()?;
        let rest = &text[kind.len_utf8()..];
        match kind {
            'O' => {
                let (id, request) = rest.split_once('\n')?;
                Some(Self::Open {
                    id: id.parse().ok()?,
                    request: WorkerRequest::decode(request)?,
                })
            }
            'C' => Some(Self::Close {
                id: rest.parse().ok()?,
            }),
            'K' => Some(Self::Took {
                id: rest.parse().ok()?,
            }),
            _ => None,
        }
    }
}

/// What one connection in the worker tells the page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Report {
    /// The server answered with a stream.
    Opened,
    /// This many messages came (their bytes travel beside the string).
    Batch(u32),
    /// The server sent `retry: ms`.
    Retry(u32),
    /// The body ended.
    Ended,
    /// The attempt failed.
    Failed(Diagnosis),
    /// The request got no answer.
    Unexplained,
    /// Bytes arrived that held no message (a comment, a heartbeat).
    Alive,
}

/// What the worker says to the page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FromWorker {
    /// The worker runs and takes connections.
    Ready,
    /// The worker cannot run, for this reason.
    Unavailable(String),
    /// Connection `id` reports.
    Connection { id: u32, report: Report },
}

impl FromWorker {
    /// The string to post.
    #[cfg_attr(not(feature = "stream-worker"), allow(dead_code))] // the worker's side
    pub(crate) fn to_text(&self) -> String {
        let Self::Connection { id, report } = self else {
            return match self {
                Self::Unavailable(reason) => format!("!{reason}"),
                _ => "+".into(),
            };
        };
        match report {
            Report::Opened => format!("o{id}"),
            Report::Batch(count) => format!("m{count}\n{id}"),
            Report::Retry(ms) => format!("r{ms}\n{id}"),
            Report::Ended => format!("e{id}"),
            Report::Failed(diagnosis) => {
                let kind = match diagnosis.kind {
                    FailureKind::Permanent => "p".to_owned(),
                    FailureKind::Unauthorized => "a".to_owned(),
                    FailureKind::Transient { retry_after_ms } => match retry_after_ms {
                        Some(ms) => format!("t{ms}"),
                        None => "t".to_owned(),
                    },
                };
                format!("f{kind}\n{id}\n{}", diagnosis.failure.encode())
            }
            Report::Unexplained => format!("u{id}"),
            Report::Alive => format!("a{id}"),
        }
    }

    /// Reads what the worker said; `None` for anything else.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let kind = text.chars().next()?;
        let rest = &text[kind.len_utf8()..];
        let report = |report: Report| {
            Some(Self::Connection {
                id: rest.parse().ok()?,
                report,
            })
        };
        match kind {
            '+' => Some(Self::Ready),
            '!' => Some(Self::Unavailable(rest.to_owned())),
            'o' => report(Report::Opened),
            'e' => report(Report::Ended),
            'u' => report(Report::Unexplained),
            'a' => report(Report::Alive),
            'r' | 'm' => {
                let (number, id) = rest.split_once('\n')?;
                let number = number.parse().ok()?;
                Some(Self::Connection {
                    id: id.parse().ok()?,
                    report: if kind == 'r' {
                        Report::Retry(number)
                    } else {
                        Report::Batch(number)
                    },
                })
            }
            'f' => {
                let (kind, rest) = rest.split_once('\n')?;
                let (id, reason) = rest.split_once('\n')?;
                let kind = match kind {
                    "p" => FailureKind::Permanent,
                    "a" => FailureKind::Unauthorized,
                    "t" => FailureKind::Transient {
                        retry_after_ms: None,
                    },
                    _ => FailureKind::Transient {
                        retry_after_ms: Some(kind.strip_prefix('t')?.parse().ok()?),
                    },
                };
                Some(Self::Connection {
                    id: id.parse().ok()?,
                    report: Report::Failed(Diagnosis {
                        failure: Failure::decode(reason)?,
                        kind,
                    }),
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::FailureCode;

    #[test]
    fn what_the_page_says_reads_back_and_other_strings_are_refused() {
        let said = [
            ToWorker::Open {
                id: 7,
                request: WorkerRequest {
                    url: "http://127.0.0.1:1/tasks/1/events?x=1\n".into(),
                    last_event_id: Some("41".into()),
                    named_events: vec!["progress".into()],
                    max_event_bytes: 1024,
                    method: "POST".into(),
                    body: Some("{\"count\": 3}".into()),
                    content_type: Some("application/json".into()),
                    credentials: "include".into(),
                    headers: vec![
                        ("Authorization".into(), "Bearer é".into()),
                        ("X-Empty".into(), String::new()),
                    ],
                },
            },
            ToWorker::Open {
                id: 8,
                request: WorkerRequest {
                    url: "/s".into(),
                    last_event_id: Some(String::new()),
                    named_events: vec![],
                    max_event_bytes: 0,
                    method: "GET".into(),
                    body: None,
                    content_type: None,
                    credentials: "same-origin".into(),
                    headers: vec![],
                },
            },
            ToWorker::Close { id: 7 },
            ToWorker::Took { id: 0 },
        ];
        for one in &said {
            assert_eq!(ToWorker::parse(&one.to_text()).as_ref(), Some(one));
        }
        for junk in [
            "",
            "X1",
            "C",
            "Cx",
            "O1",
            "O1\n{",
            "O1\n3,1;abc",
            "O1\n1,1,1;é",
        ] {
            assert_eq!(ToWorker::parse(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn the_worker_sends_what_the_page_would_have_sent() {
        let queue = crate::stream::pump::MessageQueue::default();
        let named = vec!["delta".to_owned()];
        let request = OpenRequest {
            url: "/s",
            last_event_id: Some("9"),
            named_events: &named,
            queue: &queue,
            max_event_bytes: 4096,
        };
        for credentials in [
            Credentials::Omit,
            Credentials::SameOrigin,
            Credentials::Include,
        ] {
            let options = FetchOptions::default()
                .json_body("{}")
                .credentials(credentials)
                .headers(|| vec![("X-Token".into(), "t".into())]);
            let worker = WorkerRequest::for_attempt("http://h/s".into(), &request, &options);
            assert_eq!(worker.last_event_id.as_deref(), Some("9"));
            assert_eq!(
                (worker.named_events.as_slice(), worker.max_event_bytes),
                (&named[..], 4096)
            );
            let sent = worker.fetch_options();
            assert_eq!(sent.method(), "POST");
            assert_eq!(sent.body.as_deref(), Some("{}"));
            assert_eq!(sent.content_type.as_deref(), Some("application/json"));
            assert_eq!(sent.credentials, credentials);
            let headers = sent.headers.as_ref().map(|headers| headers());
            assert_eq!(headers, Some(vec![("X-Token".into(), "t".into())]));
        }
    }

    #[test]
    fn what_the_worker_says_reads_back_with_every_kind_of_failure() {
        let failed = |kind| {
            Report::Failed(Diagnosis {
                failure: Failure::new(FailureCode::HttpStatus, ["503".into()])
                    .with_server_message(Some("busy\nreally".into())),
                kind,
            })
        };
        let reports = [
            Report::Opened,
            Report::Batch(8192),
            Report::Retry(1500),
            Report::Ended,
            Report::Unexplained,
            Report::Alive,
            failed(FailureKind::Permanent),
            failed(FailureKind::Unauthorized),
            failed(FailureKind::Transient {
                retry_after_ms: None,
            }),
            failed(FailureKind::Transient {
                retry_after_ms: Some(2000),
            }),
        ];
        for report in reports {
            let said = FromWorker::Connection { id: 12, report };
            assert_eq!(FromWorker::parse(&said.to_text()), Some(said));
        }
        for said in [FromWorker::Ready, FromWorker::Unavailable("no wasm".into())] {
            assert_eq!(FromWorker::parse(&said.to_text()), Some(said));
        }
        for junk in ["", "o", "ox", "r5", "m3", "fq\n1\nwhy", "f\n1"] {
            assert_eq!(FromWorker::parse(junk), None, "{junk:?}");
        }
    }
}
