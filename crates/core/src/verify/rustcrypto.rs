//! RSA and ECDSA keys of the default backend: RustCrypto's `rsa`, `p256`
//! and `p384`, their own verifying keys and `verify`.

use rsa::{pkcs1v15, pss};
use sha2::{Sha256, Sha384, Sha512};
use signature::Verifier;

use crate::alg::Algorithm;

/// An RSA key, parsed by the `rsa` crate once, with a verifying key per
/// algorithm (each holds its own copy of the public key).
#[derive(Clone)]
pub(crate) struct RsaKey {
    rs256: pkcs1v15::VerifyingKey<Sha256>,
    rs384: pkcs1v15::VerifyingKey<Sha384>,
    rs512: pkcs1v15::VerifyingKey<Sha512>,
    // PSS with salt length = hash length and MGF1 with the same hash
    // (RFC 7518 §3.5), as `pss::VerifyingKey::new` sets them.
    ps256: pss::VerifyingKey<Sha256>,
    ps384: pss::VerifyingKey<Sha384>,
    ps512: pss::VerifyingKey<Sha512>,
}

impl RsaKey {
    /// Parses a big-endian modulus and exponent (sizes checked by the
    /// caller; `rsa` checks them again, up to 8192 bits).
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Result<Self, String> {
        let refused = |_| "RSA key refused by the rsa crate".to_owned();
        let components = rsa::pkcs1::RsaPublicKey {
            modulus: rsa::pkcs1::UintRef::new(n).map_err(refused)?,
            public_exponent: rsa::pkcs1::UintRef::new(e).map_err(refused)?,
        };
        let key = rsa::PublicKey::try_from(components)
            .map_err(|_| "RSA key refused by the rsa crate".to_owned())?;
        Ok(RsaKey {
            rs256: pkcs1v15::VerifyingKey::new(key.clone()),
            rs384: pkcs1v15::VerifyingKey::new(key.clone()),
            rs512: pkcs1v15::VerifyingKey::new(key.clone()),
            ps256: pss::VerifyingKey::new(key.clone()),
            ps384: pss::VerifyingKey::new(key.clone()),
            ps512: pss::VerifyingKey::new(key),
        })
    }

    /// Verifies; a signature of another length than the modulus is refused
    /// by `rsa`.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        let pkcs1 = || pkcs1v15::Signature::try_from(signature);
        let pss = || pss::Signature::try_from(signature);
        match alg {
            Algorithm::RS256 => pkcs1().is_ok_and(|s| self.rs256.verify(message, &s).is_ok()),
            Algorithm::RS384 => pkcs1().is_ok_and(|s| self.rs384.verify(message, &s).is_ok()),
            Algorithm::RS512 => pkcs1().is_ok_and(|s| self.rs512.verify(message, &s).is_ok()),
            Algorithm::PS256 => pss().is_ok_and(|s| self.ps256.verify(message, &s).is_ok()),
            Algorithm::PS384 => pss().is_ok_and(|s| self.ps384.verify(message, &s).is_ok()),
            Algorithm::PS512 => pss().is_ok_and(|s| self.ps512.verify(message, &s).is_ok()),
            _ => false,
        }
    }
}

/// A P-256 key: `p256`'s verifying key (SHA-256, high-S accepted as
/// RFC 7518 §3.4 and FIPS 186 do).
#[derive(Clone)]
pub(crate) struct P256Key(p256::ecdsa::VerifyingKey);

impl P256Key {
    pub(crate) fn new(key: p256::ecdsa::VerifyingKey) -> Result<Self, String> {
        Ok(P256Key(key))
    }

    /// Verifies a 64-byte `r || s` signature; `r` or `s` zero or not below
    /// the group order is refused by `Signature::from_slice`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        p256::ecdsa::Signature::from_slice(signature)
            .is_ok_and(|sig| self.0.verify(message, &sig).is_ok())
    }
}

/// A P-384 key: `p384`'s verifying key (SHA-384).
#[derive(Clone)]
pub(crate) struct P384Key(p384::ecdsa::VerifyingKey);

impl P384Key {
    pub(crate) fn new(key: p384::ecdsa::VerifyingKey) -> Result<Self, String> {
        Ok(P384Key(key))
    }

    /// Verifies a 96-byte `r || s` signature.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        p384::ecdsa::Signature::from_slice(signature)
            .is_ok_and(|sig| self.0.verify(message, &sig).is_ok())
    }
}
