//! `--static-dir`: the site at `/`, a JSON 404 naming any other path that is
//! no file (so a mistyped stream URL says "not found"), and nothing outside
//! the folder, whatever the request path says; the files compressed at build
//! served to whoever accepts them, with cache rules a returning visit uses.

mod common;

use common::TestServer;
use sse_mock_server::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `path` as written (no client-side normalisation) and returns the raw answer.
async fn raw_get(server: &TestServer, path: &str) -> String {
    raw_get_with(server, path, "").await
}

/// [`raw_get`] with extra header lines (each ending in `\r\n`).
async fn raw_get_with(server: &TestServer, path: &str, headers: &str) -> String {
    let addr = server.base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n");
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

/// The header `name`'s value in a raw answer (names compared in lower case).
fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next().unwrap_or("");
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.eq_ignore_ascii_case(name)).then(|| value.trim())
    })
}

#[tokio::test]
async fn compressed_files_go_to_who_accepts_them_and_hashed_names_are_cached_for_good() {
    let root = tempfile::tempdir().unwrap();
    let hashed = "app-0123456789abcdef.js";
    std::fs::write(root.path().join("index.html"), "<p>plain</p>").unwrap();
    std::fs::write(root.path().join("index.html.gz"), "GZIPPED INDEX").unwrap();
    std::fs::write(root.path().join(hashed), "console.log('plain')").unwrap();
    std::fs::write(root.path().join(format!("{hashed}.br")), "BROTLI APP").unwrap();
    std::fs::write(root.path().join(format!("{hashed}.gz")), "GZIPPED APP").unwrap();
    let server = TestServer::start(ServerConfig {
        static_dir: Some(root.path().to_owned()),
        ..ServerConfig::default()
    })
    .await;

    let app = format!("/{hashed}");
    let answer = raw_get_with(&server, &app, "Accept-Encoding: gzip, br\r\n").await;
    assert!(answer.ends_with("BROTLI APP"), "{answer}");
    assert_eq!(header(&answer, "content-encoding"), Some("br"));
    assert_eq!(header(&answer, "content-type"), Some("text/javascript"));
    assert_eq!(header(&answer, "vary"), Some("accept-encoding"));
    assert_eq!(
        header(&answer, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let answer = raw_get_with(&server, &app, "Accept-Encoding: gzip\r\n").await;
    assert!(answer.ends_with("GZIPPED APP"), "{answer}");
    let answer = raw_get(&server, &app).await;
    assert!(answer.ends_with("console.log('plain')"), "{answer}");
    assert_eq!(header(&answer, "content-encoding"), None);

    // A name without a hash may change: kept, but asked again, and a 304 while unchanged.
    let answer = raw_get_with(&server, "/", "Accept-Encoding: gzip, br\r\n").await;
    assert!(answer.ends_with("GZIPPED INDEX"), "{answer}");
    assert_eq!(header(&answer, "cache-control"), Some("no-cache"));
    let modified = header(&answer, "last-modified")
        .expect("a Last-Modified")
        .to_owned();
    let again = format!("If-Modified-Since: {modified}\r\nAccept-Encoding: gzip, br\r\n");
    let answer = raw_get_with(&server, "/", &again).await;
    assert!(answer.starts_with("HTTP/1.1 304"), "{answer}");
    assert_eq!(header(&answer, "cache-control"), Some("no-cache"));
    // The API's answers are not the site's: no cache rule added to them.
    let answer = raw_get(&server, "/api/tasks/unknown").await;
    assert_eq!(header(&answer, "cache-control"), None, "{answer}");
}
