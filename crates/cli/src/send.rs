//! `bclogout send`: one logout token POSTed as a provider would, the answer
//! printed.

use std::time::Duration;

use crate::args::SendArgs;
use crate::exit::Failure;
use crate::post::Poster;
use crate::{input, output};

/// Posts the token and prints the answer; only 200 is success.
pub(crate) fn run(args: &SendArgs) -> Result<(), Failure> {
    let token = input::read_token(Some(&args.token))?;
    let token = String::from_utf8(token)
        .map_err(|_| Failure::Usage("the token is not UTF-8 text".to_owned()))?;
    let poster = Poster::new(&args.url, Duration::from_secs(args.timeout))?;
    let answer = runtime()?
        .block_on(poster.post(&token, &[]))
        .map_err(|error| Failure::NoAnswer {
            url: poster.url().to_owned(),
            error,
        })?;
    output::print_text(&answer.text())?;
    if answer.status == 200 {
        Ok(())
    } else {
        Err(Failure::Unsuccessful(format!(
            "the relying party answered {} {}, not 200: the logout did not happen",
            answer.status, answer.reason
        )))
    }
}

/// A runtime on this thread, for the HTTP client (and `check`'s server).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))
}
