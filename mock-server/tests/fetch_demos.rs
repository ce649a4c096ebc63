//! The endpoints that show what the fetch transport can do, and the knobs
//! of planned ends, over real sockets: bearer tokens that expire, a stream
//! answered to `POST`, connections the server ends on purpose, a server
//! that is down for a while.

mod common;

use std::time::{Duration, Instant};

use common::{create_task, ids, parse_frames, read_body, TestServer};
use serde_json::json;

#[tokio::test]
async fn the_secure_stream_needs_a_live_token_and_ends_when_it_expires() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let refused = client
        .get(server.url("/demo/secure?count=3"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("Authorization: Bearer"));

    let issued: serde_json::Value = client
        .post(server.url("/demo/token?ttl_ms=600"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", issued["token"].as_str().unwrap());
    // 100 ticks 50 ms apart would take 5 s; the token lasts 600 ms.
    let started = Instant::now();
    let response = client
        .get(server.url("/demo/secure?count=100&interval_ms=50"))
        .header("Authorization", &bearer)
        .header("Last-Event-ID", "20")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let frames = parse_frames(&read_body(response, Duration::from_secs(5)).await);
    let seen = ids(&frames);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        seen.first().map(String::as_str),
        Some("21"),
        "resumed after 20"
    );
    assert!(
        (5..=15).contains(&seen.len()),
        "{} ticks before expiry",
        seen.len()
    );

    let expired = client
        .get(server.url("/demo/secure?count=3"))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 401);
    let body: serde_json::Value = expired.json().await.unwrap();
    assert_eq!(body["error"], "the token expired");
}

#[tokio::test]
async fn post_ticks_streams_what_the_json_body_asks_and_resumes() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let response = client
        .post(server.url("/demo/ticks"))
        .header("Last-Event-ID", "3")
        .json(&json!({"count": 5, "label": "import"}))
        .send()
        .await
        .unwrap();
    let frames = parse_frames(&read_body(response, Duration::from_secs(5)).await);
    assert_eq!(ids(&frames), ["4", "5", "CLOSE"]);
    assert!(frames[1]
        .data
        .as_deref()
        .unwrap()
        .contains("import: tick 4 of "));
    for (body, status) in [
        (json!({"count": 0}), 422),
        (json!({"count": 5, "label": "x".repeat(201)}), 422),
        (json!({"interval_ms": 5}), 422),
    ] {
        let answer = client
            .post(server.url("/demo/ticks"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status, "{body}");
    }
    let not_json = client
        .post(server.url("/demo/ticks"))
        .body("count=5")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 415);
}

#[tokio::test]
async fn task_streams_end_each_connection_after_end_after_ms_with_the_retry_asked() {
    let server = TestServer::default().await;
    let task = create_task(&server, json!({"steps": 2, "interval_ms": 3000})).await;
    let events = task["events_url"].as_str().unwrap();
    let started = Instant::now();
    let response =
        reqwest::get(server.url(&format!("{events}?end_after_ms=200&retry_ms=25&key=ends")))
            .await
            .unwrap();
    let frames = parse_frames(&read_body(response, Duration::from_secs(2)).await);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(frames[0].retry.as_deref(), Some("25"));
    assert_eq!(ids(&frames), ["1"]);
    let (_, hits) = common::get_json(&server, "/faults/hits/ends").await;
    assert_eq!(hits["hits"], 1);
    let bad = reqwest::get(server.url(&format!("{events}?end_after_ms=0")))
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn tizen_sends_the_retry_asked_and_flaky_fails_then_streams() {
    let server = TestServer::default().await;
    let body = read_body(
        reqwest::get(server.url("/seeds/tizen?retry_ms=30"))
            .await
            .unwrap(),
        Duration::from_secs(5),
    )
    .await;
    assert!(
        body.starts_with("retry: 30\n\ndata: push time => "),
        "{body:?}"
    );
    let url = server.url("/faults/flaky?key=f&failures=2&count=3&retry_after=4");
    for _ in 0..2 {
        let down = reqwest::get(&url).await.unwrap();
        assert_eq!(down.status(), 503);
        assert_eq!(down.headers()["retry-after"], "4");
    }
    let up = reqwest::get(&url).await.unwrap();
    let frames = parse_frames(&read_body(up, Duration::from_secs(5)).await);
    assert_eq!(ids(&frames), ["1", "2", "3", "CLOSE"]);
}
