//! `example-actix`: see the crate docs and `examples/README.md`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use example_actix::serve;
use example_support::{Config, exit_code, init_logging};

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("example-actix: {error}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    actix_web::rt::System::new().block_on(async move {
        let listener = match tokio::net::TcpListener::bind(config.listen).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!(
                    "example-actix: BCL_LISTEN: cannot listen on {}: {error}",
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
                eprintln!("example-actix: {error}");
                exit_code(&error)
            }
        }
    })
}
