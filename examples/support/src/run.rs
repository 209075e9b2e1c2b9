//! What every example's `main` and server loop do alike, whatever the
//! framework: read the configuration, listen, stop on Ctrl-C, exit with
//! the contract's status; accept connections through a passing failure.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

use crate::{Config, exit_code, init_logging};

/// The future that completes on Ctrl-C (never, if the signal cannot be
/// watched).
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An example's `main`: the configuration from the environment (a bad one
/// stops with one line naming the variable, exit status 2), logging, the
/// listener on `BCL_LISTEN`, then `serve` until Ctrl-C. Messages start
/// with `name`.
pub async fn run<F, Fut>(name: &str, serve: F) -> ExitCode
where
    F: FnOnce(TcpListener, Config, Shutdown) -> Fut,
    Fut: Future<Output = io::Result<()>>,
{
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    let listener = match TcpListener::bind(config.listen).await {
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

/// The next connection on `listener`. A failed `accept` (too many open
/// files, say) is logged and retried after a pause, rather than ending the
/// server.
pub async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// The start-up lines of the contract: one log line naming the address
/// and the mode, then the demo banner (if any) on standard output.
pub fn announce(name: &str, addr: std::net::SocketAddr, mode: &str, banner: &str) {
    tracing::info!("{name} listening on http://{addr} ({mode})");
    if !banner.is_empty() {
        println!("{banner}");
    }
}
