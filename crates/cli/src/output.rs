//! What the tool prints: JSON on stdout, notes on stderr.

use std::io::{self, Write};

use backchannel_logout::{Error, KeySet, LogoutScope, LogoutToken};
use serde_json::{Value, json};

use crate::exit::Failure;

/// The validated claims, as `validate` prints them.
pub(crate) fn claims_json(token: &LogoutToken) -> Value {
    let scope = match token.scope() {
        LogoutScope::Session { .. } => "session",
        LogoutScope::Subject { .. } => "subject",
    };
    json!({
        "issuer": token.issuer(),
        "audiences": token.audiences(),
        "subject": token.subject(),
        "session_id": token.session_id(),
        "issued_at": token.issued_at().as_secs(),
        "expires_at": token.expires_at().map(|t| t.as_secs()),
        "jti": token.jti(),
        "event": token.event(),
        "other_claims": token.other_claims(),
        "algorithm": token.algorithm().name(),
        "kid": token.kid(),
        "scope": scope,
        "remember_jti_until": token.remember_jti_until().as_secs(),
    })
}

/// The error body a relying party answers a refused token with (§2.8).
pub(crate) fn error_json(error: &Error) -> Value {
    json!({
        "error": error.code(),
        "error_description": error.to_string(),
    })
}

/// Prints a JSON value on stdout, pretty, with a final newline.
pub(crate) fn print_json(value: &Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    print_text(&text)
}

/// Prints text on stdout, with a final newline.
pub(crate) fn print_text(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(Failure::Write)
}

/// A note on stderr for each listed JWKS key that will not verify
/// anything (the usual cause of a `key_not_found` or `key_unusable`
/// refusal), and one line counting the unlisted rest.
pub(crate) fn note_skipped_keys(keys: &KeySet) {
    let mut err = io::stderr().lock();
    for skipped in keys.skipped() {
        let _ = writeln!(err, "bclogout: note: skipped JWKS {skipped}");
    }
    let unlisted = keys.skipped_count().saturating_sub(keys.skipped().len());
    if unlisted > 0 {
        let _ = writeln!(
            err,
            "bclogout: note: skipped {unlisted} more JWKS keys (not listed)"
        );
    }
}

/// A note on stderr.
pub(crate) fn note(text: &str) {
    let _ = writeln!(io::stderr().lock(), "bclogout: note: {text}");
}
