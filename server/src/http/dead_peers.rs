//! Noticing a client whose path went silent (no FIN, no RST: a laptop
//! closed, a mobile network gone): on every accepted socket TCP keepalive
//! probes a quiet connection, and `TCP_USER_TIMEOUT` (Linux) drops one whose
//! sent bytes stay unacknowledged, so its stream is freed in about
//! [`UNACKNOWLEDGED`] after its last write was sent, however fast the stream
//! (keep-alive comments make every stream write at least every 15 s).

use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::TcpStream;

/// Quiet time before the first keepalive probe.
pub const PROBE_AFTER: Duration = Duration::from_secs(20);
/// Time between two probes.
pub const PROBE_EVERY: Duration = Duration::from_secs(5);
/// Probes unanswered before the connection is dropped.
pub const PROBES: u32 = 4;
/// Longest sent data may stay unacknowledged before the connection is dropped.
pub const UNACKNOWLEDGED: Duration = Duration::from_secs(30);

/// Sets `stream`'s keepalive and unacknowledged-data limits; a platform
/// that lacks one keeps the others (and its own defaults).
pub fn notice_dead_peers(stream: &TcpStream) {
    let socket = SockRef::from(stream);
    let keepalive = TcpKeepalive::new()
        .with_time(PROBE_AFTER)
        .with_interval(PROBE_EVERY)
        .with_retries(PROBES);
    if let Err(error) = socket.set_tcp_keepalive(&keepalive) {
        tracing::debug!(%error, "cannot set TCP keepalive");
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(error) = socket.set_tcp_user_timeout(Some(UNACKNOWLEDGED)) {
        tracing::debug!(%error, "cannot set TCP_USER_TIMEOUT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_accepted_socket_probes_a_quiet_peer_and_drops_one_that_does_not_acknowledge() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let _client = TcpStream::connect(address).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        notice_dead_peers(&accepted);
        let socket = SockRef::from(&accepted);
        assert!(socket.keepalive().unwrap());
        assert_eq!(socket.tcp_keepalive_time().unwrap(), PROBE_AFTER);
        assert_eq!(socket.tcp_keepalive_interval().unwrap(), PROBE_EVERY);
        assert_eq!(socket.tcp_keepalive_retries().unwrap(), PROBES);
        #[cfg(target_os = "linux")]
        assert_eq!(socket.tcp_user_timeout().unwrap(), Some(UNACKNOWLEDGED));
    }
}
