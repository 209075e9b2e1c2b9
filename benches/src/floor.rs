//! The floor: the raw signature verification alone, on the pre-decoded
//! signing input and signature, with the key parsed beforehand. Nothing a
//! validator does can be faster than the verification it must run.

use backchannel_logout::Algorithm;
use hmac::{Hmac, KeyInit, Mac};
use rsa::{BoxedUint, pkcs1v15, pss};
use sha2::Sha256;
use signature::Verifier;

use crate::Fixture;
use crate::rsa_verify::{RsaPublic, Scheme};

/// The verification with the RustCrypto crates the core uses (same
/// versions, same calls).
pub enum RustCrypto {
    /// RSASSA-PKCS1-v1_5 with SHA-256: the core's own verification over
    /// the `rsa` key and `crypto-bigint`'s Montgomery form
    /// (`crates/core/src/rsa_verify.rs`, compiled into this crate).
    Rs256(CoreRsa),
    /// RSASSA-PSS with SHA-256, salt length 32: the same.
    Ps256(CoreRsa),
    /// ECDSA P-256: the core's own double-and-add over `p256` 0.14's field
    /// and scalars (`crates/core/src/ec.rs`, compiled into this crate).
    Es256(CoreP256),
    /// ECDSA P-384: the same over `p384` 0.14.
    Es384(CoreP384),
    /// Ed25519, `ed25519-dalek`'s `verify`: the core calls it after
    /// comparing `R` with the small-order encodings (32-byte compares).
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
        let verifier = match f.alg {
            Algorithm::RS256 => RustCrypto::Rs256(CoreRsa::new(f)),
            Algorithm::PS256 => RustCrypto::Ps256(CoreRsa::new(f)),
            Algorithm::ES256 => RustCrypto::Es256(CoreP256(
                crate::ec::EcdsaKey::from_sec1(&f.sec1_point()).expect("a P-256 key"),
            )),
            Algorithm::ES384 => RustCrypto::Es384(CoreP384(
                crate::ec::EcdsaKey::from_sec1(&f.sec1_point()).expect("a P-384 key"),
            )),
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
            RustCrypto::Rs256(k) => k.0.verify(Scheme::Pkcs1Sha256, message, signature),
            RustCrypto::Ps256(k) => k.0.verify(Scheme::PssSha256, message, signature),
            RustCrypto::Es256(k) => k.0.verify(message, signature),
            RustCrypto::Es384(k) => k.0.verify(message, signature),
            RustCrypto::EdDsa(k) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
            RustCrypto::Hs256(keyed) => {
                let mut mac = Hmac::<Sha256>::clone(keyed);
                mac.update(message);
                mac.verify_slice(signature).is_ok()
            }
        }
    }
}

/// An RSA key of the core's RSA verification.
pub struct CoreRsa(RsaPublic);

impl CoreRsa {
    #[allow(clippy::expect_used)]
    fn new(f: &Fixture) -> Self {
        CoreRsa(
            RsaPublic::new(&f.jwk_bytes("n"), &f.jwk_bytes("e"), 2048..=8192).expect("an RSA key"),
        )
    }
}

/// RS256/PS256 with the `rsa` crate's own `verify` (0.10; the core's floor
/// before it did the public exponentiation itself).
pub enum CrateRsa {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256(pkcs1v15::VerifyingKey<Sha256>),
    /// RSASSA-PSS with SHA-256, salt length 32.
    Ps256(pss::VerifyingKey<Sha256>),
}

impl CrateRsa {
    /// The verifier for an RS256 or PS256 fixture.
    ///
    /// # Panics
    ///
    /// If the fixture is not RS256/PS256, or the verifier refuses it.
    #[must_use]
    #[allow(clippy::expect_used, clippy::panic)]
    pub fn new(f: &Fixture) -> Self {
        let key = rsa::PublicKey::new(
            BoxedUint::from_be_slice_vartime(&f.jwk_bytes("n")),
            BoxedUint::from_be_slice_vartime(&f.jwk_bytes("e")),
        )
        .expect("an RSA key");
        let verifier = match f.alg {
            Algorithm::RS256 => CrateRsa::Rs256(pkcs1v15::VerifyingKey::new(key)),
            Algorithm::PS256 => CrateRsa::Ps256(pss::VerifyingKey::new_with_salt_len(key, 32)),
            other => panic!("not an RSA fixture: {other:?}"),
        };
        assert!(verifier.verify(&f.signing_input, &f.signature));
        verifier
    }

    /// Verifies `signature` over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            CrateRsa::Rs256(k) => pkcs1v15::Signature::try_from(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
            CrateRsa::Ps256(k) => {
                pss::Signature::try_from(signature).is_ok_and(|sig| k.verify(message, &sig).is_ok())
            }
        }
    }
}

/// A P-256 key of the core's ECDSA verification.
pub struct CoreP256(crate::ec::EcdsaKey<p256::NistP256>);

/// A P-384 key of the core's ECDSA verification.
pub struct CoreP384(crate::ec::EcdsaKey<p384::NistP384>);

/// ES256/ES384 with the `verify` of `p256`/`p384` 0.14 themselves (the
/// core's floor before it had its own double-and-add).
pub enum CrateEcdsa {
    /// `p256` 0.14.
    P256(p256::ecdsa::VerifyingKey),
    /// `p384` 0.14.
    P384(p384::ecdsa::VerifyingKey),
}

impl CrateEcdsa {
    /// The verifier for an ES256 or ES384 fixture.
    ///
    /// # Panics
    ///
    /// If the fixture is not ES256/ES384, or the verifier refuses it.
    #[must_use]
    #[allow(clippy::expect_used, clippy::panic)]
    pub fn new(f: &Fixture) -> Self {
        let point = f.sec1_point();
        let verifier = match f.alg {
            Algorithm::ES256 => CrateEcdsa::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).expect("a P-256 key"),
            ),
            Algorithm::ES384 => CrateEcdsa::P384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).expect("a P-384 key"),
            ),
            other => panic!("not an ECDSA fixture: {other:?}"),
        };
        assert!(verifier.verify(&f.signing_input, &f.signature));
        verifier
    }

    /// Verifies `signature` over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            CrateEcdsa::P256(k) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
            CrateEcdsa::P384(k) => p384::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
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

/// Ed25519 with ed25519-dalek's `verify_strict`, which the core called
/// before it checked small-order `R` by comparing encodings: the strict
/// call decompresses `R` on every verification.
pub struct Ed25519Strict(ed25519_dalek::VerifyingKey);

impl Ed25519Strict {
    /// The verifier for an EdDSA fixture.
    ///
    /// # Panics
    ///
    /// If the fixture is not EdDSA, or the verifier refuses it.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(f: &Fixture) -> Self {
        let key = ed25519_dalek::VerifyingKey::from_bytes(
            &f.jwk_bytes("x").try_into().expect("32 bytes"),
        )
        .expect("an Ed25519 key");
        let verifier = Ed25519Strict(key);
        assert!(verifier.verify(&f.signing_input, &f.signature));
        verifier
    }

    /// Verifies `signature` over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        ed25519_dalek::Signature::from_slice(signature)
            .is_ok_and(|sig| self.0.verify_strict(message, &sig).is_ok())
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
