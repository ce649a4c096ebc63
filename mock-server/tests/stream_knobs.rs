//! The fault knobs of the companion server's task streams over the
//! library's resume: connections dropped every N events, or only the first
//! one, lose and double nothing when the client resumes by header or query.

mod common;

use std::time::Duration;

use common::{create_task, expected_ids, ids, parse_frames, read_body, TestServer};
use serde_json::json;

#[tokio::test]
async fn resume_by_header_and_by_query_loses_and_doubles_nothing() {
    let server = TestServer::default().await;
    let task = create_task(&server, json!({"steps": 30, "interval_ms": 5})).await;
    let events = task["events_url"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let mut seen = Vec::new();
    // First connection drops after 7 events, the second (header) after 9 more,
    // the third resumes with ?lastEventId= and runs to the end.
    let first = client
        .get(server.url(&format!("{events}?drop_every=7")))
        .send()
        .await
        .unwrap();
    seen.extend(ids(&parse_frames(
        &read_body(first, Duration::from_secs(10)).await,
    )));
    assert_eq!(seen.len(), 7);
    let second = client
        .get(server.url(&format!("{events}?drop_every=9")))
        .header("Last-Event-ID", seen.last().unwrap().as_str())
        .send()
        .await
        .unwrap();
    seen.extend(ids(&parse_frames(
        &read_body(second, Duration::from_secs(10)).await,
    )));
    let third = client
        .get(server.url(&format!("{events}?lastEventId={}", seen.last().unwrap())))
        .send()
        .await
        .unwrap();
    seen.extend(ids(&parse_frames(
        &read_body(third, Duration::from_secs(10)).await,
    )));
    assert_eq!(seen, expected_ids(30));
    // drop_after only drops a first connection: a resumed one runs to the end.
    let resumed = client
        .get(server.url(&format!("{events}?drop_after=2")))
        .header("Last-Event-ID", "20")
        .send()
        .await
        .unwrap();
    let rest = ids(&parse_frames(
        &read_body(resumed, Duration::from_secs(10)).await,
    ));
    assert_eq!(rest, expected_ids(30)[20..]);
}
