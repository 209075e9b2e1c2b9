//! Signature algorithms (RFC 7518 §3, RFC 8037, RFC 9864): their names, the
//! key each needs, and sets of them. Verification is in `crate::verify`.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A JWS signature algorithm this library verifies.
///
/// `none` is deliberately absent: it cannot be named, so it cannot be allowed.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the OpenID Connect default).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt length 32.
    PS256,
    /// RSASSA-PSS with SHA-384, MGF1 with SHA-384, salt length 48.
    PS384,
    /// RSASSA-PSS with SHA-512, MGF1 with SHA-512, salt length 64.
    PS512,
    /// ECDSA on P-256 with SHA-256; 64-byte `r || s` signatures.
    ES256,
    /// ECDSA on P-384 with SHA-384; 96-byte `r || s` signatures.
    ES384,
    /// EdDSA (RFC 8037); only Ed25519 keys are supported.
    EdDSA,
    /// Ed25519, the fully specified name (RFC 9864).
    Ed25519,
    /// HMAC with SHA-256, keyed by the client secret.
    HS256,
    /// HMAC with SHA-384, keyed by the client secret.
    HS384,
    /// HMAC with SHA-512, keyed by the client secret.
    HS512,
}

impl Algorithm {
    /// Every algorithm, in declaration order.
    pub const ALL: [Algorithm; 13] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
    ];

    /// The JWA name (`"RS256"`, ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::Ed25519 => "Ed25519",
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
        }
    }

    /// The kind of key that can verify this algorithm.
    #[must_use]
    pub const fn key_kind(self) -> KeyKind {
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyKind::Rsa,
            Algorithm::ES256 => KeyKind::P256,
            Algorithm::ES384 => KeyKind::P384,
            Algorithm::EdDSA | Algorithm::Ed25519 => KeyKind::Ed25519,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => KeyKind::Hmac,
        }
    }

    /// Parses the header's `alg`; JWA names are case-sensitive, but `none`
    /// is recognised in any case so that it gets its own error.
    pub(crate) fn from_header(s: &str) -> Result<Self, Error> {
        if s.eq_ignore_ascii_case("none") {
            return Err(Error::AlgorithmNone);
        }
        s.parse().map_err(|_| Error::UnsupportedAlgorithm {
            alg: crate::error::truncated(s),
        })
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name given is not a supported algorithm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported signature algorithm {0:?} (supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, Ed25519, HS256, HS384, HS512)"
)]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // A `match` on the name (by length, then bytes) rather than a walk
        // over `ALL`: this runs for every token's header.
        Ok(match s {
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "PS256" => Algorithm::PS256,
            "PS384" => Algorithm::PS384,
            "PS512" => Algorithm::PS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "EdDSA" => Algorithm::EdDSA,
            "Ed25519" => Algorithm::Ed25519,
            "HS256" => Algorithm::HS256,
            "HS384" => Algorithm::HS384,
            "HS512" => Algorithm::HS512,
            _ => return Err(UnknownAlgorithm(s.to_owned())),
        })
    }
}

/// A kind of verification key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA (RS* and PS*).
    Rsa,
    /// EC on P-256 (ES256).
    P256,
    /// EC on P-384 (ES384).
    P384,
    /// OKP Ed25519 (EdDSA, Ed25519).
    Ed25519,
    /// A shared secret (HS*).
    Hmac,
}

impl KeyKind {
    /// A short name for messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::P256 => "EC P-256",
            KeyKind::P384 => "EC P-384",
            KeyKind::Ed25519 => "OKP Ed25519",
            KeyKind::Hmac => "HMAC secret",
        }
    }
}

/// A set of allowed algorithms: what the relying party registered.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlgorithmSet(u16);

impl AlgorithmSet {
    /// The empty set.
    pub const EMPTY: AlgorithmSet = AlgorithmSet(0);

    /// Every supported algorithm. For tests and tools, not for production
    /// validators, which should allow what the client registered.
    pub const ALL: AlgorithmSet = AlgorithmSet((1 << Algorithm::ALL.len()) - 1);

    /// Whether `alg` is in the set.
    #[must_use]
    pub const fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }

    /// The set with `alg` added.
    #[must_use]
    pub const fn with(self, alg: Algorithm) -> Self {
        AlgorithmSet(self.0 | alg.bit())
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The algorithms in the set.
    pub fn iter(self) -> impl Iterator<Item = Algorithm> {
        Algorithm::ALL
            .into_iter()
            .filter(move |a| self.contains(*a))
    }
}

impl Default for AlgorithmSet {
    /// RS256 only: OpenID Connect's default `id_token_signed_response_alg`.
    fn default() -> Self {
        AlgorithmSet::EMPTY.with(Algorithm::RS256)
    }
}

impl FromIterator<Algorithm> for AlgorithmSet {
    fn from_iter<I: IntoIterator<Item = Algorithm>>(iter: I) -> Self {
        iter.into_iter()
            .fold(AlgorithmSet::EMPTY, AlgorithmSet::with)
    }
}

impl fmt::Debug for AlgorithmSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_in_any_case_is_its_own_error() {
        for s in ["none", "None", "NONE", "nOnE"] {
            assert_eq!(Algorithm::from_header(s), Err(Error::AlgorithmNone));
        }
    }

    #[test]
    fn names_are_case_sensitive() {
        assert!(matches!(
            Algorithm::from_header("rs256"),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        assert!(matches!(
            Algorithm::from_header("ES512"),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_header(a.name()), Ok(a));
        }
    }

    #[test]
    fn default_set_is_rs256_only() {
        let set = AlgorithmSet::default();
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![Algorithm::RS256]);
        assert!(AlgorithmSet::ALL.iter().count() == Algorithm::ALL.len());
    }
}
