//! Reading what the tool works on: the token, the key set, the HMAC secret.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::time::SystemTime;

use backchannel_logout::{KeySet, UnixTime};

use crate::args::ValidatorArgs;
use crate::exit::Failure;

/// Most bytes read as a token. The validator refuses anything over 16 KiB
/// anyway (`token_too_large`); this only keeps a stray file from filling
/// memory.
const MAX_TOKEN_INPUT: usize = 1024 * 1024;

/// Most bytes read as an HMAC secret.
const MAX_SECRET: usize = 64 * 1024;

/// Reads the token: the argument itself, `-` for standard input, `@FILE`
/// for a file, or standard input when no argument was given and it is not
/// a terminal. Surrounding whitespace is removed.
pub(crate) fn read_token(arg: Option<&str>) -> Result<Vec<u8>, Failure> {
    let raw = match arg {
        Some("-") => read_stdin()?,
        None if io::stdin().is_terminal() => {
            return Err(Failure::Usage(
                "no token given: pass TOKEN, `-` to read it from standard input, or @FILE"
                    .to_owned(),
            ));
        }
        None => read_stdin()?,
        // A JWT never starts with `@`: base64url has no such character.
        Some(arg) => match arg.strip_prefix('@') {
            Some(path) => read_file("token file", Path::new(path), MAX_TOKEN_INPUT)?,
            None => arg.as_bytes().to_vec(),
        },
    };
    let token = raw.trim_ascii();
    if token.is_empty() {
        return Err(Failure::Usage("the token is empty".to_owned()));
    }
    Ok(token.to_vec())
}

fn read_stdin() -> Result<Vec<u8>, Failure> {
    read_limited(io::stdin().lock(), MAX_TOKEN_INPUT)
        .map_err(|source| Failure::Read {
            what: "the token",
            path: None,
            source,
        })?
        .ok_or(Failure::TooLarge {
            what: "the token on standard input",
            max: MAX_TOKEN_INPUT,
        })
}

/// Reads at most `max` bytes of a file.
pub(crate) fn read_file(what: &'static str, path: &Path, max: usize) -> Result<Vec<u8>, Failure> {
    let read_error = |source| Failure::Read {
        what,
        path: Some(path.to_owned()),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    read_limited(file, max)
        .map_err(read_error)?
        .ok_or(Failure::TooLarge { what, max })
}

/// Reads at most `max` bytes; `None` if there is more.
fn read_limited(reader: impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(limit).read_to_end(&mut buf)?;
    Ok((buf.len() <= max).then_some(buf))
}

/// The key set the flags name: the JWKS file, plus the HMAC secret if any.
pub(crate) fn load_keys(args: &ValidatorArgs) -> Result<KeySet, Failure> {
    load_key_files(
        args.jwks.as_deref(),
        args.options.hmac_secret_file.as_deref(),
    )
}

/// The key set in a JWKS file, plus an HMAC secret file if any.
pub(crate) fn load_key_files(
    jwks: Option<&Path>,
    hmac_secret_file: Option<&Path>,
) -> Result<KeySet, Failure> {
    let mut keys = match jwks {
        Some(path) => load_jwks(path)?,
        None => KeySet::new(),
    };
    if let Some(path) = hmac_secret_file {
        let mut secret = read_file("HMAC secret file", path, MAX_SECRET)?;
        // Editors and `echo` end files with a newline; the secret does not.
        if secret.last() == Some(&b'\n') {
            secret.pop();
            if secret.last() == Some(&b'\r') {
                secret.pop();
            }
        }
        keys.add_hmac_secret(None, &secret)
            .map_err(|error| Failure::HmacSecret {
                path: path.to_owned(),
                error,
            })?;
    }
    Ok(keys)
}

fn load_jwks(path: &Path) -> Result<KeySet, Failure> {
    let document = read_file("JWKS file", path, KeySet::MAX_JWKS_SIZE)?;
    KeySet::from_jwks(&document).map_err(|error| Failure::Jwks {
        path: path.to_owned(),
        error,
    })
}

/// The system clock, which only the command line reads.
pub(crate) fn system_now() -> UnixTime {
    UnixTime::from_system_time(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_limited_refuses_more_than_the_limit() {
        assert_eq!(
            read_limited(&b"abc"[..], 3).ok(),
            Some(Some(b"abc".to_vec()))
        );
        assert_eq!(read_limited(&b"abcd"[..], 3).ok(), Some(None));
    }
}
