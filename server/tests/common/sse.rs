//! What the server's tests and the companion server's share: a server
//! under test ([`Served`]), SSE bodies split into frames, and the task API's
//! requests.

#![allow(dead_code)]

use std::time::Duration;

use futures_util::StreamExt;

/// A server under test, at `http://127.0.0.1:PORT`.
pub trait Served {
    /// `http://127.0.0.1:PORT`.
    fn base(&self) -> &str;
}

/// One parsed SSE frame (comments dropped).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Option<String>,
    pub retry: Option<String>,
}

/// Splits raw SSE text into frames, joining `data:` lines with `\n`.
pub fn parse_frames(text: &str) -> Vec<Frame> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut frame = Frame::default();
            let mut seen = false;
            for line in block.lines() {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
                match name {
                    "id" => frame.id = Some(value),
                    "event" => frame.event = Some(value),
                    "retry" => frame.retry = Some(value),
                    "data" => {
                        frame.data = Some(match frame.data.take() {
                            Some(data) => format!("{data}\n{value}"),
                            None => value,
                        })
                    }
                    _ => continue,
                }
                seen = true;
            }
            seen.then_some(frame)
        })
        .collect()
}

/// Reads `response`'s body to its end (bounded by `limit`) as text.
pub async fn read_body(response: reqwest::Response, limit: Duration) -> String {
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    let read = async {
        while let Some(chunk) = chunks.next().await {
            body.extend_from_slice(&chunk.unwrap());
        }
    };
    tokio::time::timeout(limit, read)
        .await
        .expect("stream did not end in time");
    String::from_utf8(body).unwrap()
}

/// Reads frames from `response` until `count` frames with an id arrived.
pub async fn read_frames_with_id(response: reqwest::Response, count: usize) -> Vec<Frame> {
    let mut text = String::new();
    let mut chunks = response.bytes_stream();
    let read = async {
        loop {
            let frames = parse_frames(&text);
            let complete = text.ends_with("\n\n");
            if complete && frames.iter().filter(|f| f.id.is_some()).count() >= count {
                return frames;
            }
            match chunks.next().await {
                Some(chunk) => text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap()),
                None => return parse_frames(&text),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("frames did not arrive in time")
}

/// Ids of the frames that have one.
pub fn ids(frames: &[Frame]) -> Vec<String> {
    frames.iter().filter_map(|f| f.id.clone()).collect()
}

/// `POST /api/tasks` with `body`, returning the parsed answer.
pub async fn create_task(server: &impl Served, body: serde_json::Value) -> serde_json::Value {
    post_task(server.base(), body).await
}

/// `POST /api/tasks` with `body` to the server at `base`; returns the created task.
pub async fn post_task(base: &str, body: serde_json::Value) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/tasks"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "create failed");
    response.json().await.unwrap()
}

/// `GET` `path` and parse JSON.
pub async fn get_json(server: &impl Served, path: &str) -> (u16, serde_json::Value) {
    get_json_at(server.base(), path).await
}

/// `GET` `path` on the server at `base` and parse JSON.
pub async fn get_json_at(base: &str, path: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Sends `request` and checks the status and that the body is a JSON error.
pub async fn expect_error(request: reqwest::RequestBuilder, status: u16, mentions: &str) {
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    let error = body["error"].as_str().expect("no error field");
    assert!(
        error.to_lowercase().contains(&mentions.to_lowercase()),
        "{error:?} does not mention {mentions:?}"
    );
}

/// The ids of a whole task of `steps` steps: `1` to `steps`, then `CLOSE`.
pub fn expected_ids(steps: u32) -> Vec<String> {
    (1..=steps)
        .map(|seq| seq.to_string())
        .chain(["CLOSE".to_owned()])
        .collect()
}
