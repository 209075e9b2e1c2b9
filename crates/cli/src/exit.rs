//! How a run ends: every failure, its exit status and what it prints.
//!
//! Status 0: done (a valid token, an answer 200, every case passed).
//! Status 1: the token was refused, the relying party answered other than
//! 200, a conformance case failed. Status 2: the tool could not do its job
//! (bad flags, a configuration the library refuses, a file it cannot read,
//! use or write, no answer from the relying party, output it cannot write).
//! Clap reports its own usage errors with status 2 as well.

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use backchannel_logout::{ConfigError, Error, HmacSecretTooShort, JwksError};
use backchannel_logout_testkit::KeyError;

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
    /// The key file cannot be used.
    Key {
        /// The file.
        path: PathBuf,
        /// Why.
        error: KeyError,
    },
    /// A key could not be generated or derived.
    KeyGen(KeyError),
    /// A file could not be written.
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file to write exists and `--force` was not given.
    Exists(PathBuf),
    /// The relying party could not be reached, or did not answer in time.
    NoAnswer {
        /// The URL.
        url: String,
        /// Why.
        error: String,
    },
    /// The address to serve on cannot be used.
    Serve {
        /// The address.
        addr: String,
        /// Why.
        source: io::Error,
    },
    /// The outcome, already printed on stdout, is a failure: a refused
    /// token (`inspect`), an answer other than 200 (`send`), a failed
    /// case (`check`).
    Unsuccessful(String),
}

impl Failure {
    /// The process exit status for this failure.
    fn status(&self) -> u8 {
        match self {
            Failure::Refused(_) | Failure::Unsuccessful(_) => 1,
            Failure::Key { .. }
            | Failure::KeyGen(_)
            | Failure::WriteFile { .. }
            | Failure::Exists(_)
            | Failure::NoAnswer { .. }
            | Failure::Serve { .. }
            | Failure::Config(_)
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
            Failure::Key { path, error } => {
                write!(f, "cannot use key file {}: {error}", path.display())
            }
            Failure::KeyGen(error) => write!(f, "cannot make the key: {error}"),
            Failure::WriteFile { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            Failure::Exists(path) => {
                write!(f, "{} exists; pass --force to replace it", path.display())
            }
            Failure::NoAnswer { url, error } => write!(f, "no answer from {url}: {error}"),
            Failure::Serve { addr, source } => write!(f, "cannot serve on {addr}: {source}"),
            Failure::Unsuccessful(msg) => f.write_str(msg),
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
