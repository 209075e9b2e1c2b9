//! The harness of the cross-framework suite: the same back-channel logout
//! cases, in `tests/examples.rs`, run against every framework's example
//! relying party, started in process on a loopback port and driven over
//! real HTTP.
//!
//! An example takes part through one [`Example`]: its name and a `start`
//! function that turns environment variables (the shared examples contract)
//! into a running [`Server`]. Adding a framework takes its `start` (see
//! [`axum`]), a constant in [`examples`], and one line in
//! `tests/examples.rs`:
//!
//! ```text
//! example_suite!(actix, backchannel_logout_tests::examples::ACTIX);
//! ```
//!
//! and one in `tests/interop.rs`, where [`interop`] runs a real OpenID
//! Provider (node `oidc-provider`) against it:
//!
//! ```text
//! interop_suite!(actix, backchannel_logout_tests::examples::ACTIX);
//! ```
#![forbid(unsafe_code)]
// A test harness: failing loudly, with the example's name, is its job.
#![allow(clippy::panic, clippy::expect_used)]

pub mod actix;
pub mod axum;
mod client;
pub mod interop;
mod provider;
pub mod rocket;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::mpsc;

pub use client::{Answer, Browser, FORM, Rp, form};
pub use provider::{CLIENT_ID, HttpProvider, ISSUER, Provider, next_second, now};

/// A framework's example relying party, as the suite sees it.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The framework's name, for messages.
    pub name: &'static str,
    /// Starts the example, configured by these environment variables, and
    /// returns once it accepts connections; a configuration error is the
    /// example's one-line message (`BCL_X: ...`).
    pub start: Start,
}

/// Environment variables, as `(name, value)` pairs.
pub type Env = Vec<(String, String)>;

/// How an example starts: see [`Example::start`].
pub type Start = fn(Env) -> Result<Server, String>;

/// The header and body timeouts the examples run with in this suite (their
/// defaults are longer): a client slower than this is cut off.
pub const SLOW_CLIENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The examples under test.
pub mod examples {
    use super::Example;

    /// `examples/axum`.
    pub const AXUM: Example = Example {
        name: "axum",
        start: crate::axum::start,
    };

    /// `examples/actix`.
    pub const ACTIX: Example = Example {
        name: "actix",
        start: crate::actix::start,
    };

    /// `examples/rocket`.
    pub const ROCKET: Example = Example {
        name: "rocket",
        start: crate::rocket::start,
    };

    /// Every example, for tests that run against each in turn.
    pub const ALL: &[Example] = &[AXUM, ACTIX, ROCKET];
}

/// What an example's thread reports once it serves: its address and
/// banner, or why it did not start.
type Started = Result<(SocketAddr, String), String>;

/// Completes when the [`Server`] is dropped: the example stops serving.
type Stopped = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Starts an example on a thread of its own, as its `main` would: `run`
/// builds the framework's runtime there, reports through
/// [`bind_and_build`], then serves until [`Stopped`] completes. Returns
/// once the example accepts connections.
fn start_thread(
    run: impl FnOnce(mpsc::Sender<Started>, Stopped) + Send + 'static,
) -> Result<Server, String> {
    let (ready, started) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        run(
            ready,
            Box::pin(async {
                let _ = stopped.await;
            }),
        );
    });
    let (addr, banner) = started
        .recv()
        .map_err(|_| "the example's thread ended before it started".to_owned())??;
    Ok(Server::new(addr, banner, move || {
        let _ = stop.send(());
    }))
}

/// On the example's thread: the two-worker Tokio runtime the Tokio-based
/// examples run on, as their `main` would; `None` when it failed, which is
/// reported to [`start_thread`].
fn tokio_runtime(ready: &mpsc::Sender<Started>) -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(e) => {
            let _ = ready.send(Err(e.to_string()));
            None
        }
    }
}

/// On the example's thread: listens on `listen`, builds the app for the
/// bound address (`build` returns it with its banner), and reports to
/// [`start_thread`]. `None` when it failed, which is reported.
async fn bind_and_build<A, Fut>(
    listen: SocketAddr,
    ready: &mpsc::Sender<Started>,
    build: impl FnOnce(SocketAddr) -> Fut,
) -> Option<(tokio::net::TcpListener, A)>
where
    Fut: Future<Output = io::Result<(A, String)>>,
{
    // As the examples' `main` listens (its queue holds a burst).
    let listener = match example_support::listen(listen) {
        Ok(listener) => listener,
        Err(e) => {
            let _ = ready.send(Err(format!("BCL_LISTEN: {e}")));
            return None;
        }
    };
    let built = match listener.local_addr() {
        Ok(addr) => build(addr).await.map(|built| (addr, built)),
        Err(e) => Err(e),
    };
    match built {
        Ok((addr, (app, banner))) => {
            let _ = ready.send(Ok((addr, banner)));
            Some((listener, app))
        }
        Err(e) => {
            let _ = ready.send(Err(e.to_string()));
            None
        }
    }
}

/// A running example; stopped when dropped.
pub struct Server {
    addr: SocketAddr,
    banner: String,
    stop: Option<Box<dyn FnOnce() + Send>>,
}

impl Server {
    /// A server listening on `addr`, that printed `banner` at start (the
    /// demo mode's `curl` commands), and that `stop` shuts down.
    pub fn new(addr: SocketAddr, banner: String, stop: impl FnOnce() + Send + 'static) -> Self {
        Server {
            addr,
            banner,
            stop: Some(Box::new(stop)),
        }
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr` followed by `path`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// What it printed at start.
    #[must_use]
    pub fn banner(&self) -> &str {
        &self.banner
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}
