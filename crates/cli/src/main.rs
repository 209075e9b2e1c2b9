//! `bclogout`: validate OpenID Connect Back-Channel Logout tokens offline,
//! from a JWKS file, exactly as a relying party's logout endpoint would, and
//! time that validation.
//!
//! The protocol lives in the `backchannel-logout` crate; this binary reads
//! files, standard input and the clock, and turns the outcome into JSON and
//! an exit status (see [`exit`]).
#![forbid(unsafe_code)]

mod args;
mod bench;
mod exit;
mod input;
mod output;
mod validate_cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    // Usage errors end here with status 2, printed by clap.
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Validate(args) => validate_cmd::run(args),
        Command::Bench(args) => bench::run(args),
    };
    exit::finish(result)
}
