//! An emulated slow link on loopback: a TCP proxy in front of the server
//! that holds every chunk for the link's one-way delay (with jitter) and lets
//! bytes through no faster than the link's rate, each direction its own link
//! shared by all connections (as one phone's radio is). A connection's first
//! bytes also wait one round trip, the handshake a real link would cost.
//! Packet loss is not emulated: TCP over loopback would only retransmit.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What a segment carries at most: about one Ethernet packet's payload.
const SEGMENT: usize = 1400;

/// The link's shape.
#[derive(Debug, Clone, Copy)]
pub struct LinkShape {
    /// Server to browser, in bits per second.
    pub down_bits_per_s: f64,
    /// Browser to server, in bits per second.
    pub up_bits_per_s: f64,
    /// One-way delay.
    pub delay: Duration,
    /// Each segment's delay varies by up to this much either way.
    pub jitter: Duration,
}

/// One direction of the link: when it is free to send again.
struct Direction {
    bits_per_s: f64,
    free_at: Mutex<Instant>,
}

impl Direction {
    /// When `bytes` leave, sent after everything queued before them.
    fn departure(&self, bytes: usize) -> Instant {
        let mut free_at = self
            .free_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = (*free_at).max(Instant::now());
        let sending = Duration::from_secs_f64(bytes as f64 * 8.0 / self.bits_per_s);
        *free_at = start + sending;
        *free_at
    }
}

/// The proxy; it stops when dropped.
pub struct SlowLink {
    /// Where the browser connects.
    pub addr: SocketAddr,
    accepting: JoinHandle<()>,
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl SlowLink {
    /// Listens on 127.0.0.1 and forwards each connection to `server`.
    pub async fn start(server: SocketAddr, shape: LinkShape) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let down = Arc::new(Direction {
            bits_per_s: shape.down_bits_per_s,
            free_at: Mutex::new(Instant::now()),
        });
        let up = Arc::new(Direction {
            bits_per_s: shape.up_bits_per_s,
            free_at: Mutex::new(Instant::now()),
        });
        let accepting = tokio::spawn(async move {
            let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
            while let Ok((browser, _)) = listener.accept().await {
                let Ok(upstream) = TcpStream::connect(server).await else {
                    continue;
                };
                let _ = browser.set_nodelay(true);
                let _ = upstream.set_nodelay(true);
                let handshake = Instant::now() + shape.delay * 2;
                let (browser_read, browser_write) = browser.into_split();
                let (server_read, server_write) = upstream.into_split();
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                tokio::spawn(carry(
                    browser_read,
                    server_write,
                    up.clone(),
                    shape,
                    handshake,
                    seed,
                ));
                tokio::spawn(carry(
                    server_read,
                    browser_write,
                    down.clone(),
                    shape,
                    handshake,
                    !seed,
                ));
            }
        });
        Ok(Self { addr, accepting })
    }
}

/// Moves bytes one way: read, queue with their arrival time, write when due,
/// in order.
async fn carry(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    link: Arc<Direction>,
    shape: LinkShape,
    not_before: Instant,
    mut seed: u64,
) {
    let (queue, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((at, bytes)) = due.recv().await {
            tokio::time::sleep_until(at).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buffer = vec![0_u8; SEGMENT];
    let mut last_arrival = not_before;
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        // xorshift: the jitter of this segment, in [-jitter, +jitter].
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let spread = (seed % 2001) as f64 / 1000.0 - 1.0;
        let jitter = shape.jitter.as_secs_f64() * spread;
        let delay = Duration::from_secs_f64((shape.delay.as_secs_f64() + jitter).max(0.0));
        let arrival = (link.departure(read) + delay).max(last_arrival);
        last_arrival = arrival;
        if queue.send((arrival, buffer[..read].to_vec())).is_err() {
            break;
        }
    }
    drop(queue);
    let _ = writer.await;
}
