//! Why a logout token was refused.
//!
//! One enum, [`Error`], with a variant per failed check. Every variant carries
//! only context that is safe to log and to show the provider (a `kid`, an
//! algorithm name, the issuer the token claimed), never key material and never
//! the token itself. [`Error::code`] gives a stable short code for machines.

use std::fmt;

/// Which part of a compact JWS a parsing error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The JOSE header (first segment).
    Header,
    /// The claims set (second segment).
    Claims,
    /// The signature (third segment).
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Claims => "claims",
            Part::Signature => "signature",
        })
    }
}

/// The JSON type a registered claim or header parameter must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// A JSON string.
    String,
    /// A JSON number (a NumericDate for time claims).
    Number,
    /// A JSON object.
    Object,
    /// A string or an array of strings (`aud`).
    StringOrArray,
    /// An array of strings (`crit`).
    StringArray,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::String => "a string",
            Expected::Number => "a number",
            Expected::Object => "a JSON object",
            Expected::StringOrArray => "a string or an array of strings",
            Expected::StringArray => "an array of strings",
        })
    }
}

/// A logout token failed validation.
///
/// Variants are ordered roughly as the checks run: form, header, key,
/// signature, claims. The `Display` text is lower case, safe to show the
/// provider and names the failed check; [`Error::code`] is a stable
/// identifier for logs, metrics and the HTTP error body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token is larger than the validator's configured maximum.
    #[error("token of {len} bytes exceeds the limit of {max} bytes")]
    TokenTooLarge {
        /// Size of the token received.
        len: usize,
        /// Configured maximum.
        max: usize,
    },

    /// The token has five segments: it is an encrypted JWT (JWE), which this
    /// library does not decrypt.
    #[error("encrypted (JWE) logout tokens are not supported")]
    EncryptedToken,

    /// The token is not three dot-separated segments.
    #[error(
        "token has {found} {noun}, a signed JWT has exactly 3",
        noun = if *.found == 1 { "segment" } else { "segments" }
    )]
    SegmentCount {
        /// Number of segments found.
        found: usize,
    },

    /// A segment is not unpadded base64url (padding, whitespace, the standard
    /// alphabet and non-canonical trailing bits are all refused).
    #[error("{part} is not valid unpadded base64url")]
    Base64 {
        /// The offending segment.
        part: Part,
    },

    /// A segment is not valid JSON, or not a JSON object.
    #[error("{part} is not a JSON object")]
    NotJsonObject {
        /// The offending segment.
        part: Part,
    },

    /// A segment's JSON nests deeper than allowed.
    #[error("{part} JSON nests deeper than {max} levels")]
    JsonTooDeep {
        /// The offending segment.
        part: Part,
        /// The limit.
        max: usize,
    },

    /// A member name appears twice in the header or the claims.
    #[error("{part} has the member {name:?} more than once")]
    DuplicateMember {
        /// Which segment.
        part: Part,
        /// The repeated name.
        name: String,
    },

    /// The header has no `alg`.
    #[error("header has no alg")]
    MissingAlgorithm,

    /// The header says `alg: none` (in any spelling): unsigned tokens are
    /// never accepted.
    #[error("unsigned token (alg none) refused")]
    AlgorithmNone,

    /// The header's `alg` is not one this library implements.
    #[error("unsupported signature algorithm {alg:?}")]
    UnsupportedAlgorithm {
        /// The algorithm named by the token.
        alg: String,
    },

    /// The algorithm is implemented but not among those this relying party
    /// registered (RS256 only by default).
    #[error("signature algorithm {alg} is not allowed for this client")]
    AlgorithmNotAllowed {
        /// The algorithm named by the token.
        alg: String,
    },

    /// The header's `typ` is not a logout token's type.
    #[error("header typ {typ:?} is not a logout token type")]
    InvalidType {
        /// The `typ` found.
        typ: String,
    },

    /// The header lists a critical extension this library does not
    /// understand (RFC 7515 §4.1.11).
    #[error("header marks {name:?} critical, which is not understood")]
    UnsupportedCritical {
        /// The first critical parameter not understood.
        name: String,
    },

    /// A header parameter has the wrong JSON type.
    #[error("header parameter {name} must be {expected}")]
    InvalidHeader {
        /// The parameter.
        name: &'static str,
        /// What it must be.
        expected: Expected,
    },

    /// No key in the key set matches the token's `kid` (or, without a
    /// `kid`, no key fits the algorithm). A key source may refresh its keys
    /// once and retry.
    #[error("no key found {} and alg {alg}", KidText(.kid))]
    KeyNotFound {
        /// The `kid` from the header, if any.
        kid: Option<String>,
        /// The algorithm from the header.
        alg: String,
    },

    /// The token has no `kid` and more than one key could verify it.
    #[error("token has no kid and {candidates} keys fit alg {alg}")]
    KidRequired {
        /// The algorithm from the header.
        alg: String,
        /// How many keys fit.
        candidates: usize,
    },

    /// The `kid` names a key of the key set that is excluded from
    /// verification (`use` not `sig`, `key_ops` without `verify`, a weak or
    /// unsupported key), or the chosen key proved unusable on its first use
    /// (an Ed25519 key that is no point of the curve, not canonically
    /// encoded, or of small order); `kid` is then empty if the key has none.
    #[error("key {kid:?} is not usable for verification: {reason}")]
    KeyUnusable {
        /// The `kid`.
        kid: String,
        /// Why the key was excluded.
        reason: String,
    },

    /// The key the `kid` names declares another `alg` than the token's.
    #[error("the key {} is for {key_alg}, the token says {alg}", KidText(.kid))]
    KeyAlgorithmMismatch {
        /// The `kid`, if any.
        kid: Option<String>,
        /// The key's `alg`.
        key_alg: String,
        /// The token's `alg`.
        alg: String,
    },

    /// The key the `kid` names is of a type that cannot verify the token's
    /// algorithm (an RSA key for an HMAC token: algorithm confusion).
    #[error("the key {} is of type {key_type}, which cannot verify alg {alg}", KidText(.kid))]
    KeyTypeMismatch {
        /// The `kid`, if any.
        kid: Option<String>,
        /// The key type (`RSA`, `EC P-256`, ...).
        key_type: &'static str,
        /// The token's `alg`.
        alg: String,
    },

    /// The signature does not verify with the selected key.
    #[error("signature does not verify with the key {} (alg {alg})", KidText(.kid))]
    InvalidSignature {
        /// The `kid` of the key tried, if any.
        kid: Option<String>,
        /// The algorithm.
        alg: String,
    },

    /// A registered claim is missing.
    #[error("claim {name} is missing")]
    MissingClaim {
        /// The claim.
        name: &'static str,
    },

    /// A registered claim has the wrong JSON type.
    #[error("claim {name} must be {expected}")]
    InvalidClaimType {
        /// The claim.
        name: &'static str,
        /// What it must be.
        expected: Expected,
    },

    /// A string claim that identifies something (`jti`, `sub`, `sid`) is empty.
    #[error("claim {name} is empty")]
    EmptyClaim {
        /// The claim.
        name: &'static str,
    },

    /// A NumericDate is negative, not finite, or beyond the year 9999.
    #[error("claim {name} is not a valid NumericDate")]
    InvalidNumericDate {
        /// The claim.
        name: &'static str,
    },

    /// `iss` is not the configured issuer (compared exactly).
    #[error("issuer {found:?} is not the expected issuer")]
    IssuerMismatch {
        /// The issuer the token claimed (truncated to 256 bytes).
        found: String,
    },

    /// `aud` does not contain this client's id.
    #[error("audience does not include this client")]
    AudienceMismatch,

    /// Several audiences, and `azp` is not this client's id.
    #[error("azp is not this client")]
    AuthorizedPartyMismatch,

    /// `exp` (plus leeway) has passed.
    #[error("token expired at {exp}, now is {now}")]
    Expired {
        /// `exp`, seconds since the epoch.
        exp: u64,
        /// The time of validation.
        now: u64,
    },

    /// `iat` is in the future beyond the leeway.
    #[error("token issued in the future ({iat}), now is {now}")]
    IssuedInFuture {
        /// `iat`, seconds since the epoch.
        iat: u64,
        /// The time of validation.
        now: u64,
    },

    /// `iat` is older than the configured maximum age (plus leeway).
    #[error("token issued at {iat} is older than the maximum age of {max_age} s")]
    TooOld {
        /// `iat`, seconds since the epoch.
        iat: u64,
        /// The configured maximum age in seconds.
        max_age: u64,
    },

    /// `nbf` is in the future beyond the leeway.
    #[error("token not valid before {nbf}, now is {now}")]
    NotYetValid {
        /// `nbf`, seconds since the epoch.
        nbf: u64,
        /// The time of validation.
        now: u64,
    },

    /// `events` lacks the back-channel logout member
    /// `http://schemas.openid.net/event/backchannel-logout`.
    #[error("events has no back-channel logout event")]
    MissingLogoutEvent,

    /// The back-channel logout event's value is not a JSON object.
    #[error("the back-channel logout event must be a JSON object")]
    InvalidLogoutEvent,

    /// Neither `sub` nor `sid` is present.
    #[error("token has neither sub nor sid")]
    MissingSubjectAndSession,

    /// This client requires `sid` (`backchannel_logout_session_required`)
    /// and the token has none.
    #[error("sid is required and missing")]
    MissingSessionId,

    /// A `nonce` is present: logout tokens must not carry one (it keeps an
    /// ID token from passing as a logout token).
    #[error("nonce must not be present in a logout token")]
    NoncePresent,

    /// The token's issuer is not one of those a [`crate::ValidatorSet`]
    /// knows.
    #[error("issuer {found:?} is not configured")]
    UnknownIssuer {
        /// The issuer the token claimed (unverified, truncated to 256 bytes).
        found: String,
    },
}

impl Error {
    /// A stable, short, machine-readable code for this failure, suitable
    /// for metrics labels and the `error_description` of the HTTP answer.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::TokenTooLarge { .. } => "token_too_large",
            Error::EncryptedToken => "encrypted_token",
            Error::SegmentCount { .. } => "malformed_token",
            Error::Base64 { .. } => "invalid_base64",
            Error::NotJsonObject { .. } => "invalid_json",
            Error::JsonTooDeep { .. } => "json_too_deep",
            Error::DuplicateMember { .. } => "duplicate_member",
            Error::MissingAlgorithm => "missing_alg",
            Error::AlgorithmNone => "alg_none",
            Error::UnsupportedAlgorithm { .. } => "unsupported_alg",
            Error::AlgorithmNotAllowed { .. } => "alg_not_allowed",
            Error::InvalidType { .. } => "invalid_typ",
            Error::UnsupportedCritical { .. } => "unsupported_crit",
            Error::InvalidHeader { .. } => "invalid_header",
            Error::KeyNotFound { .. } => "key_not_found",
            Error::KidRequired { .. } => "kid_required",
            Error::KeyUnusable { .. } => "key_unusable",
            Error::KeyAlgorithmMismatch { .. } => "key_alg_mismatch",
            Error::KeyTypeMismatch { .. } => "key_type_mismatch",
            Error::InvalidSignature { .. } => "invalid_signature",
            Error::MissingClaim { .. } => "missing_claim",
            Error::InvalidClaimType { .. } => "invalid_claim_type",
            Error::EmptyClaim { .. } => "empty_claim",
            Error::InvalidNumericDate { .. } => "invalid_numeric_date",
            Error::IssuerMismatch { .. } => "invalid_issuer",
            Error::AudienceMismatch => "invalid_audience",
            Error::AuthorizedPartyMismatch => "invalid_azp",
            Error::Expired { .. } => "token_expired",
            Error::IssuedInFuture { .. } => "iat_in_future",
            Error::TooOld { .. } => "token_too_old",
            Error::NotYetValid { .. } => "token_not_yet_valid",
            Error::MissingLogoutEvent => "missing_logout_event",
            Error::InvalidLogoutEvent => "invalid_logout_event",
            Error::MissingSubjectAndSession => "missing_sub_and_sid",
            Error::MissingSessionId => "missing_sid",
            Error::NoncePresent => "nonce_present",
            Error::UnknownIssuer { .. } => "unknown_issuer",
        }
    }

    /// Whether refreshing the key set (once) could make this token valid:
    /// the token names a key the current set does not hold.
    #[must_use]
    pub fn is_key_not_found(&self) -> bool {
        matches!(self, Error::KeyNotFound { .. })
    }
}

/// Marks the path that calls it as unlikely: a refusal. The compiler then
/// lays the accepting path out in one piece (`std::hint::cold_path`, for a
/// Rust older than 1.95).
#[cold]
#[inline(never)]
pub(crate) fn refusing() {}

/// A `kid` in a message: `kid "k1"` (quoted, escaped), or `without kid`;
/// never Rust's `Some("k1")`.
struct KidText<'a>(&'a Option<String>);

impl fmt::Display for KidText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(kid) => write!(f, "for kid {kid:?}"),
            None => f.write_str("for a token without kid"),
        }
    }
}

/// Truncate attacker-controlled text kept in an error, at a char boundary.
pub(crate) fn truncated(s: &str) -> String {
    const MAX: usize = 256;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default().to_owned()
}

/// A JWKS document could not be turned into a key set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The document is larger than [`crate::KeySet::MAX_JWKS_SIZE`].
    #[error("JWKS document of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The document is not JSON, or not an object with a `keys` array.
    #[error("JWKS document is not a JSON object with a \"keys\" array: {detail}")]
    InvalidDocument {
        /// What is wrong.
        detail: String,
    },
    /// No key in the document can verify signatures; the first skipped
    /// keys and their reasons are listed, the others counted.
    #[error("JWKS has no usable signature key ({})", describe_skipped(.skipped, *.skipped_count))]
    NoUsableKey {
        /// The first keys that were skipped, and why (at most
        /// [`crate::KeySet::MAX_SKIPPED_LISTED`]).
        skipped: Vec<crate::SkippedKey>,
        /// How many keys were skipped, listed or not.
        skipped_count: usize,
    },
}

fn describe_skipped(skipped: &[crate::SkippedKey], count: usize) -> String {
    if count == 0 {
        return "the keys array is empty".to_owned();
    }
    let mut text = skipped
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(more) = count.checked_sub(skipped.len()).filter(|&n| n > 0) {
        text.push_str(&format!("; and {more} more"));
    }
    text
}

/// A validator configuration was refused by `build()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The issuer is empty.
    #[error("issuer must not be empty")]
    EmptyIssuer,
    /// The client id is empty.
    #[error("client id must not be empty")]
    EmptyClientId,
    /// No algorithm is allowed.
    #[error("at least one signature algorithm must be allowed")]
    NoAlgorithm,
    /// The maximum age of `iat` is zero.
    #[error("maximum token age must be positive")]
    ZeroMaxAge,
    /// The maximum token size is zero.
    #[error("maximum token size must be positive")]
    ZeroMaxTokenSize,
    /// Two validators in a set have the same issuer.
    #[error("issuer {issuer:?} is configured twice")]
    DuplicateIssuer {
        /// The repeated issuer.
        issuer: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_kid_as_a_value_never_as_an_option() {
        let with = Error::InvalidSignature {
            kid: Some("k1".into()),
            alg: "RS256".into(),
        };
        assert_eq!(
            with.to_string(),
            "signature does not verify with the key for kid \"k1\" (alg RS256)"
        );
        let without = Error::KeyNotFound {
            kid: None,
            alg: "ES256".into(),
        };
        assert_eq!(
            without.to_string(),
            "no key found for a token without kid and alg ES256"
        );
        for e in [
            with,
            without,
            Error::KeyTypeMismatch {
                kid: Some("k".into()),
                key_type: "RSA",
                alg: "HS256".into(),
            },
            Error::KeyAlgorithmMismatch {
                kid: None,
                key_alg: "RS256".into(),
                alg: "PS256".into(),
            },
        ] {
            assert!(!e.to_string().contains("Some("), "{e}");
            assert!(!e.to_string().contains("None"), "{e}");
        }
    }
}
