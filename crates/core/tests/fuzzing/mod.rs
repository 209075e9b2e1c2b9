//! The properties the fuzz targets check, in one place: the fuzz crate
//! (`fuzz/`, outside the workspace) includes this file, and
//! `tests/fuzz_regressions.rs` runs every committed input (the seeds, and
//! each crash the fuzzer ever found) through the same functions.
//!
//! Each function panics when a property fails: that is what the fuzzer
//! reports as a crash.
#![allow(clippy::panic, dead_code, unreachable_pub)]

use std::sync::OnceLock;

use backchannel_logout::request::{DEFAULT_MAX_BODY, logout_token_from_form};
use backchannel_logout::{
    Algorithm, ClientId, Issuer, JwksError, KeySet, SkippedKey, UnixTime, Validator,
};

/// The issuer, client and time the genuine tokens were made for.
pub const ISSUER: &str = "https://op.example.com";
/// The client id the genuine tokens name.
pub const CLIENT: &str = "client-1";
/// The `iat` of the genuine tokens, and the time the fuzzed tokens are
/// validated at.
pub const NOW: u64 = 1_767_225_600;

/// The fixed key set: public keys only. Their private halves were thrown
/// away once the genuine tokens were signed (`fuzz_regressions.rs`,
/// `write_fuzzing_seeds`), so no one, the fuzzer least of all, can sign
/// another token with them.
pub const JWKS: &str = include_str!("jwks.json");

/// The tokens those keys signed, one per line.
pub const GENUINE: &str = include_str!("genuine.txt");

/// The algorithms the validator allows: every one the key set has a key
/// for.
pub const ALGORITHMS: [Algorithm; 5] = [
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The fixed key set, parsed once.
pub fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        KeySet::from_jwks(JWKS.as_bytes()).unwrap_or_else(|e| panic!("the fixed JWKS: {e}"))
    })
}

/// The validator every fuzzed token goes through.
pub fn validator() -> &'static Validator {
    // One validator for all inputs, as an endpoint has: its header memo
    // carries over from one token to the next.
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        Validator::builder(Issuer::new(ISSUER), ClientId::new(CLIENT))
            .algorithms(ALGORITHMS)
            .build()
            .unwrap_or_else(|e| panic!("the validator: {e}"))
    })
}

/// The genuine tokens.
pub fn genuine() -> impl Iterator<Item = &'static [u8]> {
    GENUINE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::as_bytes)
}

/// The JWS signing input: everything before the last `.`.
fn signing_input(token: &[u8]) -> Option<&[u8]> {
    let dot = token.iter().rposition(|&b| b == b'.')?;
    token.get(..dot)
}

/// Validates `data` as a logout token against the fixed key set. It must
/// never panic, and it must accept nothing the key holder did not sign:
/// an accepted token's signing input (header and claims, as sent) is that
/// of a genuine token. With RSA PKCS#1 v1.5 and Ed25519 (strict) there is
/// one valid signature per message, so the whole token is a genuine one;
/// PSS and ECDSA signatures are randomised (and ECDSA's `s` may be negated),
/// so for those only the signing input is compared.
pub fn validate_token(data: &[u8]) {
    if let Ok(token) = validator().validate(data, keys(), UnixTime::from_secs(NOW)) {
        check_accepted(data, token.algorithm());
    }
}

/// The check on a token the validator accepted with `alg`.
pub fn check_accepted(data: &[u8], alg: Algorithm) {
    let input = signing_input(data);
    let Some(original) = genuine().find(|g| signing_input(g) == input) else {
        panic!(
            "accepted a token no key holder signed: {:?}",
            String::from_utf8_lossy(data)
        );
    };
    let unique_signature = matches!(alg, Algorithm::RS256 | Algorithm::EdDSA);
    if unique_signature && original != data {
        panic!(
            "accepted a genuine {alg} token with another signature: {:?}",
            String::from_utf8_lossy(data)
        );
    }
}

/// Parses `data` as a JWKS document. It must never panic, and whatever the
/// document, the key set and its report stay within their bounds.
pub fn parse_jwks(data: &[u8]) {
    match KeySet::from_jwks(data) {
        Ok(keys) => {
            assert!(!keys.is_empty(), "a key set without a usable key");
            assert!(keys.len() <= KeySet::MAX_KEYS, "{} keys", keys.len());
            check_skipped(keys.skipped(), keys.skipped_count());
        }
        Err(JwksError::NoUsableKey {
            skipped,
            skipped_count,
        }) => check_skipped(&skipped, skipped_count),
        Err(JwksError::TooLarge { len, max }) => {
            assert!(len > max && len == data.len(), "too large: {len} > {max}");
        }
        Err(_) => {}
    }
}

fn check_skipped(listed: &[SkippedKey], count: usize) {
    assert!(listed.len() <= KeySet::MAX_SKIPPED_LISTED);
    assert!(listed.len() <= count, "{} listed of {count}", listed.len());
    for s in listed {
        assert!(s.reason.len() <= 256, "reason of {} bytes", s.reason.len());
        assert!(s.kid.as_ref().is_none_or(|k| k.len() <= 256));
    }
}

/// Extracts the `logout_token` from `data`: the content type up to the
/// first newline, then the body. It must never panic; an extracted token
/// is non-empty, comes from a form body within the limit, and is no longer
/// than the body's bytes decoded (each byte at most one U+FFFD).
pub fn parse_form(data: &[u8]) {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(nl) => (data.get(..nl), data.get(nl + 1..).unwrap_or_default()),
        None => (None, data),
    };
    let content_type = content_type.and_then(|c| std::str::from_utf8(c).ok());
    let Ok(token) = logout_token_from_form(content_type, body, DEFAULT_MAX_BODY) else {
        return;
    };
    assert!(!token.is_empty());
    assert!(body.len() <= DEFAULT_MAX_BODY);
    assert!(token.len() <= 3 * body.len());
    let essence = content_type
        .and_then(|c| c.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    assert!(essence.eq_ignore_ascii_case("application/x-www-form-urlencoded"));
}
