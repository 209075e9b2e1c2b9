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

use std::net::SocketAddr;

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

    /// Every example, for tests that run against each in turn.
    pub const ALL: &[Example] = &[AXUM, ACTIX];
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
