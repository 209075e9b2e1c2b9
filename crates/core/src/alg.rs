//! Signature algorithms (RFC 7518 §3, RFC 8037, RFC 9864) and their verification.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};

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

/// An RSA public key, checked when the key set is built, whose verifying
/// keys are built on first use and kept.
///
/// Building a verifying key costs a modular reduction over the modulus
/// (about as much as parsing the rest of a JWKS document), and a provider's
/// key set usually holds keys that never sign a logout token (rotated-out
/// keys, encryption keys of other clients). So `from_jwks` checks every
/// property the RSA crates check (size, odd modulus, odd exponent in
/// `3..2^33`) and defers only the arithmetic; a key that passed those checks
/// is then always built.
#[derive(Clone)]
pub(crate) struct RsaKey {
    /// Big-endian, no leading zero byte.
    n: Box<[u8]>,
    /// Big-endian, no leading zero byte.
    e: Box<[u8]>,
    verifiers: RsaVerifiers,
}

/// The largest public exponent accepted (as the `rsa` crate and AWS-LC).
const RSA_MAX_EXPONENT: u64 = (1 << 33) - 1;

impl RsaKey {
    /// Checks a modulus and an exponent (big-endian, without leading zero
    /// bytes) whose modulus size the caller has checked.
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Result<Self, String> {
        if n.last().is_none_or(|b| b & 1 == 0) {
            return Err("RSA modulus is even".to_owned());
        }
        if e.len() > 8 {
            return Err("RSA public exponent is over 2^33".to_owned());
        }
        let exponent = e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        if exponent > RSA_MAX_EXPONENT {
            return Err("RSA public exponent is over 2^33".to_owned());
        }
        if exponent < 3 || exponent & 1 == 0 {
            return Err(format!(
                "RSA public exponent {exponent} is not an odd number of at least 3"
            ));
        }
        Ok(RsaKey {
            n: n.into(),
            e: e.into(),
            verifiers: RsaVerifiers::default(),
        })
    }

    fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        self.verifiers
            .verify(&self.n, &self.e, alg, message, signature)
    }
}

/// The RSA verifying key, built on first use (see [`crate::rsa_verify`]).
#[cfg(not(feature = "aws-lc-rs"))]
#[derive(Clone, Default)]
struct RsaVerifiers(std::sync::OnceLock<Option<Box<crate::rsa_verify::RsaPublic>>>);

#[cfg(not(feature = "aws-lc-rs"))]
impl RsaVerifiers {
    fn verify(&self, n: &[u8], e: &[u8], alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        use crate::rsa_verify::{RsaPublic, Scheme};
        let scheme = match alg {
            Algorithm::RS256 => Scheme::Pkcs1Sha256,
            Algorithm::RS384 => Scheme::Pkcs1Sha384,
            Algorithm::RS512 => Scheme::Pkcs1Sha512,
            Algorithm::PS256 => Scheme::PssSha256,
            Algorithm::PS384 => Scheme::PssSha384,
            Algorithm::PS512 => Scheme::PssSha512,
            _ => return false,
        };
        let bits = crate::jwk::RSA_MIN_BITS..=crate::jwk::RSA_MAX_BITS;
        self.0
            .get_or_init(|| RsaPublic::new(n, e, bits).map(Box::new))
            .as_ref()
            .is_some_and(|k| k.verify(scheme, message, signature))
    }
}

/// RSA keys parsed by AWS-LC, one per algorithm, each on first use (the
/// `aws-lc-rs` feature).
#[cfg(feature = "aws-lc-rs")]
#[derive(Clone, Default)]
struct RsaVerifiers([std::sync::OnceLock<Option<aws_lc_rs::signature::ParsedPublicKey>>; 6]);

#[cfg(feature = "aws-lc-rs")]
impl RsaVerifiers {
    fn verify(&self, n: &[u8], e: &[u8], alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        use aws_lc_rs::signature as sig;
        let (index, params): (usize, &'static sig::RsaParameters) = match alg {
            Algorithm::RS256 => (0, &sig::RSA_PKCS1_2048_8192_SHA256),
            Algorithm::RS384 => (1, &sig::RSA_PKCS1_2048_8192_SHA384),
            Algorithm::RS512 => (2, &sig::RSA_PKCS1_2048_8192_SHA512),
            // PSS with salt length = hash length and MGF1 with the same hash.
            Algorithm::PS256 => (3, &sig::RSA_PSS_2048_8192_SHA256),
            Algorithm::PS384 => (4, &sig::RSA_PSS_2048_8192_SHA384),
            Algorithm::PS512 => (5, &sig::RSA_PSS_2048_8192_SHA512),
            _ => return false,
        };
        let Some(slot) = self.0.get(index) else {
            return false;
        };
        slot.get_or_init(|| {
            sig::RsaPublicKeyComponents { n, e }
                .to_parsed_public_key(params)
                .ok()
        })
        .as_ref()
        .is_some_and(|k| k.verify_sig(message, signature).is_ok())
    }
}

/// An ECDSA key: RustCrypto's, or AWS-LC's with the `aws-lc-rs` feature.
#[cfg(not(feature = "aws-lc-rs"))]
#[derive(Clone)]
pub(crate) enum EcKey {
    P256(Box<crate::ec::EcdsaKey<p256::NistP256>>),
    P384(Box<crate::ec::EcdsaKey<p384::NistP384>>),
}

#[cfg(feature = "aws-lc-rs")]
#[derive(Clone)]
pub(crate) enum EcKey {
    P256(aws_lc_rs::signature::ParsedPublicKey),
    P384(aws_lc_rs::signature::ParsedPublicKey),
}

impl EcKey {
    fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        // Fixed-size r || s only: a DER signature has another length.
        match (self, alg) {
            #[cfg(not(feature = "aws-lc-rs"))]
            (EcKey::P256(k), Algorithm::ES256) => {
                signature.len() == 64 && k.verify(message, signature)
            }
            #[cfg(not(feature = "aws-lc-rs"))]
            (EcKey::P384(k), Algorithm::ES384) => {
                signature.len() == 96 && k.verify(message, signature)
            }
            #[cfg(feature = "aws-lc-rs")]
            (EcKey::P256(k), Algorithm::ES256) => {
                signature.len() == 64 && k.verify_sig(message, signature).is_ok()
            }
            #[cfg(feature = "aws-lc-rs")]
            (EcKey::P384(k), Algorithm::ES384) => {
                signature.len() == 96 && k.verify_sig(message, signature).is_ok()
            }
            _ => false,
        }
    }
}

/// Key material ready to verify, parsed once.
#[derive(Clone)]
pub(crate) enum Material {
    Rsa(Box<RsaKey>),
    Ec(EcKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Hmac(Box<HmacKey>),
}

/// An HMAC secret, keyed once for each hash: a verification clones the
/// keyed state rather than hashing the padded secret twice per token. The
/// keyed states stand for the secret, which is not kept; they are wiped
/// when dropped (`sha2`'s `zeroize` feature).
#[derive(Clone)]
pub(crate) struct HmacKey {
    /// The secret's length, for [`hmac_min_len`].
    len: usize,
    sha256: Hmac<Sha256>,
    sha384: Hmac<Sha384>,
    sha512: Hmac<Sha512>,
}

impl HmacKey {
    /// The secret's length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl Material {
    /// An RSA key (big-endian modulus and exponent without leading zero
    /// bytes) whose modulus size the caller has checked.
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Result<Self, String> {
        Ok(Material::Rsa(Box::new(RsaKey::new(n, e)?)))
    }

    /// A P-256 key, already validated as a curve point.
    pub(crate) fn p256(key: p256::ecdsa::VerifyingKey) -> Result<Self, String> {
        #[cfg(feature = "aws-lc-rs")]
        let key = aws_lc_rs::signature::ParsedPublicKey::new(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
            key.to_sec1_point(false).as_bytes(),
        )
        .map_err(|err| format!("P-256 key refused by AWS-LC: {err}"))?;
        #[cfg(not(feature = "aws-lc-rs"))]
        let key = Box::new(crate::ec::EcdsaKey::from_sec1(
            key.to_sec1_point(false).as_bytes(),
        )?);
        Ok(Material::Ec(EcKey::P256(key)))
    }

    /// A P-384 key, already validated as a curve point.
    pub(crate) fn p384(key: p384::ecdsa::VerifyingKey) -> Result<Self, String> {
        #[cfg(feature = "aws-lc-rs")]
        let key = aws_lc_rs::signature::ParsedPublicKey::new(
            &aws_lc_rs::signature::ECDSA_P384_SHA384_FIXED,
            key.to_sec1_point(false).as_bytes(),
        )
        .map_err(|err| format!("P-384 key refused by AWS-LC: {err}"))?;
        #[cfg(not(feature = "aws-lc-rs"))]
        let key = Box::new(crate::ec::EcdsaKey::from_sec1(
            key.to_sec1_point(false).as_bytes(),
        )?);
        Ok(Material::Ec(EcKey::P384(key)))
    }

    /// An Ed25519 key, refused if it is a point of small order (a "weak"
    /// key, for which signatures can verify on many messages).
    pub(crate) fn ed25519(key: ed25519_dalek::VerifyingKey) -> Result<Self, String> {
        if key.is_weak() {
            return Err("the Ed25519 key is a point of small order".to_owned());
        }
        Ok(Material::Ed25519(key))
    }

    /// An HMAC secret (of any length: the caller checks it).
    pub(crate) fn hmac(secret: &[u8]) -> Option<Self> {
        Some(Material::Hmac(Box::new(HmacKey {
            len: secret.len(),
            sha256: <Hmac<Sha256> as KeyInit>::new_from_slice(secret).ok()?,
            sha384: <Hmac<Sha384> as KeyInit>::new_from_slice(secret).ok()?,
            sha512: <Hmac<Sha512> as KeyInit>::new_from_slice(secret).ok()?,
        })))
    }

    pub(crate) fn kind(&self) -> KeyKind {
        match self {
            Material::Rsa(_) => KeyKind::Rsa,
            Material::Ec(EcKey::P256(_)) => KeyKind::P256,
            Material::Ec(EcKey::P384(_)) => KeyKind::P384,
            Material::Ed25519(_) => KeyKind::Ed25519,
            Material::Hmac(_) => KeyKind::Hmac,
        }
    }

    /// Verifies `signature` over `message`. Returns `false` for any failure,
    /// including a signature of the wrong length or encoding, and an
    /// algorithm that does not fit the key (never reached: keys are selected
    /// by kind first).
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match (self, alg) {
            (Material::Rsa(k), _) => k.verify(alg, message, signature),
            (Material::Ec(k), _) => k.verify(alg, message, signature),
            // Ed25519 stays on ed25519-dalek with either backend.
            (Material::Ed25519(k), Algorithm::EdDSA | Algorithm::Ed25519) => {
                ed25519_verify_strict(k, message, signature)
            }
            (Material::Hmac(key), Algorithm::HS256) => {
                hmac_verify(key.sha256.clone(), message, signature)
            }
            (Material::Hmac(key), Algorithm::HS384) => {
                hmac_verify(key.sha384.clone(), message, signature)
            }
            (Material::Hmac(key), Algorithm::HS512) => {
                hmac_verify(key.sha512.clone(), message, signature)
            }
            _ => false,
        }
    }
}

/// The canonical encodings of the eight points of small order on
/// edwards25519 (`curve25519_dalek::constants::EIGHT_TORSION`, compressed;
/// a unit test checks them against it).
const ED25519_SMALL_ORDER: [[u8; 32]; 8] = [
    // identity (order 1)
    [
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00,
    ],
    // (0, -1), order 2
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // (sqrt(-1), 0), order 4
    [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00,
    ],
    // (-sqrt(-1), 0), order 4
    [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x80,
    ],
    // order 8
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    // order 8
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0xfa,
    ],
    // order 8
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    // order 8
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x85,
    ],
];

/// Ed25519 verification as strict as ed25519-dalek's `verify_strict`, for
/// less: `verify_strict` decompresses `R` to refuse a small-order one (and
/// refuses a small-order key). Here the key was checked once when the key
/// set was built ([`Material::ed25519`]), and `R` is compared with the eight canonical
/// small-order encodings; the plain verification then recomputes `R` and
/// compares its canonical encoding with the signature's bytes, so a
/// non-canonical `R`, and so any other encoding of a small-order point,
/// fails there. A non-canonical `S` is refused by both.
fn ed25519_verify_strict(
    key: &ed25519_dalek::VerifyingKey,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use ed25519_dalek::Verifier;
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    if ED25519_SMALL_ORDER.contains(sig.r_bytes()) {
        return false;
    }
    key.verify(message, &sig).is_ok()
}

/// Finishes an HMAC from its keyed state `mac` and compares it with `tag`.
fn hmac_verify<M: Mac>(mut mac: M, message: &[u8], tag: &[u8]) -> bool {
    mac.update(message);
    // Constant-time comparison, exact length.
    mac.verify_slice(tag).is_ok()
}

/// Minimum HMAC secret length for `alg`: the hash output size (RFC 7518 §3.2).
pub(crate) const fn hmac_min_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
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
    fn small_order_encodings_are_the_eight_torsion_points() {
        let expected: Vec<[u8; 32]> = curve25519_dalek::constants::EIGHT_TORSION
            .iter()
            .map(|p| p.compress().to_bytes())
            .collect();
        assert_eq!(ED25519_SMALL_ORDER.len(), expected.len());
        for e in &expected {
            assert!(ED25519_SMALL_ORDER.contains(e), "{e:02x?}");
        }
    }

    /// A key with a torsion component and a signature whose `R` is of
    /// small order: the plain (cofactorless) verification accepts it, the
    /// strict one must not.
    #[test]
    fn small_order_r_is_refused_where_plain_verify_accepts() {
        use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
        use curve25519_dalek::scalar::Scalar;
        use curve25519_dalek::traits::IsIdentity;
        use ed25519_dalek::Verifier;
        use sha2::Digest;

        let a = Scalar::from_bytes_mod_order([7u8; 32]);
        let torsion = EIGHT_TORSION[1];
        let public = (ED25519_BASEPOINT_POINT * a + torsion).compress();
        let key = ed25519_dalek::VerifyingKey::from_bytes(public.as_bytes()).unwrap();
        assert!(!key.is_weak());
        let mut found = 0;
        for counter in 0u32..64 {
            let message = format!("message {counter}");
            for r in EIGHT_TORSION {
                let r_bytes = r.compress().to_bytes();
                let k = Scalar::from_hash(
                    sha2::Sha512::new()
                        .chain_update(r_bytes)
                        .chain_update(public.as_bytes())
                        .chain_update(message.as_bytes()),
                );
                // [S]B = R + [k]A holds with S = k·a when R + [k]T is the identity.
                if !(r + torsion * k).is_identity() {
                    continue;
                }
                let mut sig = [0u8; 64];
                sig[..32].copy_from_slice(&r_bytes);
                sig[32..].copy_from_slice((k * a).as_bytes());
                let parsed = ed25519_dalek::Signature::from_bytes(&sig);
                assert!(key.verify(message.as_bytes(), &parsed).is_ok());
                assert!(key.verify_strict(message.as_bytes(), &parsed).is_err());
                assert!(!ed25519_verify_strict(&key, message.as_bytes(), &sig));
                found += 1;
            }
        }
        assert!(found > 0, "no forgery found to test with");
    }

    /// Differential: on valid signatures, on every one-bit change of them,
    /// on `S + l` (non-canonical) and on small-order `R`s, the check here
    /// answers exactly as ed25519-dalek's `verify_strict`.
    #[test]
    fn agrees_with_verify_strict() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        use ed25519_dalek::Signer;
        // l, the group order, little-endian.
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let signing = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
        let key = signing.verifying_key();
        let mut checked = 0;
        for m in 0u8..4 {
            let message = [m; 40];
            let good = signing.sign(&message).to_bytes();
            let mut candidates = vec![good];
            for bit in 0..512 {
                let mut c = good;
                c[bit / 8] ^= 1 << (bit % 8);
                candidates.push(c);
            }
            // S + l: the same scalar, encoded non-canonically.
            let mut plus_l = good;
            let mut carry = 0u16;
            for (i, l) in L.iter().enumerate() {
                let sum = u16::from(plus_l[32 + i]) + u16::from(*l) + carry;
                plus_l[32 + i] = sum as u8;
                carry = sum >> 8;
            }
            candidates.push(plus_l);
            for t in EIGHT_TORSION {
                let mut c = good;
                c[..32].copy_from_slice(t.compress().as_bytes());
                candidates.push(c);
            }
            for c in candidates {
                let strict = key
                    .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&c))
                    .is_ok();
                assert_eq!(
                    ed25519_verify_strict(&key, &message, &c),
                    strict,
                    "{c:02x?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 2000);
    }

    #[test]
    fn small_order_keys_are_refused_when_loaded() {
        let identity = curve25519_dalek::constants::EIGHT_TORSION[0].compress();
        let key = ed25519_dalek::VerifyingKey::from_bytes(identity.as_bytes()).unwrap();
        assert!(Material::ed25519(key).is_err());
    }

    #[test]
    fn rsa_keys_are_checked_when_loaded_not_when_used() {
        let mut n = vec![0xc5u8; 256];
        assert!(RsaKey::new(&n, &[1, 0, 1]).is_ok());
        assert!(RsaKey::new(&n, &[3]).is_ok());
        for e in [&[1u8][..], &[2], &[1, 0, 0], &[2, 0, 0, 0, 1], &[1; 9]] {
            assert!(RsaKey::new(&n, e).is_err(), "e = {e:?}");
        }
        assert!(RsaKey::new(&n, &[1, 0xff, 0xff, 0xff, 0xff]).is_ok());
        if let Some(last) = n.last_mut() {
            *last = 0xc4;
        }
        assert_eq!(
            RsaKey::new(&n, &[1, 0, 1]).err().as_deref(),
            Some("RSA modulus is even")
        );
    }

    /// The keyed states computed once verify as a MAC keyed per message
    /// does: secrets shorter and longer than the hash's block (hashed
    /// first), every algorithm, altered and truncated tags refused.
    #[test]
    fn precomputed_hmac_keys_verify_as_fresh_ones() {
        fn fresh<M: Mac + KeyInit>(secret: &[u8], message: &[u8]) -> Vec<u8> {
            let mut mac = <M as KeyInit>::new_from_slice(secret).unwrap();
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        for len in [32, 48, 63, 64, 65, 100, 128, 129, 300] {
            let secret: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let key = Material::hmac(&secret).unwrap();
            for message in [&b""[..], b"a.b", &[0x5a; 200]] {
                for (alg, tag) in [
                    (Algorithm::HS256, fresh::<Hmac<Sha256>>(&secret, message)),
                    (Algorithm::HS384, fresh::<Hmac<Sha384>>(&secret, message)),
                    (Algorithm::HS512, fresh::<Hmac<Sha512>>(&secret, message)),
                ] {
                    assert!(key.verify(alg, message, &tag), "{alg:?} {len}");
                    // Verifying again (the keyed state is cloned, not used up).
                    assert!(key.verify(alg, message, &tag), "{alg:?} {len}");
                    let mut bad = tag.clone();
                    bad[tag.len() - 1] ^= 1;
                    assert!(!key.verify(alg, message, &bad));
                    assert!(!key.verify(alg, message, &tag[..tag.len() - 1]));
                    assert!(!key.verify(alg, b"other", &tag));
                }
            }
        }
    }

    #[test]
    fn keyed_hmac_states_are_wiped_when_dropped() {
        fn wiped<T: sha2::digest::zeroize::ZeroizeOnDrop>() {}
        wiped::<sha2::block_api::Sha256VarCore>();
        wiped::<sha2::block_api::Sha512VarCore>();
    }

    #[test]
    fn default_set_is_rs256_only() {
        let set = AlgorithmSet::default();
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![Algorithm::RS256]);
        assert!(AlgorithmSet::ALL.iter().count() == Algorithm::ALL.len());
    }
}
