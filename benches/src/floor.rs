//! The floor: the raw signature verification alone, on the pre-decoded
//! signing input and signature, with the key parsed beforehand: the crypto
//! crates' own verify, as the core calls it. Nothing a validator does can
//! be faster than the verification it must run.

use backchannel_logout::Algorithm;
use hmac::{Hmac, KeyInit, Mac};
use rsa::{pkcs1v15, pss};
use sha2::Sha256;
use signature::Verifier;

use crate::Fixture;

/// The verification with the RustCrypto crates the core uses (same
/// versions, same calls, the key parsed once).
pub enum RustCrypto {
    /// RSASSA-PKCS1-v1_5 with SHA-256: `rsa`'s verifying key.
    Rs256(Box<pkcs1v15::VerifyingKey<Sha256>>),
    /// RSASSA-PSS with SHA-256, salt length 32: `rsa`'s verifying key.
    Ps256(Box<pss::VerifyingKey<Sha256>>),
    /// ECDSA P-256: `p256`'s verifying key.
    Es256(p256::ecdsa::VerifyingKey),
    /// ECDSA P-384: `p384`'s verifying key.
    Es384(p384::ecdsa::VerifyingKey),
    /// Ed25519: `ed25519-dalek`'s `verify_strict`.
    EdDsa(ed25519_dalek::VerifyingKey),
    /// HMAC-SHA-256 (`hmac`, `sha2`), keyed once (as the core keys a
    /// secret when it is added); each verification clones the keyed state.
    Hs256(Box<Hmac<Sha256>>),
}

impl RustCrypto {
    /// The verifier for the fixture's key.
    ///
    /// # Panics
    ///
    /// If the key does not parse, or the verifier refuses the fixture.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(f: &Fixture) -> Self {
        let rsa = || {
            let (n, e) = (f.jwk_bytes("n"), f.jwk_bytes("e"));
            rsa::PublicKey::try_from(rsa::pkcs1::RsaPublicKey {
                modulus: rsa::pkcs1::UintRef::new(&n).expect("n"),
                public_exponent: rsa::pkcs1::UintRef::new(&e).expect("e"),
            })
            .expect("an RSA key")
        };
        let verifier = match f.alg {
            Algorithm::RS256 => RustCrypto::Rs256(Box::new(pkcs1v15::VerifyingKey::new(rsa()))),
            Algorithm::PS256 => RustCrypto::Ps256(Box::new(pss::VerifyingKey::new(rsa()))),
            Algorithm::ES256 => RustCrypto::Es256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&f.sec1_point()).expect("a P-256 key"),
            ),
            Algorithm::ES384 => RustCrypto::Es384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(&f.sec1_point()).expect("a P-384 key"),
            ),
            Algorithm::EdDSA => RustCrypto::EdDsa(
                ed25519_dalek::VerifyingKey::from_bytes(
                    &f.jwk_bytes("x").try_into().expect("32 bytes"),
                )
                .expect("an Ed25519 key"),
            ),
            _ => RustCrypto::Hs256(Box::new(
                <Hmac<Sha256> as KeyInit>::new_from_slice(f.secret()).expect("an HMAC key"),
            )),
        };
        assert!(verifier.verify(&f.signing_input, &f.signature));
        verifier
    }

    /// Verifies `signature` over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            RustCrypto::Rs256(k) => pkcs1v15::Signature::try_from(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
            RustCrypto::Ps256(k) => {
                pss::Signature::try_from(signature).is_ok_and(|sig| k.verify(message, &sig).is_ok())
            }
            RustCrypto::Es256(k) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
            RustCrypto::Es384(k) => p384::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
            RustCrypto::EdDsa(k) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| k.verify_strict(message, &sig).is_ok()),
            RustCrypto::Hs256(keyed) => {
                let mut mac = Hmac::<Sha256>::clone(keyed);
                mac.update(message);
                mac.verify_slice(signature).is_ok()
            }
        }
    }
}

/// ES256 with the previous `p256` (0.13, `ecdsa` 0.16), to compare with
/// 0.14 in the same run.
pub struct P256v13(p256_13::ecdsa::VerifyingKey);

impl P256v13 {
    /// The verifier for an ES256 fixture.
    ///
    /// # Panics
    ///
    /// If the fixture is not ES256, or the verifier refuses it.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(f: &Fixture) -> Self {
        let key =
            p256_13::ecdsa::VerifyingKey::from_sec1_bytes(&f.sec1_point()).expect("a P-256 key");
        let verifier = P256v13(key);
        assert!(verifier.verify(&f.signing_input, &f.signature));
        verifier
    }

    /// Verifies `signature` over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use p256_13::ecdsa::signature::Verifier as _;
        p256_13::ecdsa::Signature::from_slice(signature)
            .is_ok_and(|sig| self.0.verify(message, &sig).is_ok())
    }
}

/// ES384 with the previous `p384` (0.13, `ecdsa` 0.16), as jsonwebtoken
/// 11 uses it.
pub struct P384v13(p384_13::ecdsa::VerifyingKey);

impl P384v13 {
    /// The verifier for an ES384 fixture.
    ///
    /// # Panics
    ///
    /// If the fixture is not ES384, or the verifier refuses it.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(f: &Fixture) -> Self {
        let key =
            p384_13::ecdsa::VerifyingKey::from_sec1_bytes(&f.sec1_point()).expect("a P-384 key");
        let verifier = P384v13(key);
        assert!(verifier.verify(&f.signing_input, &f.signature));
        verifier
    }

    /// Verifies `signature` over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use p384_13::ecdsa::signature::Verifier as _;
        p384_13::ecdsa::Signature::from_slice(signature)
            .is_ok_and(|sig| self.0.verify(message, &sig).is_ok())
    }
}

/// The verification with aws-lc-rs, the key parsed once
/// ([`aws_lc_rs::signature::ParsedPublicKey`]).
#[cfg(feature = "aws-lc")]
pub enum AwsLc {
    /// A public-key algorithm.
    Signature(aws_lc_rs::signature::ParsedPublicKey),
    /// HMAC-SHA-256 (the key holds its precomputed state: 1.2 KB).
    Hmac(Box<aws_lc_rs::hmac::Key>),
}

#[cfg(feature = "aws-lc")]
impl AwsLc {
    /// The verifier for the fixture's key.
    ///
    /// # Panics
    ///
    /// If the key does not parse, or the verifier refuses the fixture.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(f: &Fixture) -> Self {
        use aws_lc_rs::signature as sig;
        let parsed = |alg: &'static dyn sig::VerificationAlgorithm, bytes: Vec<u8>| {
            AwsLc::Signature(sig::ParsedPublicKey::new(alg, bytes).expect("a public key"))
        };
        let rsa = || rsa_public_key_der(&f.jwk_bytes("n"), &f.jwk_bytes("e"));
        let verifier = match f.alg {
            Algorithm::RS256 => parsed(&sig::RSA_PKCS1_2048_8192_SHA256, rsa()),
            Algorithm::PS256 => parsed(&sig::RSA_PSS_2048_8192_SHA256, rsa()),
            Algorithm::ES256 => parsed(&sig::ECDSA_P256_SHA256_FIXED, f.sec1_point()),
            Algorithm::ES384 => parsed(&sig::ECDSA_P384_SHA384_FIXED, f.sec1_point()),
            Algorithm::EdDSA => parsed(&sig::ED25519, f.jwk_bytes("x")),
            _ => AwsLc::Hmac(Box::new(aws_lc_rs::hmac::Key::new(
                aws_lc_rs::hmac::HMAC_SHA256,
                f.secret(),
            ))),
        };
        assert!(verifier.verify(&f.signing_input, &f.signature));
        verifier
    }

    /// Verifies `signature` over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            AwsLc::Signature(k) => k.verify_sig(message, signature).is_ok(),
            AwsLc::Hmac(k) => aws_lc_rs::hmac::verify(k, message, signature).is_ok(),
        }
    }
}

/// DER `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`
/// (RFC 8017 A.1.1), the form aws-lc-rs parses.
#[cfg(feature = "aws-lc")]
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn integer(bytes: &[u8]) -> Vec<u8> {
        let mut content = Vec::with_capacity(bytes.len() + 1);
        // An unsigned integer whose top bit is set needs a zero byte first.
        if bytes.first().is_some_and(|b| b & 0x80 != 0) {
            content.push(0);
        }
        content.extend_from_slice(bytes);
        tlv(0x02, &content)
    }
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let be = len.to_be_bytes();
            let skip = be.iter().take_while(|b| **b == 0).count();
            let significant = be.get(skip..).unwrap_or_default();
            out.push(0x80 | significant.len() as u8);
            out.extend_from_slice(significant);
        }
        out.extend_from_slice(content);
        out
    }
    let mut body = integer(n);
    body.extend(integer(e));
    tlv(0x30, &body)
}
