//! What the example relying parties (`examples/axum`, and the other
//! frameworks' as they come) share, and what a real application does not
//! need: the examples' environment contract ([`Config`]), demo mode (the
//! example playing its own provider, with the testkit's keys: [`demo`]),
//! the key source a configuration names ([`key_source`]), the stores it
//! names (in memory, or on Redis with `BCL_REDIS_URL`: [`stores`]), the `/whoami`
//! answer and the start-up chores ([`run`], an example's `main`). Each example's own code is then only
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
mod run;
mod stores;

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use backchannel_logout::{SessionRecord, Validator};
use backchannel_logout_jwks::{JwksKeySource, ProviderKeys};
use serde_json::{Value, json};

pub use config::{Config, ConfigError, DEFAULT_LISTEN, Keys, Mode, Provider};
pub use run::{Shutdown, accept, announce, run};
pub use stores::{MarkerStore, ReplayStore, stores};

/// The name of the session cookie, in every example.
pub const SESSION_COOKIE: &str = "id";

/// The key source the configuration names: the JWKS file, or the key set
/// URL or discovery, fetched once now so that a wrong issuer or an
/// unreachable provider stops the program at start.
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`], with the variable at fault named, when
/// the key source cannot be built or its first fetch fails: a configuration
/// error (exit status 2, see [`exit_code`]).
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

/// The provider the example trusts, demo mode's own (at `http://addr`,
/// signing with the first of `algorithms`) when `mode` is demo mode, and
/// the line naming the mode for the start-up log.
#[must_use]
pub fn provider(
    mode: Mode,
    addr: std::net::SocketAddr,
    algorithms: &[backchannel_logout::Algorithm],
) -> (Provider, Option<demo::DemoProvider>, String) {
    match mode {
        Mode::Demo => {
            let demo = demo::DemoProvider::new(addr, algorithms);
            (demo.provider(), Some(demo), "demo mode".to_owned())
        }
        Mode::Provider(provider) => {
            let mode = format!(
                "issuer {}, client id {}",
                provider.issuer.as_str(),
                provider.client_id.as_str()
            );
            (provider, None, mode)
        }
    }
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

/// Logs to standard error (`RUST_LOG`, default `info`), colours only on a
/// terminal. Rocket's own log records (it logs through `log`, forwarded
/// here) only from `error`: its launch banner would name its loopback
/// port behind the example's front, not `BCL_LISTEN`.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,tower_sessions=warn,rocket=error")
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
#[must_use]
pub fn exit_code(error: &io::Error) -> ExitCode {
    if error.kind() == io::ErrorKind::InvalidInput {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}
