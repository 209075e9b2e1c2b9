//! What the example relying parties (`examples/axum`, `examples/actix`,
//! and the other frameworks' as they come) share, and what a real application does not
//! need: the examples' environment contract ([`Config`]), demo mode (the
//! example playing its own provider, with the testkit's keys: [`demo`]),
//! the key source a configuration names ([`key_source`]), the stores it
//! names (in memory, or on Redis with `BCL_REDIS_URL`: [`stores`]), the `/whoami`
//! answer, the clients' [`Timeouts`] and the start-up chores. Each example's own code is then only
//! the wiring a real application copies.
//!
//! ```
//! use example_support::{Config, Mode};
//!
//! let config = Config::from_vars([("BCL_LISTEN", "127.0.0.1:0")])?;
//! assert!(matches!(config.mode, Mode::Demo));
//! # Ok::<(), example_support::ConfigError>(())
//! ```
#![forbid(unsafe_code)]

mod config;
pub mod demo;
mod stores;

use std::io::{self, IsTerminal};
use std::net::SocketAddr;
use std::process::ExitCode;

use backchannel_logout::{Receiver, SessionRecord, SharedReceiver, Validator};
use backchannel_logout_jwks::{JwksKeySource, ProviderKeys};
use serde_json::{Value, json};

pub use config::{Config, ConfigError, DEFAULT_LISTEN, Keys, Mode, Provider};
pub use stores::{MarkerStore, ReplayStore, stores};

use crate::demo::DemoProvider;

/// The name of the session cookie, in every example.
pub const SESSION_COOKIE: &str = "id";

/// How long a client may take to send a request, so that a slow or stalled
/// client (headers or body trickled byte by byte) cannot hold a
/// connection, and a task, forever. Each example applies them with its
/// framework's own settings (neither `axum::serve` nor Actix limits the
/// time a body takes by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From the connection's first byte (or the previous request) to the
    /// end of the request's headers; then the connection is closed.
    pub header: std::time::Duration,
    /// For the whole request once its headers are in: reading the body
    /// and answering. A client still sending its body then gets 408 and the
    /// connection is closed.
    pub request: std::time::Duration,
}

impl Default for Timeouts {
    /// 10 s for the headers, 30 s for the rest: a provider sends a few
    /// kilobytes at once, and the answer waits at most for a key fetch
    /// (whose own timeout is shorter).
    fn default() -> Self {
        Timeouts {
            header: std::time::Duration::from_secs(10),
            request: std::time::Duration::from_secs(30),
        }
    }
}

/// What every example builds before its framework's part, from its
/// configuration and the address it listens on: the provider it trusts
/// (in demo mode, the demo provider at `http://addr`), and the receiver
/// with its marker store.
#[derive(Debug)]
pub struct Setup {
    /// The demo provider, in demo mode: its routes and the demo session.
    pub demo: Option<DemoProvider>,
    /// Whose tokens the example accepts, and whether it serves
    /// `POST /login`.
    pub provider: Provider,
    /// One line naming the mode, for the start-up log.
    pub mode: String,
    /// The endpoint's receiver.
    pub receiver: SharedReceiver,
    /// The logged-out markers: the receiver writes them, the adapter's
    /// per-request check reads them.
    pub markers: MarkerStore,
}

/// Builds the [`Setup`] for a listener bound to `addr`.
///
/// The provider's tokens: its issuer, this client, the algorithms it
/// registered; keys by discovery, from a JWKS URL or a file
/// ([`key_source`]). The replay guard, and one marker store: the receiver
/// writes a logout to it, the adapter's check reads it on every request.
/// Its TTL (24 h) is the longest a login lasts. In memory for one
/// instance; on Redis (`BCL_REDIS_URL`) shared by every instance
/// ([`stores`]).
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] for a configuration error (the
/// provider's keys unreachable at start, Redis unreachable).
pub async fn setup(config: Config, addr: SocketAddr) -> io::Result<Setup> {
    let (demo, provider, mode) = match config.mode {
        Mode::Demo => {
            let demo = DemoProvider::new(addr, &config.algorithms);
            let provider = demo.provider();
            (Some(demo), provider, "demo mode".to_owned())
        }
        Mode::Provider(provider) => {
            let mode = format!(
                "issuer {}, client id {}",
                provider.issuer.as_str(),
                provider.client_id.as_str()
            );
            (None, provider, mode)
        }
    };
    let validator = Validator::builder(provider.issuer.clone(), provider.client_id.clone())
        .algorithms(config.algorithms.iter().copied())
        .build()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let keys = key_source(&provider, &validator).await?;
    let (replay, markers) = stores(config.redis.as_ref()).await?;
    let receiver = Receiver::new(validator, keys, replay, markers.clone()).shared();
    Ok(Setup {
        demo,
        provider,
        mode,
        receiver,
        markers,
    })
}

/// The key source the configuration names: the JWKS file, or the key set
/// URL or discovery, fetched once now so that a wrong issuer or an
/// unreachable provider stops the program at start.
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`], with the variable at fault named, when
/// the key source cannot be built or its first fetch fails: a configuration
/// error (exit status 2, see [`run`]).
pub async fn key_source(provider: &Provider, validator: &Validator) -> io::Result<ProviderKeys> {
    let (variable, builder) = match &provider.keys {
        Keys::File(keys) => {
            return Ok(ProviderKeys::from_key_set(
                provider.issuer.clone(),
                keys.clone(),
            ));
        }
        Keys::Uri(uri) => (
            "BCL_JWKS_URI",
            JwksKeySource::builder().jwks_uri(provider.issuer.clone(), uri.clone()),
        ),
        Keys::Discovery => (
            "BCL_ISSUER",
            JwksKeySource::builder().issuer_discovery(provider.issuer.clone()),
        ),
    };
    let bad = |e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{variable}: {e}"))
    };
    let source = builder
        .allowed_algorithms_for(&provider.issuer, validator.algorithms())
        .build()
        .map_err(|e| bad(&e))?;
    source.start().await.map_err(|e| bad(&e))?;
    Ok(ProviderKeys::Fetched(source))
}

/// The `GET /whoami` answer of the examples' contract.
#[must_use]
pub fn whoami(session: Option<&SessionRecord>) -> Value {
    match session {
        Some(s) => json!({
            "authenticated": true,
            "iss": s.issuer(),
            "sub": s.sub(),
            "sid": s.sid(),
        }),
        None => json!({ "authenticated": false }),
    }
}

/// What [`run`] hands an example's `serve`: completes on Ctrl-C.
pub type Shutdown = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Every example's `main`, once its runtime runs: reads the configuration,
/// starts logging, listens on `BCL_LISTEN`, and calls `serve` with the
/// listener, the configuration and the Ctrl-C signal, until it returns. A
/// bad configuration is one line on standard error, `NAME: BCL_X: ...`,
/// and exit status 2; another failure exit status 1.
pub async fn run<F, Fut>(name: &str, serve: F) -> ExitCode
where
    F: FnOnce(tokio::net::TcpListener, Config, Shutdown) -> Fut,
    Fut: std::future::Future<Output = io::Result<()>>,
{
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    let listener = match listen(config.listen) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "{name}: BCL_LISTEN: cannot listen on {}: {error}",
                config.listen
            );
            return ExitCode::from(2);
        }
    };
    let shutdown = Box::pin(async {
        // If the signal cannot be watched, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    });
    match serve(listener, config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: {error}");
            exit_code(&error)
        }
    }
}

/// How many connections the kernel holds for an example before it accepts
/// them (capped by `net.core.somaxconn`, 4096 on current Linux). The
/// standard library's and Tokio's `bind` ask for 128: a thousand clients
/// connecting at once then overflow the queue, and each one dropped waits
/// for its SYN to be sent again, a second later.
pub const BACKLOG: u32 = 4096;

/// Listens on `addr` with a queue of [`BACKLOG`] connections.
///
/// # Errors
///
/// When the address cannot be bound (in use, not local) or listened on.
pub fn listen(addr: SocketAddr) -> io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As `TcpListener::bind`: a restarted example takes its port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Says the example started: one log line naming the address and the
/// mode, and the demo banner (if any) on standard output.
pub fn announce(name: &str, addr: SocketAddr, mode: &str, banner: &str) {
    tracing::info!("{name} listening on http://{addr} ({mode})");
    if !banner.is_empty() {
        println!("{banner}");
    }
}

/// Logs to standard error (`RUST_LOG`, default `info`), colours only on a
/// terminal. Rocket's own records (it logs through `log`, forwarded here)
/// only from `error`: its launch banner would name its loopback port behind
/// the example's front, not `BCL_LISTEN`.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,tower_sessions=warn,actix_server=warn,rocket=error",
        )
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .init();
}

/// The exit status for an error that stopped the program: 2 for a
/// configuration error (a wrong variable, the provider's keys unreachable
/// at start), 1 otherwise.
fn exit_code(error: &io::Error) -> ExitCode {
    if error.kind() == io::ErrorKind::InvalidInput {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}
