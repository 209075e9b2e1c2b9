//! How a run ends: every failure, its exit status and what it prints.
//!
//! Status 0: done (a valid token). Status 1: the token was refused. Status 2:
//! the tool could not do its job (bad flags, a configuration the library
//! refuses, a file it cannot read or use, output it cannot write). Clap
//! reports its own usage errors with status 2 as well.

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use backchannel_logout::{ConfigError, Error, HmacSecretTooShort, JwksError};

use crate::output;

/// Why a run did not succeed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The token failed a check: the one outcome with status 1.
    Refused(Error),
    /// The flags describe a configuration the library refuses (an empty
    /// issuer, a zero maximum age).
    Config(ConfigError),
    /// A usage problem found after parsing (no token, an empty token).
    Usage(String),
    /// A file or standard input could not be read.
    Read {
        /// What was being read, for the message.
        what: &'static str,
        /// The path, or `None` for standard input.
        path: Option<PathBuf>,
        /// Why.
        source: io::Error,
    },
    /// An input is larger than the tool reads.
    TooLarge {
        /// What was being read.
        what: &'static str,
        /// The limit in bytes.
        max: usize,
    },
    /// The JWKS file is not a usable key set.
    Jwks {
        /// The file.
        path: PathBuf,
        /// Why.
        error: JwksError,
    },
    /// The HMAC secret is too short.
    HmacSecret {
        /// The file.
        path: PathBuf,
        /// Why.
        error: HmacSecretTooShort,
    },
    /// Standard output could not be written (a closed pipe).
    Write(io::Error),
}

impl Failure {
    /// The process exit status for this failure.
    fn status(&self) -> u8 {
        match self {
            Failure::Refused(_) => 1,
            Failure::Config(_)
            | Failure::Usage(_)
            | Failure::Read { .. }
            | Failure::TooLarge { .. }
            | Failure::Jwks { .. }
            | Failure::HmacSecret { .. }
            | Failure::Write(_) => 2,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused(e) => write!(f, "token refused: {e} ({})", e.code()),
            Failure::Config(e) => write!(f, "invalid configuration: {e}"),
            Failure::Usage(msg) => f.write_str(msg),
            Failure::Read {
                what,
                path: Some(path),
                source,
            } => write!(f, "cannot read {what} {}: {source}", path.display()),
            Failure::Read {
                what,
                path: None,
                source,
            } => write!(f, "cannot read {what} from standard input: {source}"),
            Failure::TooLarge { what, max } => {
                write!(f, "{what} is larger than {max} bytes")
            }
            Failure::Jwks { path, error } => {
                write!(f, "cannot use JWKS file {}: {error}", path.display())
            }
            Failure::HmacSecret { path, error } => {
                write!(f, "cannot use HMAC secret file {}: {error}", path.display())
            }
            Failure::Write(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

/// Reports the outcome and turns it into the exit status.
pub(crate) fn finish(result: Result<(), Failure>) -> ExitCode {
    let Err(failure) = result else {
        return ExitCode::SUCCESS;
    };
    if let Failure::Refused(error) = &failure {
        // The machine-readable answer; if stdout is gone, stderr still says why.
        let _ = output::print_json(&output::error_json(error));
    }
    let _ = writeln!(io::stderr().lock(), "bclogout: {failure}");
    ExitCode::from(failure.status())
}
