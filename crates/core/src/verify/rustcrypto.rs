//! RSA, ECDSA and Ed25519 keys of the default backend: RustCrypto's `rsa`,
//! `p256`, `p384` and `ed25519-dalek`, their own verifying keys and
//! `verify`.

use rsa::{pkcs1v15, pss};
use sha2::{Sha256, Sha384, Sha512};
use signature::Verifier;

use super::FirstUse;
use crate::alg::Algorithm;

/// An RSA key: its components, checked when the key set was built, and
/// `rsa`'s verifying keys, built on the key's first use and kept.
///
/// Building them costs a division over the modulus (`rsa` precomputes its
/// Montgomery form), about a sixth of a verification, and a provider's key
/// set usually holds keys that never sign a logout token (rotated-out keys,
/// keys of other clients): deferring it keeps parsing a JWKS document
/// cheap. The checks made when the key set is built ([`super::check_rsa`]
/// and the size bounds) are the ones `rsa` makes, so a key that passed
/// them is always built.
#[derive(Clone)]
pub(crate) struct RsaKey {
    /// Big-endian, no leading zero byte.
    n: Box<[u8]>,
    /// Big-endian, no leading zero byte.
    e: Box<[u8]>,
    verifiers: FirstUse<Box<RsaVerifiers>>,
}

/// A verifying key per algorithm (each holds its own copy of the key).
#[derive(Clone)]
struct RsaVerifiers {
    rs256: pkcs1v15::VerifyingKey<Sha256>,
    rs384: pkcs1v15::VerifyingKey<Sha384>,
    rs512: pkcs1v15::VerifyingKey<Sha512>,
    // PSS with salt length = hash length and MGF1 with the same hash
    // (RFC 7518 §3.5), as `pss::VerifyingKey::new` sets them.
    ps256: pss::VerifyingKey<Sha256>,
    ps384: pss::VerifyingKey<Sha384>,
    ps512: pss::VerifyingKey<Sha512>,
}

impl RsaVerifiers {
    /// `rsa`'s key from a big-endian modulus and exponent (it checks them
    /// again, up to 8192 bits).
    fn new(n: &[u8], e: &[u8]) -> Option<Self> {
        let components = rsa::pkcs1::RsaPublicKey {
            modulus: rsa::pkcs1::UintRef::new(n).ok()?,
            public_exponent: rsa::pkcs1::UintRef::new(e).ok()?,
        };
        let key = rsa::PublicKey::try_from(components).ok()?;
        Some(RsaVerifiers {
            rs256: pkcs1v15::VerifyingKey::new(key.clone()),
            rs384: pkcs1v15::VerifyingKey::new(key.clone()),
            rs512: pkcs1v15::VerifyingKey::new(key.clone()),
            ps256: pss::VerifyingKey::new(key.clone()),
            ps384: pss::VerifyingKey::new(key.clone()),
            ps512: pss::VerifyingKey::new(key),
        })
    }
}

impl RsaKey {
    /// Keeps a big-endian modulus and exponent that the caller has checked.
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Self {
        RsaKey {
            n: n.into(),
            e: e.into(),
            verifiers: FirstUse::default(),
        }
    }

    /// Verifies; a signature of another length than the modulus is refused
    /// by `rsa`. `Err` if `rsa` refuses the key (never seen after the
    /// checks made when the key set was built).
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, &'static str> {
        let k = self.verifiers.get(|| {
            RsaVerifiers::new(&self.n, &self.e)
                .map(Box::new)
                .ok_or(super::RSA_REFUSED)
        })?;
        let pkcs1 = || pkcs1v15::Signature::try_from(signature);
        let pss = || pss::Signature::try_from(signature);
        Ok(match alg {
            Algorithm::RS256 => pkcs1().is_ok_and(|s| k.rs256.verify(message, &s).is_ok()),
            Algorithm::RS384 => pkcs1().is_ok_and(|s| k.rs384.verify(message, &s).is_ok()),
            Algorithm::RS512 => pkcs1().is_ok_and(|s| k.rs512.verify(message, &s).is_ok()),
            Algorithm::PS256 => pss().is_ok_and(|s| k.ps256.verify(message, &s).is_ok()),
            Algorithm::PS384 => pss().is_ok_and(|s| k.ps384.verify(message, &s).is_ok()),
            Algorithm::PS512 => pss().is_ok_and(|s| k.ps512.verify(message, &s).is_ok()),
            _ => false,
        })
    }
}

/// A P-256 key: `p256`'s verifying key (SHA-256, high-S accepted as
/// RFC 7518 §3.4 and FIPS 186 do).
#[derive(Clone)]
pub(crate) struct P256Key(p256::ecdsa::VerifyingKey);

impl P256Key {
    pub(crate) fn new(key: p256::ecdsa::VerifyingKey) -> Self {
        P256Key(key)
    }

    /// Verifies a 64-byte `r || s` signature; `r` or `s` zero or not below
    /// the group order is refused by `Signature::from_slice`. Never `Err`:
    /// the key was made when the key set was built.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, &'static str> {
        Ok(p256::ecdsa::Signature::from_slice(signature)
            .is_ok_and(|sig| self.0.verify(message, &sig).is_ok()))
    }
}

/// A P-384 key: `p384`'s verifying key (SHA-384).
#[derive(Clone)]
pub(crate) struct P384Key(p384::ecdsa::VerifyingKey);

impl P384Key {
    pub(crate) fn new(key: p384::ecdsa::VerifyingKey) -> Self {
        P384Key(key)
    }

    /// Verifies a 96-byte `r || s` signature.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, &'static str> {
        Ok(p384::ecdsa::Signature::from_slice(signature)
            .is_ok_and(|sig| self.0.verify(message, &sig).is_ok()))
    }
}

/// An Ed25519 key: its encoding, and `ed25519-dalek`'s verifying key (or
/// why there is none), decoded on the key's first use and kept.
#[derive(Clone)]
pub(crate) struct Ed25519Key {
    x: [u8; 32],
    key: FirstUse<ed25519_dalek::VerifyingKey>,
}

impl Ed25519Key {
    pub(crate) fn new(x: [u8; 32]) -> Self {
        Ed25519Key {
            x,
            key: FirstUse::default(),
        }
    }

    /// `verify_strict`: refuses a non-canonical `S`, a small-order `R`
    /// and a small-order key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, &'static str> {
        let key = self.key.get(|| super::decode_ed25519(&self.x))?;
        Ok(ed25519_dalek::Signature::from_slice(signature)
            .is_ok_and(|sig| key.verify_strict(message, &sig).is_ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the key set checks before keeping an RSA key is enough for
    /// `rsa` to build it: at the size and exponent bounds, it builds.
    #[test]
    fn checked_rsa_keys_always_build() {
        for n in [vec![0xc5u8; 256], vec![0xffu8; 1024], {
            let mut n = vec![0u8; 257];
            n[0] = 1;
            n[256] = 1;
            n
        }] {
            for e in [&[3u8][..], &[1, 0, 1], &[1, 0xff, 0xff, 0xff, 0xff]] {
                assert!(super::super::check_rsa(&n, e).is_ok());
                assert!(
                    RsaVerifiers::new(&n, e).is_some(),
                    "{} bytes, e {e:?}",
                    n.len()
                );
            }
        }
    }
}
