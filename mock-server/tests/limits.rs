//! Sockets are never held forever: silent and half-sent requests are closed
//! after the header timeout (so the connection cap cannot be exhausted for
//! good), a client that stops reading is dropped after the stall timeout,
//! and SIGTERM ends the process within its grace period whatever clients do.

mod common;

use std::time::{Duration, Instant};

use common::{spawn_server, TestServer};
use sse_mock_server::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn half_sent_requests_are_closed_and_cannot_starve_the_connection_cap() {
    let server = TestServer::start(ServerConfig::default().with_tasks(|tasks| {
        tasks.header_timeout = Duration::from_secs(1);
        tasks.max_connections = 20;
    }))
    .await;
    let mut lorises = Vec::new();
    for i in 0..40 {
        let mut socket = TcpStream::connect(addr(&server.base)).await.unwrap();
        if i % 2 == 0 {
            socket
                .write_all(b"GET /api/tasks HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
        }
        lorises.push(socket);
    }
    let started = Instant::now();
    let response = tokio::time::timeout(
        Duration::from_secs(10),
        reqwest::get(server.url("/api/tasks")),
    )
    .await
    .expect("a real request waited forever behind silent connections")
    .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The server closed the silent and the half-sent ones (EOF or reset).
    for loris in &mut lorises[..2] {
        let mut rest = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), loris.read_to_end(&mut rest))
            .await
            .expect("a silent or half-sent request was never closed")
            .ok();
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_after_the_stall_timeout() {
    let server = TestServer::start(
        ServerConfig {
            faults: true,
            ..ServerConfig::default()
        }
        .with_tasks(|tasks| tasks.stall_timeout = Duration::from_secs(1)),
    )
    .await;
    let size = 8 * 1024 * 1024;
    let mut socket = TcpStream::connect(addr(&server.base)).await.unwrap();
    socket
        .write_all(format!("GET /faults/big?bytes={size} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut received = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut received))
        .await
        .expect("the server kept the stalled connection open")
        .ok();
    assert!(
        received.len() < size,
        "the whole event arrived ({} bytes): the stalled client was not dropped",
        received.len()
    );
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_ends_the_process_within_the_grace_period_despite_stalled_clients() {
    let (mut server, base) = spawn_server(&[
        "--faults".as_ref(),
        "--shutdown-grace-secs".as_ref(),
        "1".as_ref(),
    ]);
    // One client never finishes its request, one never reads its response.
    let mut half = TcpStream::connect(addr(&base)).await.unwrap();
    half.write_all(b"POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    let mut unread = TcpStream::connect(addr(&base)).await.unwrap();
    unread
        .write_all(b"GET /faults/big?bytes=8388608 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let pid = server.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still running 5 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
