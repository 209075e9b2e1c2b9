//! The same validation with other JWT crates: signature, `alg`, `iss`, `aud`
//! and `exp` (and what else each checks by default), into a typed claims
//! struct, with the key built once from the provider's JWK as a user of
//! that crate would.

use backchannel_logout::Algorithm;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{CLIENT_ID, Fixture, ISSUER};

/// The logout token's claims, as a user of a generic JWT crate declares them.
#[derive(Debug, Deserialize)]
pub struct LogoutClaims {
    /// `iss`.
    pub iss: String,
    /// `aud`: a string or an array of strings.
    pub aud: Value,
    /// `iat`.
    pub iat: u64,
    /// `exp`.
    pub exp: u64,
    /// `jti`.
    pub jti: String,
    /// `sub`.
    pub sub: Option<String>,
    /// `sid`.
    pub sid: Option<String>,
    /// `events`.
    pub events: Map<String, Value>,
}

/// The logout-specific claims, beside jwt-simple's standard ones.
#[derive(Debug, Deserialize)]
pub struct LogoutExtra {
    /// `sid`.
    pub sid: Option<String>,
    /// `events`.
    pub events: Map<String, Value>,
}

/// jsonwebtoken's crypto backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `rust_crypto`: `rsa` 0.9, `p256`/`p384` 0.13, `ed25519-dalek` 2, `hmac` 0.12.
    RustCrypto,
    /// `aws_lc_rs`.
    #[cfg(feature = "aws-lc")]
    AwsLc,
}

impl Backend {
    /// Makes `self` jsonwebtoken's backend for this process. With both
    /// backends compiled in (feature `aws-lc`), jsonwebtoken has no default
    /// and must be told; a process can choose only once.
    ///
    /// # Panics
    ///
    /// If another backend was chosen before in this process.
    pub fn install(self) {
        let provider = match self {
            Backend::RustCrypto => &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        };
        if let Err(installed) = provider.install_default() {
            assert!(
                std::ptr::eq(installed, provider),
                "another jsonwebtoken backend is installed"
            );
        }
    }
}

/// jsonwebtoken 11: `decode` with a `DecodingKey` built once from the JWK.
pub struct Jsonwebtoken {
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

impl Jsonwebtoken {
    /// The validation of the fixture's token, with the backend installed
    /// by [`Backend::install`].
    ///
    /// # Panics
    ///
    /// If the key does not parse, or the fixture is refused.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(f: &Fixture) -> Self {
        let key = match &f.jwk {
            Some(jwk) => {
                let jwk: jsonwebtoken::jwk::Jwk =
                    serde_json::from_value(jwk.clone()).expect("a JWK jsonwebtoken reads");
                jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("a key jsonwebtoken accepts")
            }
            None => jsonwebtoken::DecodingKey::from_secret(f.secret()),
        };
        let peer = Jsonwebtoken {
            key,
            validation: Jsonwebtoken::validation(f.alg),
        };
        peer.validate(&f.token)
            .expect("jsonwebtoken accepts the fixture");
        peer
    }

    /// The checks equivalent to ours: `alg`, `iss`, `aud` and `exp`, with
    /// our 60 s leeway.
    #[must_use]
    pub fn validation(alg: Algorithm) -> jsonwebtoken::Validation {
        let alg = match alg {
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::ES384 => jsonwebtoken::Algorithm::ES384,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
            _ => jsonwebtoken::Algorithm::HS256,
        };
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[CLIENT_ID]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 60;
        validation
    }

    /// Validates `token`.
    ///
    /// # Errors
    ///
    /// jsonwebtoken's, when the token is refused.
    pub fn validate(&self, token: &str) -> jsonwebtoken::errors::Result<LogoutClaims> {
        jsonwebtoken::decode::<LogoutClaims>(token, &self.key, &self.validation).map(|t| t.claims)
    }
}

/// jwt-simple 0.15 (pure Rust): `verify_token` with the key built once.
pub struct JwtSimple {
    key: JwtSimpleKey,
    options: jwt_simple::prelude::VerificationOptions,
}

enum JwtSimpleKey {
    Rs256(jwt_simple::prelude::RS256PublicKey),
    Ps256(jwt_simple::prelude::PS256PublicKey),
    Es256(jwt_simple::prelude::ES256PublicKey),
    Es384(jwt_simple::prelude::ES384PublicKey),
    EdDsa(jwt_simple::prelude::Ed25519PublicKey),
    Hs256(jwt_simple::prelude::HS256Key),
}

impl JwtSimple {
    /// The validation of the fixture's token, at the fixture's time
    /// (jwt-simple can pin the clock).
    ///
    /// # Panics
    ///
    /// If the key does not parse, or the fixture is refused.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(f: &Fixture) -> Self {
        use jwt_simple::prelude::*;
        let rsa = || (f.jwk_bytes("n"), f.jwk_bytes("e"));
        let key = match f.alg {
            Algorithm::RS256 => {
                let (n, e) = rsa();
                JwtSimpleKey::Rs256(RS256PublicKey::from_components(&n, &e).expect("an RSA key"))
            }
            Algorithm::PS256 => {
                let (n, e) = rsa();
                JwtSimpleKey::Ps256(PS256PublicKey::from_components(&n, &e).expect("an RSA key"))
            }
            Algorithm::ES256 => JwtSimpleKey::Es256(
                ES256PublicKey::from_bytes(&f.sec1_point()).expect("a P-256 key"),
            ),
            Algorithm::ES384 => JwtSimpleKey::Es384(
                ES384PublicKey::from_bytes(&f.sec1_point()).expect("a P-384 key"),
            ),
            Algorithm::EdDSA => JwtSimpleKey::EdDsa(
                Ed25519PublicKey::from_bytes(&f.jwk_bytes("x")).expect("an Ed25519 key"),
            ),
            _ => JwtSimpleKey::Hs256(HS256Key::from_bytes(f.secret())),
        };
        let options = VerificationOptions {
            allowed_issuers: Some(HashSet::from([ISSUER.to_owned()])),
            allowed_audiences: Some(HashSet::from([CLIENT_ID.to_owned()])),
            time_tolerance: Some(Duration::from_secs(60)),
            max_validity: Some(Duration::from_secs(600)),
            artificial_time: Some(Duration::from_secs(f.now.as_secs())),
            ..VerificationOptions::default()
        };
        let peer = JwtSimple { key, options };
        peer.validate(&f.token)
            .expect("jwt-simple accepts the fixture");
        peer
    }

    /// Validates `token`. jwt-simple takes its options by value, so each
    /// call clones them, as its users do.
    ///
    /// # Errors
    ///
    /// jwt-simple's, when the token is refused.
    pub fn validate(
        &self,
        token: &str,
    ) -> Result<jwt_simple::prelude::JWTClaims<LogoutExtra>, jwt_simple::Error> {
        use jwt_simple::prelude::*;
        let options = Some(self.options.clone());
        match &self.key {
            JwtSimpleKey::Rs256(k) => k.verify_token(token, options),
            JwtSimpleKey::Ps256(k) => k.verify_token(token, options),
            JwtSimpleKey::Es256(k) => k.verify_token(token, options),
            JwtSimpleKey::Es384(k) => k.verify_token(token, options),
            JwtSimpleKey::EdDsa(k) => k.verify_token(token, options),
            JwtSimpleKey::Hs256(k) => k.verify_token(token, options),
        }
    }
}
