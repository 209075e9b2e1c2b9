//! `example-actix`: see the crate docs and `examples/README.md`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use example_actix::serve;
use example_support::run;

fn main() -> ExitCode {
    actix_web::rt::System::new().block_on(run("example-actix", serve))
}
