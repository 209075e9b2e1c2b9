//! RSA and ECDSA keys of the `aws-lc-rs` backend: AWS-LC's parsed public
//! keys and `verify_sig`.

use std::sync::OnceLock;

use aws_lc_rs::signature::{self as sig, ParsedPublicKey};

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
    parsed: [OnceLock<Option<ParsedPublicKey>>; 6],
}

impl RsaKey {
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Result<Self, String> {
        Ok(RsaKey {
            n: n.into(),
            e: e.into(),
            parsed: Default::default(),
        })
    }

    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
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
        let Some(slot) = self.parsed.get(index) else {
            return false;
        };
        slot.get_or_init(|| {
            sig::RsaPublicKeyComponents {
                n: &*self.n,
                e: &*self.e,
            }
            .to_parsed_public_key(params)
            .ok()
        })
        .as_ref()
        .is_some_and(|k| k.verify_sig(message, signature).is_ok())
    }
}

/// A P-256 key parsed by AWS-LC for fixed-size `r || s` signatures.
#[derive(Clone)]
pub(crate) struct P256Key(ParsedPublicKey);

impl P256Key {
    /// Re-parses a point `p256` validated.
    pub(crate) fn new(key: p256::ecdsa::VerifyingKey) -> Result<Self, String> {
        ParsedPublicKey::new(
            &sig::ECDSA_P256_SHA256_FIXED,
            key.to_sec1_point(false).as_bytes(),
        )
        .map(P256Key)
        .map_err(|err| format!("P-256 key refused by AWS-LC: {err}"))
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}

/// A P-384 key parsed by AWS-LC for fixed-size `r || s` signatures.
#[derive(Clone)]
pub(crate) struct P384Key(ParsedPublicKey);

impl P384Key {
    /// Re-parses a point `p384` validated.
    pub(crate) fn new(key: p384::ecdsa::VerifyingKey) -> Result<Self, String> {
        ParsedPublicKey::new(
            &sig::ECDSA_P384_SHA384_FIXED,
            key.to_sec1_point(false).as_bytes(),
        )
        .map(P384Key)
        .map_err(|err| format!("P-384 key refused by AWS-LC: {err}"))
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}
