//! What a task monitor streams: a task created through the server's task
//! API (the built-in `steps`, or any kind the server runs, with its
//! parameters), or any SSE URL; what a task id may look like; and the body
//! that creates a task.

use sse_task_protocol::CreateTaskRequest;

/// Longest task id kept (a UUID is 36 characters).
const MAX_ID_CHARS: usize = 64;

/// True for a task id worth streaming or keeping in a URL: 1 to 64 ASCII
/// letters, digits or `-`.
pub fn is_task_id(id: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The source of a `TaskMonitor` (or of `TaskStream::start_source`).
#[derive(Debug, Clone, PartialEq)]
pub enum TaskSource {
    /// `POST {server}/api/tasks` with `request`, then stream the new task;
    /// Stop cancels it on the server.
    TaskApi {
        /// Origin of the server (`http://127.0.0.1:8080`), or empty for the page's own.
        server: String,
        /// The task to create.
        request: CreateTaskRequest,
    },
    /// `POST {server}/api/tasks` creating a task of the server's job `kind`
    /// with `params`, then stream it; Stop cancels it on the server.
    Job {
        /// Origin of the server, or empty for the page's own.
        server: String,
        /// The kind of job (`GET {server}/api/kinds` lists them).
        kind: String,
        /// The job's parameters: a JSON object's text (`{}` for none); the
        /// server's job checks them and answers 422 with its reason.
        params: String,
        /// The task's label, when it has one.
        label: Option<String>,
    },
    /// Stream this SSE URL as it is.
    Url {
        /// The URL.
        url: String,
    },
}

impl TaskSource {
    /// The body of `POST {server}/api/tasks` that creates this task (`None`
    /// for a URL), or why it cannot be made.
    pub fn create_body(&self) -> Option<Result<String, String>> {
        match self {
            Self::TaskApi { request, .. } => {
                // The request holds strings and numbers only: encoding it
                // cannot fail, so no error's words are carried for it.
                Some(serde_json::to_string(request).map_err(|_| "cannot encode the request".into()))
            }
            Self::Job {
                kind,
                params,
                label,
                ..
            } => Some(job_body(kind, params, label.as_deref())),
            Self::Url { .. } => None,
        }
    }
}

/// `{"kind": kind, "label": label, ...params}`: `params` must be a JSON
/// object's text; its fields are copied as they are (the server parses them).
pub fn job_body(kind: &str, params: &str, label: Option<&str>) -> Result<String, String> {
    let params = params.trim();
    let fields = match params {
        "" => "",
        _ => params
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .ok_or_else(|| format!("the parameters must be a JSON object, not {params}"))?
            .trim(),
    };
    let quote = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let mut body = format!("{{\"kind\":{}", quote(kind));
    if let Some(label) = label {
        body.push_str(&format!(",\"label\":{}", quote(label)));
    }
    if !fields.is_empty() {
        body.push(',');
        body.push_str(fields);
    }
    body.push('}');
    Ok(body)
}

impl Default for TaskSource {
    fn default() -> Self {
        Self::TaskApi {
            server: String::new(),
            request: CreateTaskRequest {
                steps: 10,
                interval_ms: 1000,
                fail_at: None,
                label: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_body_names_the_kind_and_label_and_carries_the_parameters_as_given() {
        assert_eq!(
            job_body(
                "countdown",
                r#" { "from": 5, "interval_ms": 100 } "#,
                Some("a \"quote\"")
            ),
            Ok(
                r#"{"kind":"countdown","label":"a \"quote\"","from": 5, "interval_ms": 100}"#
                    .into()
            )
        );
        assert_eq!(
            job_body("export", "{}", None),
            Ok(r#"{"kind":"export"}"#.into())
        );
        assert_eq!(
            job_body("export", "", None),
            Ok(r#"{"kind":"export"}"#.into())
        );
        assert!(job_body("export", "[1, 2]", None)
            .unwrap_err()
            .contains("JSON object"));
    }
}
