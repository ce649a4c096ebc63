//! The fault endpoints are off unless asked for (the library's own posture
//! is tested beside it, `server/tests/posture.rs`).

mod common;

use common::TestServer;
use sse_mock_server::ServerConfig;

#[tokio::test]
async fn the_fault_endpoints_exist_only_with_the_faults_flag() {
    let plain = TestServer::start(ServerConfig::default()).await;
    let response = reqwest::get(plain.url("/faults/ticks?count=1"))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let with_faults = TestServer::default().await;
    let response = reqwest::get(with_faults.url("/faults/ticks?count=1"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
