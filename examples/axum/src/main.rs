//! `example-axum`: see the crate docs and `examples/README.md`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    example_support::run("example-axum", example_axum::serve).await
}
