//! Bad input to the companion server's own routes (seeds, the demo's, the
//! fault endpoints) gets a 4xx JSON `{"error": ...}`, never a panic; the
//! task API's own: `server/tests/bad_input.rs`.

mod common;

use common::{expect_error, TestServer};
use serde_json::json;

#[tokio::test]
async fn a_seed_refuses_out_of_range_parameters() {
    let server = TestServer::default().await;
    expect_error(
        reqwest::Client::new().get(server.url("/seeds/corebos/source?interval_ms=99999999")),
        422,
        "interval_ms",
    )
    .await;
}

#[tokio::test]
async fn a_wrong_method_a_bad_path_and_a_json_array_get_json_errors_that_echo_nothing() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    expect_error(
        client.delete(server.url("/api/tasks")),
        405,
        "method not allowed",
    )
    .await;
    expect_error(
        client.put(server.url("/seeds/delta/messages")),
        405,
        "method",
    )
    .await;
    let response = client
        .get(server.url("/faults/status/abc%3Cb%3E"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(!body.contains("abc"), "the input was echoed: {body}");
    assert!(body.contains("204 or 400..=599"), "{body}");
    for path in ["/api/tasks", "/seeds/delta/messages", "/demo/ticks"] {
        expect_error(
            client.post(server.url(path)).json(&json!([3, 0])),
            422,
            "must be a JSON object",
        )
        .await;
    }
}

#[tokio::test]
async fn a_delta_resume_id_beyond_any_sqlite_id_is_a_400_like_the_task_streams() {
    let server = TestServer::default().await;
    let request = reqwest::Client::new()
        .get(server.url("/seeds/delta"))
        .header("Last-Event-ID", "9223372036854775808");
    expect_error(request, 400, "at most 9223372036854775807").await;
}

#[test]
fn start_up_failures_say_what_is_wrong_in_one_line_and_exit_1() {
    let missing_parent = tempfile::tempdir().unwrap();
    let not_a_file = tempfile::tempdir().unwrap();
    let corrupt = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(corrupt.path(), vec![0x42; 8192]).unwrap();
    let cases = [
        missing_parent.path().join("no/such/folder/tasks.db"),
        not_a_file.path().to_owned(),
        corrupt.path().to_owned(),
    ];
    for db in cases {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_sse-mock-server"))
            .args(["--addr", "127.0.0.1:0", "--db"])
            .arg(&db)
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{db:?}: {stdout} {stderr}");
        assert!(!stdout.contains("listening"), "{db:?}: {stdout}");
        assert_eq!(stderr.trim().lines().count(), 1, "{db:?}: {stderr}");
        assert!(stderr.starts_with("sse-mock-server: "), "{stderr}");
        assert!(!stderr.contains("SqliteFailure"), "a Debug dump: {stderr}");
    }
}

/// A log written to a file (stdout not a terminal) carries no colour codes.
#[test]
fn a_log_written_to_a_file_is_plain_text() {
    use std::io::{BufRead, BufReader};
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_sse-mock-server"))
        .args(["--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(server.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("sse-mock-server listening on");
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    let log = lines.join("\n");
    assert!(log.contains("INFO"), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes: {log:?}");
}
