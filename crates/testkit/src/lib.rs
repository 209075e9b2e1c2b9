//! Mint OpenID Connect Back-Channel Logout tokens and key sets: for tests,
//! the examples' demo mode, benchmarks and the `bclogout` tool. It plays
//! the provider's part: signing keys (generated, or read from and written
//! to PKCS #8 PEM files, with RFC 7638 thumbprints as key ids) and tokens.
//!
//! ```
//! use backchannel_logout::{Algorithm, ClientId, Issuer, KeySet, UnixTime, Validator};
//! use backchannel_logout_testkit::{SigningKey, TokenBuilder};
//!
//! let key = SigningKey::generate(Algorithm::ES256, "k1");
//! let keys = KeySet::from_jwks(SigningKey::jwks(&[&key]).as_bytes())?;
//! let now = 1_767_225_600;
//! let token = TokenBuilder::new("https://op.example", "client", now)
//!     .sid("s-1")
//!     .sign(&key);
//! let validator = Validator::builder(Issuer::new("https://op.example"), ClientId::new("client"))
//!     .algorithms([Algorithm::ES256])
//!     .build()?;
//! let logout = validator.validate(token.as_bytes(), &keys, UnixTime::from_secs(now))?;
//! assert_eq!(logout.session_id(), Some("s-1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod adapter_fixture;
pub mod example_binary;
mod key_file;
pub mod redis_server;
pub mod store_conformance;

use std::sync::OnceLock;

use backchannel_logout::{Algorithm, LOGOUT_EVENT};
use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use rsa::traits::PublicKeyParts;
use serde_json::{Map, Value, json};
use sha2::{Sha256, Sha384, Sha512};
use signature::{RandomizedSigner, SignatureEncoding, Signer};

pub use key_file::{KeyError, jwk_thumbprint};

/// Base64url without padding, as JWS uses.
#[must_use]
pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes base64url without padding; empty on malformed input (a test
/// helper: the inputs are the tests' own).
#[must_use]
pub fn b64_decode(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).unwrap_or_default()
}

/// A random identifier of `bytes` random bytes, base64url-encoded.
#[must_use]
pub fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    b64(&buf)
}

#[derive(Clone)]
enum Inner {
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Hmac(Vec<u8>),
}

/// A provider's signing key for one algorithm.
#[derive(Clone)]
pub struct SigningKey {
    alg: Algorithm,
    kid: String,
    inner: Inner,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a fresh key for `alg` (RSA: 2048 bits; HMAC: a 64-byte
    /// secret), with the given `kid`.
    ///
    /// # Panics
    ///
    /// If the system random generator fails (RSA key generation).
    #[must_use]
    pub fn generate(alg: Algorithm, kid: &str) -> Self {
        Self::generate_rsa_bits(alg, kid, 2048)
    }

    /// As [`SigningKey::generate`], with an RSA modulus of `bits` bits
    /// (ignored for other algorithms): for weak-key and large-key tests.
    ///
    /// # Panics
    ///
    /// If the system random generator fails.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn generate_rsa_bits(alg: Algorithm, kid: &str, bits: usize) -> Self {
        let inner = match alg.key_kind() {
            backchannel_logout::KeyKind::Hmac => {
                let mut secret = vec![0u8; 64];
                rand::rng().fill_bytes(&mut secret);
                Inner::Hmac(secret)
            }
            _ => key_file::generate_inner(alg, bits).expect("key generation"),
        };
        SigningKey {
            alg,
            kid: kid.to_owned(),
            inner,
        }
    }

    /// A key for `alg` generated once per process and shared (RSA key
    /// generation takes a while). Its `kid` is `shared-<alg>`.
    #[must_use]
    pub fn shared(alg: Algorithm) -> &'static SigningKey {
        static KEYS: [OnceLock<SigningKey>; Algorithm::ALL.len()] =
            [const { OnceLock::new() }; Algorithm::ALL.len()];
        let index = Algorithm::ALL
            .iter()
            .position(|a| *a == alg)
            .unwrap_or_default();
        KEYS.get(index)
            .unwrap_or(&KEYS[0])
            .get_or_init(|| SigningKey::generate(alg, &format!("shared-{}", alg.name())))
    }

    /// The same key material under another algorithm of the same kind and
    /// another `kid` (an RS256 key signing PS256, say).
    #[must_use]
    pub fn with_alg(&self, alg: Algorithm, kid: &str) -> Self {
        SigningKey {
            alg,
            kid: kid.to_owned(),
            inner: self.inner.clone(),
        }
    }

    /// The algorithm.
    #[must_use]
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The HMAC secret, for an HS* key.
    #[must_use]
    pub fn hmac_secret(&self) -> Option<&[u8]> {
        match &self.inner {
            Inner::Hmac(s) => Some(s),
            _ => None,
        }
    }

    /// The public JWK (with `kid`, `use: sig` and `alg`); `None` for HMAC.
    #[must_use]
    pub fn public_jwk(&self) -> Option<Value> {
        let mut jwk = match &self.inner {
            Inner::Rsa(k) => {
                let public = k.to_public_key();
                json!({"kty": "RSA", "n": b64(&public.n_bytes()), "e": b64(&public.e_bytes())})
            }
            Inner::P256(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                json!({"kty": "EC", "crv": "P-256",
                    "x": b64(point.x().map(|x| x.as_slice()).unwrap_or_default()),
                    "y": b64(point.y().map(|y| y.as_slice()).unwrap_or_default())})
            }
            Inner::P384(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                json!({"kty": "EC", "crv": "P-384",
                    "x": b64(point.x().map(|x| x.as_slice()).unwrap_or_default()),
                    "y": b64(point.y().map(|y| y.as_slice()).unwrap_or_default())})
            }
            Inner::Ed25519(k) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64(k.verifying_key().as_bytes())})
            }
            Inner::Hmac(_) => return None,
        };
        if let Value::Object(m) = &mut jwk {
            m.insert("kid".into(), self.kid.clone().into());
            m.insert("use".into(), "sig".into());
            m.insert("alg".into(), self.alg.name().into());
        }
        Some(jwk)
    }

    /// A JWKS document holding the public keys of `keys` (HMAC keys left out).
    #[must_use]
    pub fn jwks(keys: &[&SigningKey]) -> String {
        let keys: Vec<Value> = keys.iter().filter_map(|k| k.public_jwk()).collect();
        json!({ "keys": keys }).to_string()
    }

    /// Signs `message` with this key's algorithm; the raw JWS signature
    /// (fixed-size `r || s` for ECDSA).
    #[must_use]
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        use Algorithm as A;
        match (&self.inner, self.alg) {
            (Inner::Rsa(k), A::RS256) => sign_with(
                &rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone()),
                message,
            ),
            (Inner::Rsa(k), A::RS384) => sign_with(
                &rsa::pkcs1v15::SigningKey::<Sha384>::new((**k).clone()),
                message,
            ),
            (Inner::Rsa(k), A::RS512) => sign_with(
                &rsa::pkcs1v15::SigningKey::<Sha512>::new((**k).clone()),
                message,
            ),
            (Inner::Rsa(k), A::PS256) => {
                sign_pss(&rsa::pss::SigningKey::<Sha256>::new((**k).clone()), message)
            }
            (Inner::Rsa(k), A::PS384) => {
                sign_pss(&rsa::pss::SigningKey::<Sha384>::new((**k).clone()), message)
            }
            (Inner::Rsa(k), _) => {
                sign_pss(&rsa::pss::SigningKey::<Sha512>::new((**k).clone()), message)
            }
            (Inner::P256(k), _) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
            (Inner::P384(k), _) => {
                let sig: p384::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
            (Inner::Ed25519(k), _) => k.sign(message).to_bytes().to_vec(),
            (Inner::Hmac(s), A::HS384) => hmac_tag::<Hmac<Sha384>>(s, message),
            (Inner::Hmac(s), A::HS512) => hmac_tag::<Hmac<Sha512>>(s, message),
            (Inner::Hmac(s), _) => hmac_tag::<Hmac<Sha256>>(s, message),
        }
    }

    /// Signs a header and claims into a compact JWS, exactly as given.
    #[must_use]
    pub fn sign_compact(&self, header: &Value, claims: &Value) -> String {
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = self.sign_raw(signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&signature))
    }

    /// Signs raw header and claims bytes (for duplicate members and other
    /// JSON that `serde_json::Value` cannot hold).
    #[must_use]
    pub fn sign_bytes(&self, header: &[u8], claims: &[u8]) -> String {
        let signing_input = format!("{}.{}", b64(header), b64(claims));
        let signature = self.sign_raw(signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&signature))
    }
}

fn sign_with<S, Sig>(signer: &S, message: &[u8]) -> Vec<u8>
where
    S: Signer<Sig>,
    Sig: SignatureEncoding,
{
    signer.sign(message).to_vec()
}

fn sign_pss<S, Sig>(signer: &S, message: &[u8]) -> Vec<u8>
where
    S: RandomizedSigner<Sig>,
    Sig: SignatureEncoding,
{
    signer.sign_with_rng(&mut rand::rng(), message).to_vec()
}

#[allow(clippy::expect_used)]
fn hmac_tag<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Builds a logout token: valid by default, every claim and header
/// parameter changeable, so tests can make each kind of bad token.
#[derive(Debug, Clone)]
pub struct TokenBuilder {
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl TokenBuilder {
    /// A valid logout token from `issuer` to `client_id`, issued at `now`,
    /// expiring 120 s later, with a random `jti`, `sub` `"user-1"`, the
    /// logout event and header `typ: logout+jwt`. No `sid` until
    /// [`TokenBuilder::sid`].
    #[must_use]
    pub fn new(issuer: &str, client_id: &str, now: u64) -> Self {
        let mut header = Map::new();
        header.insert("typ".into(), "logout+jwt".into());
        let claims = json!({
            "iss": issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 120,
            "jti": random_id(16),
            "sub": "user-1",
            "events": { LOGOUT_EVENT: {} },
        });
        let Value::Object(claims) = claims else {
            unreachable!("a JSON object literal")
        };
        TokenBuilder { header, claims }
    }

    /// Sets `sid`.
    #[must_use]
    pub fn sid(self, sid: &str) -> Self {
        self.claim("sid", sid)
    }

    /// Sets `sub`.
    #[must_use]
    #[allow(clippy::should_implement_trait)] // named after the claim
    pub fn sub(self, sub: &str) -> Self {
        self.claim("sub", sub)
    }

    /// Sets `jti`.
    #[must_use]
    pub fn jti(self, jti: &str) -> Self {
        self.claim("jti", jti)
    }

    /// Sets any claim.
    #[must_use]
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_owned(), value.into());
        self
    }

    /// Removes a claim.
    #[must_use]
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Sets a header parameter (`alg` and `kid` are set by
    /// [`TokenBuilder::sign`] unless given here).
    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.header.insert(name.to_owned(), value.into());
        self
    }

    /// Removes a header parameter.
    #[must_use]
    pub fn without_header(mut self, name: &str) -> Self {
        self.header.remove(name);
        self
    }

    /// The claims as they stand.
    #[must_use]
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The header as it will be signed by `key`.
    #[must_use]
    pub fn header_for(&self, key: &SigningKey) -> Map<String, Value> {
        let mut header = Map::new();
        header.insert("alg".into(), key.alg().name().into());
        header.insert("kid".into(), key.kid().into());
        for (k, v) in &self.header {
            header.insert(k.clone(), v.clone());
        }
        header
    }

    /// Signs with `key`: header `alg` and `kid` come from the key unless set.
    #[must_use]
    pub fn sign(&self, key: &SigningKey) -> String {
        key.sign_compact(
            &Value::Object(self.header_for(key)),
            &Value::Object(self.claims.clone()),
        )
    }
}
