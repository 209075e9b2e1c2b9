//! Verification keys, parsed once into the crypto crates' own types, and
//! their verification through those crates' public APIs.
//!
//! RSA, ECDSA and Ed25519 verify with RustCrypto (`rsa`, `p256`, `p384`,
//! `ed25519-dalek`'s `verify_strict`) by default ([`rustcrypto`]), or with
//! AWS-LC under the `aws-lc-rs` feature ([`aws_lc`]); HMAC (`hmac`'s
//! constant-time `verify_slice`) stays on RustCrypto either way. Nothing
//! here does arithmetic of its own.
//!
//! Ed25519 is strict on both backends (RFC 8032 §5.1.7 and
//! `ed25519-dalek`'s strict rules): a key or an `R` of small order and a
//! non-canonical `S` are refused. A key is decoded, and checked for small
//! order, by `ed25519-dalek` on its first use ([`decode_ed25519`]).

use std::sync::OnceLock;

use curve25519_dalek::constants::EIGHT_TORSION;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};

use crate::alg::{Algorithm, KeyKind};

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
#[cfg(not(feature = "aws-lc-rs"))]
mod rustcrypto;

#[cfg(feature = "aws-lc-rs")]
use aws_lc as backend;
#[cfg(not(feature = "aws-lc-rs"))]
use rustcrypto as backend;

/// What a backend makes of a key on the key's first use, and keeps: its
/// verifying key, or why it cannot be made (then every token naming the
/// key is refused with that reason). Keys whose preparation costs real
/// work use it, since most keys of a provider's set never sign a logout
/// token.
#[derive(Clone)]
pub(crate) struct FirstUse<T>(OnceLock<Result<T, &'static str>>);

impl<T> Default for FirstUse<T> {
    fn default() -> Self {
        FirstUse(OnceLock::new())
    }
}

impl<T> FirstUse<T> {
    /// The prepared key, made by `make` if this is the first use.
    pub(crate) fn get(
        &self,
        make: impl FnOnce() -> Result<T, &'static str>,
    ) -> Result<&T, &'static str> {
        self.0.get_or_init(make).as_ref().map_err(|reason| *reason)
    }
}

/// Key material ready to verify, parsed once.
#[derive(Clone)]
pub(crate) enum Material {
    Rsa(Box<backend::RsaKey>),
    P256(Box<backend::P256Key>),
    P384(Box<backend::P384Key>),
    Ed25519(Box<backend::Ed25519Key>),
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

/// The largest public exponent accepted (as the `rsa` crate and AWS-LC).
const RSA_MAX_EXPONENT: u64 = (1 << 33) - 1;

/// Checks an RSA exponent and the modulus's parity before the backend
/// parses them, so that a refused key is skipped with a reason a person
/// can act on (the backends' own errors do not say which check failed).
fn check_rsa(n: &[u8], e: &[u8]) -> Result<(), String> {
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
    Ok(())
}

impl Material {
    /// An RSA key (big-endian modulus and exponent without leading zero
    /// bytes) whose modulus size the caller has checked.
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Result<Self, String> {
        check_rsa(n, e)?;
        Ok(Material::Rsa(Box::new(backend::RsaKey::new(n, e))))
    }

    /// A P-256 key, already validated as a curve point.
    pub(crate) fn p256(key: p256::ecdsa::VerifyingKey) -> Self {
        Material::P256(Box::new(backend::P256Key::new(key)))
    }

    /// A P-384 key, already validated as a curve point.
    pub(crate) fn p384(key: p384::ecdsa::VerifyingKey) -> Self {
        Material::P384(Box::new(backend::P384Key::new(key)))
    }

    /// An Ed25519 key (the JWK's `x`), refused if it is the encoding of a
    /// point of small order (a "weak" key, for which signatures can verify
    /// on many messages). Decoding the point costs a square root, a third
    /// of an RSA verification on AWS-LC, for a key that may never sign a
    /// logout token: it is done on the key's first use, which refuses
    /// whatever this cheaper check lets through (see [`decode_ed25519`]).
    pub(crate) fn ed25519(x: [u8; 32]) -> Result<Self, String> {
        if is_small_order_encoding(&x) {
            return Err(ED25519_SMALL_ORDER.to_owned());
        }
        Ok(Material::Ed25519(Box::new(backend::Ed25519Key::new(x))))
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
            Material::P256(_) => KeyKind::P256,
            Material::P384(_) => KeyKind::P384,
            Material::Ed25519(_) => KeyKind::Ed25519,
            Material::Hmac(_) => KeyKind::Hmac,
        }
    }

    /// Verifies `signature` over `message`. Returns `Ok(false)` for any
    /// failure of the signature, including one of the wrong length or
    /// encoding, and an algorithm that does not fit the key (never reached:
    /// keys are selected by kind first); `Err(reason)` when the key itself
    /// proved unusable on its first use (an Ed25519 key that is not a
    /// point, not canonically encoded, or of small order; an RSA or EC key
    /// the backend refuses after the checks made at load, never seen).
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, &'static str> {
        Ok(match (self, alg) {
            (Material::Rsa(k), _) => k.verify(alg, message, signature)?,
            // Fixed-size r || s only: a DER signature has another length.
            (Material::P256(k), Algorithm::ES256) => {
                signature.len() == 64 && k.verify(message, signature)?
            }
            (Material::P384(k), Algorithm::ES384) => {
                signature.len() == 96 && k.verify(message, signature)?
            }
            (Material::Ed25519(k), Algorithm::EdDSA | Algorithm::Ed25519) => {
                k.verify(message, signature)?
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
        })
    }
}

/// Why an Ed25519 key of small order is refused.
const ED25519_SMALL_ORDER: &str = "the Ed25519 key is a point of small order";

/// Why an RSA key is refused on its first use.
const RSA_REFUSED: &str = "the RSA key is refused by the crypto backend";

/// Decodes an Ed25519 public key with `ed25519-dalek` and refuses one of
/// small order, in any encoding, and one not canonically encoded (a `y`
/// of at least p, or a negative zero `x`: `ed25519-dalek` reduces them,
/// AWS-LC refuses them, so both backends refuse them here, with the
/// reason): the check [`Material::ed25519`] leaves to a key's first use.
/// Both backends run it once per key and keep the outcome.
fn decode_ed25519(x: &[u8; 32]) -> Result<ed25519_dalek::VerifyingKey, &'static str> {
    let key = ed25519_dalek::VerifyingKey::from_bytes(x)
        .map_err(|_| "the Ed25519 key is not a point of the curve")?;
    if key.is_weak() {
        return Err(ED25519_SMALL_ORDER);
    }
    if key.to_edwards().compress().as_bytes() != x {
        return Err("the Ed25519 key is not canonically encoded");
    }
    Ok(key)
}

/// Whether `bytes` is the canonical encoding of one of the eight points of
/// small order: `curve25519-dalek`'s own `EIGHT_TORSION` points, encoded
/// by `curve25519-dalek` once. Compared as bytes, it costs nothing per
/// token; [`decode_ed25519`] is the complete check, on the decoded point.
fn is_small_order_encoding(bytes: &[u8]) -> bool {
    static ENCODINGS: OnceLock<[[u8; 32]; 8]> = OnceLock::new();
    ENCODINGS
        .get_or_init(|| EIGHT_TORSION.map(|p| p.compress().to_bytes()))
        .iter()
        .any(|e| e.as_slice() == bytes)
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

    // Ed25519's strictness (small-order R and keys, non-canonical S) is
    // tested through the key set in `tests/ed25519_strict.rs`.

    /// The byte check finds exactly the points `ed25519-dalek` calls weak,
    /// in their canonical encoding; other encodings of them, and bytes that
    /// are no point, are left to [`decode_ed25519`], which refuses them.
    #[test]
    fn small_order_encodings_are_the_weak_keys() {
        for p in EIGHT_TORSION {
            let x = p.compress().to_bytes();
            assert!(is_small_order_encoding(&x));
            assert!(Material::ed25519(x).is_err());
            assert_eq!(decode_ed25519(&x).err(), Some(ED25519_SMALL_ORDER));
        }
        // The identity with its sign bit set: a second encoding of a weak key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        identity[31] = 0x80;
        assert!(!is_small_order_encoding(&identity));
        assert_eq!(decode_ed25519(&identity).err(), Some(ED25519_SMALL_ORDER));
        let signing = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let x = signing.verifying_key().to_bytes();
        assert!(!is_small_order_encoding(&x));
        assert!(decode_ed25519(&x).is_ok());
        assert!(!is_small_order_encoding(&x[..31]));
    }

    #[test]
    fn rsa_exponent_and_parity_are_checked_when_loaded() {
        let mut n = vec![0xc5u8; 256];
        assert!(check_rsa(&n, &[1, 0, 1]).is_ok());
        assert!(check_rsa(&n, &[3]).is_ok());
        for e in [&[1u8][..], &[2], &[1, 0, 0], &[2, 0, 0, 0, 1], &[1; 9]] {
            assert!(check_rsa(&n, e).is_err(), "e = {e:?}");
        }
        assert!(check_rsa(&n, &[1, 0xff, 0xff, 0xff, 0xff]).is_ok());
        if let Some(last) = n.last_mut() {
            *last = 0xc4;
        }
        assert_eq!(
            check_rsa(&n, &[1, 0, 1]).err().as_deref(),
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
                    assert_eq!(key.verify(alg, message, &tag), Ok(true), "{alg:?} {len}");
                    // Verifying again (the keyed state is cloned, not used up).
                    assert_eq!(key.verify(alg, message, &tag), Ok(true), "{alg:?} {len}");
                    let mut bad = tag.clone();
                    bad[tag.len() - 1] ^= 1;
                    assert_eq!(key.verify(alg, message, &bad), Ok(false));
                    assert_eq!(key.verify(alg, message, &tag[..tag.len() - 1]), Ok(false));
                    assert_eq!(key.verify(alg, b"other", &tag), Ok(false));
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
}
