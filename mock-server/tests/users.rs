//! The mock server with users (`--user`): the session cookie of
//! `POST /session` is all a page's `EventSource` needs (no secret in the
//! URL), a bearer token works for programs, each user reaches only their own
//! tasks, nobody gets a 401 that says how to sign in, and a page of another
//! origin cannot sign a visitor in.

mod common;

use common::TestServer;
use serde_json::{json, Value};
use sse_mock_server::ServerConfig;

fn with_users() -> ServerConfig {
    ServerConfig {
        users: vec!["alice:a-token".into(), "bob:b-token".into()],
        ..ServerConfig::default()
    }
}

#[tokio::test]
async fn a_signed_in_page_streams_its_own_task_with_the_session_cookie_alone() {
    let server = TestServer::start(with_users()).await;
    let client = reqwest::Client::new();
    let signed_in = client
        .post(server.url("/session"))
        .json(&json!({"token": "a-token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    assert_eq!(signed_in.json::<Value>().await.unwrap()["user"], "alice");

    let created: Value = client
        .post(server.url("/api/tasks"))
        .header("cookie", &session)
        .json(&json!({"steps": 2, "interval_ms": 0, "label": "alice-export"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = created["events_url"].as_str().unwrap();
    assert!(
        !events.contains('?'),
        "nothing secret in the stream's URL: {events}"
    );
    // What an EventSource sends by itself: the URL and the cookie.
    let stream = client
        .get(server.url(events))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream
        .text()
        .await
        .unwrap()
        .contains("alice-export: step 2 of 2"));

    // Bob (a program with his token) does not reach it; nobody is told how to sign in.
    let bobs = client
        .get(server.url(events))
        .bearer_auth("b-token")
        .send()
        .await
        .unwrap();
    assert_eq!(bobs.status(), 404);
    let nobody = client.get(server.url("/api/tasks")).send().await.unwrap();
    assert_eq!(nobody.status(), 401);
    let error: Value = nobody.json().await.unwrap();
    assert!(error["error"].as_str().unwrap().contains("POST /session"));

    // Signed out, the cookie is nobody's.
    let out = client
        .delete(server.url("/session"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = client
        .get(server.url("/api/tasks"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn a_page_of_another_origin_cannot_sign_a_visitor_in() {
    let server = TestServer::start(with_users()).await;
    let response = reqwest::Client::new()
        .post(server.url("/session"))
        .header("origin", "http://evil.test")
        .json(&json!({"token": "a-token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("set-cookie").is_none());
}
