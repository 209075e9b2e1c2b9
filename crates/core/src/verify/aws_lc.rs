//! RSA, ECDSA and Ed25519 keys of the `aws-lc-rs` backend: AWS-LC's parsed
//! public keys and `verify_sig`.

use aws_lc_rs::signature::{self as sig, ParsedPublicKey};

use super::FirstUse;
use crate::alg::Algorithm;

/// An RSA key: its components, checked when the key set was built, and
/// AWS-LC's parsed key for each algorithm, built on its first use (AWS-LC
/// binds a parsed key to one algorithm, and a key set usually holds keys
/// that never sign a logout token).
#[derive(Clone)]
pub(crate) struct RsaKey {
    /// Big-endian, no leading zero byte.
    n: Box<[u8]>,
    /// Big-endian, no leading zero byte.
    e: Box<[u8]>,
    parsed: [FirstUse<ParsedPublicKey>; 6],
}

impl RsaKey {
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Self {
        RsaKey {
            n: n.into(),
            e: e.into(),
            parsed: Default::default(),
        }
    }

    /// `Err` if AWS-LC refuses the key (never seen after the checks made
    /// when the key set was built).
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, &'static str> {
        let (index, params): (usize, &'static sig::RsaParameters) = match alg {
            Algorithm::RS256 => (0, &sig::RSA_PKCS1_2048_8192_SHA256),
            Algorithm::RS384 => (1, &sig::RSA_PKCS1_2048_8192_SHA384),
            Algorithm::RS512 => (2, &sig::RSA_PKCS1_2048_8192_SHA512),
            // PSS with salt length = hash length and MGF1 with the same hash.
            Algorithm::PS256 => (3, &sig::RSA_PSS_2048_8192_SHA256),
            Algorithm::PS384 => (4, &sig::RSA_PSS_2048_8192_SHA384),
            Algorithm::PS512 => (5, &sig::RSA_PSS_2048_8192_SHA512),
            _ => return Ok(false),
        };
        let Some(slot) = self.parsed.get(index) else {
            return Ok(false);
        };
        let key = slot.get(|| {
            sig::RsaPublicKeyComponents {
                n: &*self.n,
                e: &*self.e,
            }
            .to_parsed_public_key(params)
            .map_err(|_| super::RSA_REFUSED)
        })?;
        Ok(key.verify_sig(message, signature).is_ok())
    }
}

/// An uncompressed SEC1 point that `p256` or `p384` validated when the key
/// set was built, and AWS-LC's parsed key for fixed-size `r || s`
/// signatures, built on the key's first use (as for RSA: a key set usually
/// holds keys that never sign a logout token, and AWS-LC's parse, which
/// checks the point again, costs about 1 µs).
#[derive(Clone)]
struct EcKey {
    alg: &'static sig::EcdsaVerificationAlgorithm,
    point: Box<[u8]>,
    parsed: FirstUse<ParsedPublicKey>,
}

impl EcKey {
    fn new(alg: &'static sig::EcdsaVerificationAlgorithm, point: &[u8]) -> Self {
        EcKey {
            alg,
            point: point.into(),
            parsed: FirstUse::default(),
        }
    }

    /// `Err` if AWS-LC refuses the point (never seen after `p256`'s or
    /// `p384`'s check).
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, &'static str> {
        let key = self.parsed.get(|| {
            ParsedPublicKey::new(self.alg, &*self.point)
                .map_err(|_| "the EC key is refused by AWS-LC")
        })?;
        Ok(key.verify_sig(message, signature).is_ok())
    }
}

/// A P-256 key.
#[derive(Clone)]
pub(crate) struct P256Key(EcKey);

impl P256Key {
    /// Keeps a point `p256` validated.
    pub(crate) fn new(key: p256::ecdsa::VerifyingKey) -> Self {
        let point = key.to_sec1_point(false);
        P256Key(EcKey::new(&sig::ECDSA_P256_SHA256_FIXED, point.as_bytes()))
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, &'static str> {
        self.0.verify(message, signature)
    }
}

/// A P-384 key.
#[derive(Clone)]
pub(crate) struct P384Key(EcKey);

impl P384Key {
    /// Keeps a point `p384` validated.
    pub(crate) fn new(key: p384::ecdsa::VerifyingKey) -> Self {
        let point = key.to_sec1_point(false);
        P384Key(EcKey::new(&sig::ECDSA_P384_SHA384_FIXED, point.as_bytes()))
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, &'static str> {
        self.0.verify(message, signature)
    }
}

/// An Ed25519 key: its encoding, and AWS-LC's parsed key (or why there is
/// none), made on the key's first use, once `ed25519-dalek` has decoded
/// the point and found it neither of small order nor non-canonical.
#[derive(Clone)]
pub(crate) struct Ed25519Key {
    x: [u8; 32],
    parsed: FirstUse<ParsedPublicKey>,
}

impl Ed25519Key {
    pub(crate) fn new(x: [u8; 32]) -> Self {
        Ed25519Key {
            x,
            parsed: FirstUse::default(),
        }
    }

    /// AWS-LC's Ed25519 verification, made as strict as `ed25519-dalek`'s
    /// `verify_strict`. AWS-LC refuses a non-canonical `S`, and accepts a
    /// signature only if `R` is the canonical encoding of the point it
    /// recomputes; what it does not refuse is an `R` of small order (a
    /// signer whose key has a small-order component can make such
    /// signatures verify on other terms than RFC 8032's). Any `R` AWS-LC
    /// would accept is canonically encoded, so comparing it with the
    /// canonical encodings of the eight small-order points refuses exactly
    /// the signatures `verify_strict` refuses for their `R`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, &'static str> {
        let key = self.parsed.get(|| {
            super::decode_ed25519(&self.x)?;
            ParsedPublicKey::new(&sig::ED25519, self.x)
                .map_err(|_| "the Ed25519 key is refused by AWS-LC")
        })?;
        Ok(signature.len() == 64
            && signature
                .get(..32)
                .is_some_and(|r| !super::is_small_order_encoding(r))
            && key.verify_sig(message, signature).is_ok())
    }
}
