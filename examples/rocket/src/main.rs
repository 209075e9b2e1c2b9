//! `example-rocket`: see the crate docs and `examples/README.md`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use example_rocket::serve;
use example_support::run;

#[tokio::main]
async fn main() -> ExitCode {
    run("example-rocket", serve).await
}
