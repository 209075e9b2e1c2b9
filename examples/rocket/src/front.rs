//! Rocket 0.5 sets no timeout on reading a request: a client trickling its
//! headers or its body holds a connection, and a task, forever (its server
//! loop sets hyper's `header_read_timeout` to none, and takes no listener
//! but the one it binds itself). The example therefore serves through a
//! small front, the part a reverse proxy plays in production (nginx's
//! `client_header_timeout` and `client_body_timeout`): it accepts on
//! `BCL_LISTEN` and relays each connection, bytes unchanged, to Rocket on a
//! loopback port. Not parsing HTTP, it applies the examples' [`Timeouts`]
//! this way: a connection with no request in flight (new, or idle between
//! requests) is closed after `header`; a request, from its first byte to
//! the first byte of its answer (headers, body and handling), may take
//! `request`, then the connection is closed.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use example_support::Timeouts;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// Accepts on `listener` and relays every connection to `backend` under
/// `timeouts`, until `shutdown` completes.
pub(crate) async fn relay_all(
    listener: TcpListener,
    backend: SocketAddr,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let client = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        tokio::spawn(async move {
            // A client that stalls or goes away ends its own connection.
            let _ = relay(client, backend, timeouts).await;
        });
    }
}

/// One connection: bytes both ways, until either side closes or a
/// timeout passes.
async fn relay(client: TcpStream, backend: SocketAddr, timeouts: Timeouts) -> io::Result<()> {
    let server = connect(backend, timeouts.request).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let clock = Arc::new(Clock::new());
    let mut client = Watched {
        stream: client,
        clock: Arc::clone(&clock),
        client: true,
    };
    let mut server = Watched {
        stream: server,
        clock: Arc::clone(&clock),
        client: false,
    };
    tokio::select! {
        copied = tokio::io::copy_bidirectional_with_sizes(&mut client, &mut server, 8192, 8192) => {
            copied.map(|_| ())
        }
        () = clock.expired(timeouts) => Ok(()),
    }
}

/// How long one attempt to reach Rocket may take before the next.
const CONNECT_RETRY: Duration = Duration::from_millis(20);

/// Connects to Rocket, giving up after `limit`. Rocket listens with the
/// standard library's queue of 128 connections and takes no listener of
/// ours; when a burst of clients overflows that queue the kernel drops the
/// connection attempt and sends it again only a second later. A fresh
/// attempt every [`CONNECT_RETRY`] gets in as soon as Rocket has accepted
/// the ones before it.
async fn connect(backend: SocketAddr, limit: Duration) -> io::Result<TcpStream> {
    let deadline = Instant::now() + limit;
    loop {
        match tokio::time::timeout(CONNECT_RETRY, TcpStream::connect(backend)).await {
            Ok(connected) => return connected,
            Err(_) if Instant::now() < deadline => {}
            Err(elapsed) => return Err(io::Error::new(io::ErrorKind::TimedOut, elapsed)),
        }
    }
}

/// When the connection last moved, and since when a request has waited for
/// its answer: milliseconds since `start`, plus one (0 is "none").
struct Clock {
    start: Instant,
    last: AtomicU64,
    waiting_since: AtomicU64,
}

impl Clock {
    fn new() -> Self {
        Clock {
            start: Instant::now(),
            last: AtomicU64::new(1),
            waiting_since: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .saturating_add(1)
    }

    /// The client sent bytes: a request is waiting, unless one already is.
    fn client_sent(&self) {
        let now = self.now();
        self.last.store(now, Ordering::Relaxed);
        let _ = self
            .waiting_since
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Rocket answered: nothing waits.
    fn server_sent(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
        self.waiting_since.store(0, Ordering::Relaxed);
    }

    /// Completes once a request has waited longer than `timeouts.request`
    /// for its answer, or the connection has had none in flight for
    /// `timeouts.header`.
    async fn expired(&self, timeouts: Timeouts) {
        loop {
            let deadline = match self.waiting_since.load(Ordering::Relaxed) {
                0 => self.instant(self.last.load(Ordering::Relaxed)) + timeouts.header,
                since => self.instant(since) + timeouts.request,
            };
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }

    fn instant(&self, millis: u64) -> Instant {
        self.start + Duration::from_millis(millis.saturating_sub(1))
    }
}

/// A stream that tells the [`Clock`] when bytes arrive from its side.
struct Watched {
    stream: TcpStream,
    clock: Arc<Clock>,
    client: bool,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            if self.client {
                self.clock.client_sent();
            } else {
                self.clock.server_sent();
            }
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
