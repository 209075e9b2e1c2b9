//! `example-rocket`: see the crate docs and `examples/README.md`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use example_rocket::serve;
use example_support::{Config, exit_code, init_logging};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("example-rocket: {error}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "example-rocket: BCL_LISTEN: cannot listen on {}: {error}",
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
            eprintln!("example-rocket: {error}");
            exit_code(&error)
        }
    }
}
