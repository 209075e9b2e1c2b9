//! `example-axum`: see the crate docs and `examples/README.md`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use example_axum::serve;
use example_support::run;

#[tokio::main]
async fn main() -> ExitCode {
    run("example-axum", serve).await
}
