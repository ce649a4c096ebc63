//! The accept loop: HTTP/1.1 connections with a cap on how many are served
//! at once, a deadline for request headers (which also closes idle and silent
//! connections), a stall timeout for clients that stop reading, dead peers
//! noticed by the kernel (`dead_peers.rs`), and a graceful shutdown with a deadline, after which the process may exit even
//! if a client still holds a connection.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::http::dead_peers::notice_dead_peers;
use crate::http::stall::StallGuard;

/// The connection limits of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Time to send a request's headers.
    pub header_timeout: Duration,
    /// Time a write may wait for a client that does not read.
    pub stall_timeout: Duration,
    /// Time connections get to end after shutdown.
    pub shutdown_grace: Duration,
}

/// File descriptors kept free for the database, logs and accepting.
const SPARE_FDS: u64 = 64;

/// `wanted`, lowered to fit the process's open-file limit.
pub fn connection_cap(wanted: usize) -> usize {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            let usable = limit.rlim_cur.saturating_sub(SPARE_FDS).max(1);
            return wanted.min(usize::try_from(usable).unwrap_or(usize::MAX));
        }
    }
    wanted
}

/// Serves `router` on `listener` until `shutdown` fires, then waits up to
/// the grace period for open connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let cap = connection_cap(limits.max_connections);
    if cap < limits.max_connections {
        tracing::warn!(
            cap,
            wanted = limits.max_connections,
            "connection cap lowered to fit the open-file limit"
        );
    }
    let permits = Arc::new(Semaphore::new(cap));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit,
            () = shutdown.cancelled() => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors, or a connection reset before accept.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        notice_dead_peers(&stream);
        let io = TokioIo::new(StallGuard::new(stream, limits.stall_timeout));
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?limits.shutdown_grace,
            "connections still open after the shutdown grace period; closing them"
        );
    }
}
