//! The security posture: the optional token, the cross-origin guard on
//! state-changing requests, labels hidden from the task list without the
//! token.

mod common;

use common::{configured, create_task, get_json, TestServer};
use serde_json::json;

#[tokio::test]
async fn with_a_token_the_api_and_its_streams_require_it_and_its_holder_sees_labels() {
    let server = TestServer::start(configured(|tasks| tasks.token = Some("s3cret".into()))).await;
    let client = reqwest::Client::new();
    let refused = client.get(server.url("/api/tasks")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("requires a token"));
    let wrong = client
        .get(server.url("/api/tasks"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let created: serde_json::Value = client
        .post(server.url("/api/tasks"))
        .bearer_auth("s3cret")
        .json(&json!({"steps": 1, "interval_ms": 0, "label": "payroll"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = created["events_url"].as_str().unwrap();
    // Never in the URL, where access logs and histories keep it.
    let in_the_url = client
        .get(server.url(&format!("{events}?access_token=s3cret")))
        .send()
        .await
        .unwrap();
    assert_eq!(in_the_url.status(), 401);
    let stream = client
        .get(server.url(events))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream
        .text()
        .await
        .unwrap()
        .contains("payroll: step 1 of 1"));
    let listed: serde_json::Value = client
        .get(server.url("/api/tasks"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["label"], "payroll");
}

#[tokio::test]
async fn without_the_token_the_list_hides_labels_but_the_task_itself_shows_its_own() {
    let server = TestServer::default().await;
    let task = create_task(
        &server,
        json!({"steps": 1, "interval_ms": 0, "label": "payroll"}),
    )
    .await;
    let (_, listed) = get_json(&server, "/api/tasks").await;
    assert_eq!(listed[0]["id"], task["id"]);
    assert_eq!(listed[0]["label"], serde_json::Value::Null);
    let (_, own) = get_json(&server, task["status_url"].as_str().unwrap()).await;
    assert_eq!(own["label"], "payroll");
}

#[tokio::test]
async fn pages_of_other_origins_cannot_create_run_or_cancel_unless_allowed() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let task = create_task(&server, json!({"steps": 100, "interval_ms": 100})).await;
    let cancel_url = server.url(task["cancel_url"].as_str().unwrap());
    // A form on another site posting to the cancel URL (a "simple" request).
    let forged = client
        .post(&cancel_url)
        .header("origin", "http://evil.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let body: serde_json::Value = forged.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("another origin"));
    let (_, state) = get_json(&server, task["status_url"].as_str().unwrap()).await;
    assert_ne!(state["state"], "cancelled");
    // An <img src> on another site pointing at /api/run.
    let image = client
        .get(server.url("/api/run?steps=1&interval_ms=0"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 403);
    // The server's own pages may.
    let own = client
        .post(&cancel_url)
        .header("origin", server.base.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);

    let allowing = TestServer::start(configured(|tasks| {
        tasks.allow_origins = vec!["http://app.test".into()]
    }))
    .await;
    let allowed = client
        .post(allowing.url("/api/tasks"))
        .header("origin", "http://app.test")
        .json(&json!({"steps": 1, "interval_ms": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 201);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://app.test"
    );
}
