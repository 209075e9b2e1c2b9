//! `bclogout`: test OpenID Connect Back-Channel Logout relying parties, and
//! validate logout tokens offline exactly as a relying party's endpoint
//! would.
//!
//! ```sh
//! # A conformance run against any relying party's logout endpoint, with
//! # bclogout as the provider (discovery and JWKS served on loopback):
//! bclogout check http://127.0.0.1:3000/backchannel-logout --client-id my-client
//! # The pieces: a key, a token (good, or with --nonce, --alg-none, ...),
//! # posting it, looking inside it, validating it.
//! bclogout keygen --alg ES256 --out key.pem > jwks.json
//! bclogout mint --key key.pem --issuer https://op.example --client-id my-client --sid s1 > token
//! bclogout send http://127.0.0.1:3000/backchannel-logout @token
//! bclogout inspect @token
//! bclogout validate --issuer https://op.example --client-id my-client --jwks jwks.json --alg ES256 @token
//! ```
//!
//! One module per command: [`keygen`], [`mint`], [`send`], [`inspect`],
//! [`check`], [`validate_cmd`], [`mod@bench`]. The provider's side (its keys,
//! its tokens good and bad) is in [`token`], built on the testkit's signing
//! keys; posting as a provider in [`post`]. The protocol itself lives in the
//! `backchannel-logout` crate: `inspect` and `validate` run its validator,
//! nothing here re-checks a token. This binary reads files, standard input
//! and the clock, talks HTTP, and turns outcomes into output and an exit
//! status (see [`exit`]).
#![forbid(unsafe_code)]

mod args;
mod bench;
mod check;
mod exit;
mod input;
mod inspect;
mod keygen;
mod mint;
mod output;
mod post;
mod send;
mod token;
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
        Command::Keygen(args) => keygen::run(args),
        Command::Mint(args) => mint::run(args),
        Command::Send(args) => send::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Check(args) => check::run(args),
    };
    exit::finish(result)
}
