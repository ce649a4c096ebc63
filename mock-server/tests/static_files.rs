//! `--static-dir`: the site at `/`, a JSON 404 naming any other path that is
//! no file (so a mistyped stream URL says "not found"), and nothing outside
//! the folder, whatever the request path says.

mod common;

use common::TestServer;
use sse_mock_server::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `path` as written (no client-side normalisation) and returns the raw answer.
async fn raw_get(server: &TestServer, path: &str) -> String {
    let addr = server.base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_site_is_served_unknown_paths_are_404_and_nothing_outside_it_is() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("dist");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("index.html"), "<p>the demo</p>").unwrap();
    std::fs::write(site.join("app.js"), "console.log('app')").unwrap();
    std::fs::write(root.path().join("secret.txt"), "TOP SECRET").unwrap();
    let server = TestServer::start(ServerConfig {
        static_dir: Some(site),
        ..ServerConfig::default()
    })
    .await;

    assert!(raw_get(&server, "/").await.contains("<p>the demo</p>"));
    assert!(raw_get(&server, "/app.js")
        .await
        .contains("console.log('app')"));
    let answer = raw_get(&server, "/seeds/corebos/sourse").await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("application/json"), "{answer}");
    assert!(
        answer.contains("no such route or file: /seeds/corebos/sourse"),
        "{answer}"
    );
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/app.js/../../secret.txt",
    ] {
        let answer = raw_get(&server, path).await;
        assert!(!answer.contains("TOP SECRET"), "{path} leaked: {answer}");
    }
    // The API still answers JSON, not the site.
    let answer = raw_get(&server, "/api/tasks/unknown").await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("\"error\""));
}

#[tokio::test]
async fn a_request_target_that_is_not_a_path_is_a_json_400_not_a_500() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("index.html"), "<p>the demo</p>").unwrap();
    std::fs::write(root.path().join("a.txt"), "a").unwrap();
    let server = TestServer::start(ServerConfig {
        static_dir: Some(root.path().to_owned()),
        ..ServerConfig::default()
    })
    .await;
    // Authority form, as `GET a.txt HTTP/1.1` sends it.
    let answer = raw_get(&server, "a.txt").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("application/json"), "{answer}");
    assert!(answer.contains("must be a path"), "{answer}");
    assert!(raw_get(&server, "/a.txt").await.starts_with("HTTP/1.1 200"));
}
