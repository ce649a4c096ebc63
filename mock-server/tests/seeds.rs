//! Each seed endpoint answers the exact bytes its original script sends.

mod common;

use std::time::Duration;

use common::{parse_frames, read_body, TestServer};

#[tokio::test]
async fn corebos_source_sends_the_seed_bytes_with_the_contract_headers() {
    let server = TestServer::default().await;
    let response = reqwest::get(server.url("/seeds/corebos/source?interval_ms=0"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-accel-buffering"], "no");
    let body = read_body(response, Duration::from_secs(10)).await;
    let mut expected = String::new();
    for i in 1..=10 {
        expected.push_str(&format!(
            "id: {i}\ndata: {{\"message\":\"on iteration {i} of 10\",\"progress\":{}}}\n\n",
            i * 10
        ));
    }
    expected.push_str("id: CLOSE\ndata: {\"message\":\"Process complete\"}\n\n");
    assert_eq!(body, expected);
}

#[tokio::test]
async fn corebos_source_resumes_after_last_event_id() {
    let server = TestServer::default().await;
    let response = reqwest::Client::new()
        .get(server.url("/seeds/corebos/source?interval_ms=0"))
        .header("Last-Event-ID", "8")
        .send()
        .await
        .unwrap();
    let frames = parse_frames(&read_body(response, Duration::from_secs(10)).await);
    assert_eq!(common::ids(&frames), ["9", "10", "CLOSE"]);
}

#[tokio::test]
async fn tizen_sends_retry_then_one_push_time_and_ends() {
    let server = TestServer::default().await;
    let response = reqwest::get(server.url("/seeds/tizen")).await.unwrap();
    let body = read_body(response, Duration::from_secs(5)).await;
    let rest = body
        .strip_prefix("retry: 2000\n\ndata: push time => ")
        .unwrap_or_else(|| panic!("unexpected body {body:?}"));
    let date = rest.strip_suffix("\n\n").unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc2822(date).is_ok(),
        "not an RFC 2822 date: {date:?}"
    );
}

#[tokio::test]
async fn openacs_flushes_messages_queued_before_the_stream_opened() {
    let server = TestServer::default().await;
    let started: serde_json::Value = reqwest::Client::new()
        .post(server.url("/seeds/openacs/jobs?interval_ms=0"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The job runs to its end before anyone listens.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let events_url = started["events_url"].as_str().unwrap();
    let response = reqwest::get(server.url(events_url)).await.unwrap();
    let body = read_body(response, Duration::from_secs(5)).await;
    let expected = "data: <li>finish 1: ...(Demo User)</li>\n\n\
                    data: <li>finish 2: ...(Demo User)</li>\n\n\
                    data: <li>finish 3: ...(Demo User)</li>\n\n\
                    data: <li>finish 4: ...(Demo User)</li>\n\n\
                    data: job summary\ndata: 4 of 4 steps finished\n\n\
                    data: __CLOSE_SSE__\n\n";
    assert_eq!(body, expected);
    // Everything was delivered: a reconnect is told to stop.
    let again = reqwest::get(server.url(events_url)).await.unwrap();
    assert_eq!(again.status(), 204);
    // A session id that is not an integer is refused.
    let bad = reqwest::get(server.url("/seeds/openacs?session_id=abc"))
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn delta_streams_multiline_json_resumes_and_shows_new_messages() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    for message in ["hello world", "say \"hi\"\nid: 99"] {
        let response = client
            .post(server.url("/seeds/delta/messages"))
            .json(&serde_json::json!({ "message": message }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    let response = client
        .get(server.url("/seeds/delta?lastEventId=1"))
        .send()
        .await
        .unwrap();
    let mut stream = response.bytes_stream();
    use futures_util::StreamExt;
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        std::str::from_utf8(&first).unwrap(),
        "id: 2\nevent: delta\ndata: {\ndata: \"msg\": \"say \\\"hi\\\"\\nid: 99\", \ndata: \"id\": 2\ndata: }\n\n"
    );
    // A message posted while the stream is open arrives within a second.
    client
        .post(server.url("/seeds/delta/messages"))
        .json(&serde_json::json!({ "message": "live" }))
        .send()
        .await
        .unwrap();
    let live = tokio::time::timeout(Duration::from_secs(1), stream.next())
        .await
        .expect("the new message did not arrive within a second")
        .unwrap()
        .unwrap();
    let frames = parse_frames(std::str::from_utf8(&live).unwrap());
    assert_eq!(frames[0].id.as_deref(), Some("3"));
    let data: serde_json::Value = serde_json::from_str(frames[0].data.as_deref().unwrap()).unwrap();
    assert_eq!(data["msg"], "live");
}
