//! `example-axum`: see the crate docs and the shared examples contract.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;

use example_axum::{Config, serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_vars(std::env::vars_os()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("example-axum: {error}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_sessions=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "example-axum: BCL_LISTEN: cannot listen on {}: {error}",
                config.listen
            );
            return ExitCode::from(2);
        }
    };
    let shutdown = async {
        // If the signal cannot be watched, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    match serve(listener, config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("example-axum: {error}");
            // The provider's keys could not be had at start: a configuration
            // error like any other.
            if error.kind() == std::io::ErrorKind::InvalidInput {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
