//! Keys (RFC 7517) and key sets, parsed and checked once into the crypto
//! crates' verifying keys.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::alg::{Algorithm, KeyKind};
use crate::error::{Error, JwksError};
use crate::verify::{Material, hmac_min_len};

/// Smallest RSA modulus accepted, in bits (RFC 7518 §3.3).
pub const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits: bounds what a hostile key set can
/// make a verification cost.
pub const RSA_MAX_BITS: usize = 8192;

/// One verification key: its `kid`, its declared `alg`, and the parsed
/// material.
#[derive(Clone)]
pub struct Key {
    kid: Option<String>,
    alg: Option<Algorithm>,
    material: Material,
}

impl Key {
    /// The key id.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm the key declares, if any.
    #[must_use]
    pub fn alg(&self) -> Option<Algorithm> {
        self.alg
    }

    /// The kind of key.
    #[must_use]
    pub fn kind(&self) -> KeyKind {
        self.material.kind()
    }

    /// Whether this key may verify a token signed with `alg`: the kind fits,
    /// the key's own `alg` (if any) is `alg`, and an HMAC secret is long enough.
    fn fits(&self, alg: Algorithm) -> bool {
        alg.key_kind() == self.kind()
            && self.alg.is_none_or(|a| a == alg)
            && match &self.material {
                Material::Hmac(k) => k.len() >= hmac_min_len(alg),
                _ => true,
            }
    }
}

impl fmt::Debug for Key {
    // Never prints key material (an HMAC secret is one).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("kind", &self.kind())
            .finish()
    }
}

/// A key of a JWKS document that will not verify anything, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Its `kid`, if it had one.
    pub kid: Option<String>,
    /// Its position in the `keys` array.
    pub index: usize,
    /// Why it was skipped, in words.
    pub reason: String,
}

impl fmt::Display for SkippedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kid {
            Some(kid) => write!(f, "key {} ({kid:?}): {}", self.index, self.reason),
            None => write!(f, "key {}: {}", self.index, self.reason),
        }
    }
}

/// A set of verification keys: the provider's JWKS, plus an HMAC secret if
/// the application adds one.
///
/// Build it once per fetched document and share it (`Arc<KeySet>`): every
/// key is parsed and checked here, and the verifying key of the crate that
/// verifies with it is made once and kept, so validation never re-parses
/// keys. What costs real work and is needed only to verify (RSA's
/// Montgomery form, AWS-LC's parsed EC key, the decoding of an Ed25519
/// point) is made on the key's first use, since most keys of a provider's
/// set never sign a logout token.
///
/// ```
/// use backchannel_logout::KeySet;
/// let jwks = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1",
///     "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
/// let keys = KeySet::from_jwks(jwks)?;
/// assert_eq!(keys.len(), 1);
/// # Ok::<(), backchannel_logout::JwksError>(())
/// ```
#[derive(Clone, Default)]
pub struct KeySet {
    keys: Vec<Key>,
    /// The first [`KeySet::MAX_SKIPPED_LISTED`] skipped keys.
    skipped: Vec<SkippedKey>,
    /// All skipped keys, listed or not.
    skipped_count: usize,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("keys", &self.keys)
            .field("skipped", &self.skipped)
            .field("skipped_count", &self.skipped_count)
            .finish()
    }
}

/// The members of a JWK this library reads, borrowed from the document
/// where they have no escapes; unknown members are ignored.
#[derive(Deserialize)]
struct RawJwk<'a> {
    #[serde(borrow)]
    kty: Cow<'a, str>,
    #[serde(borrow)]
    kid: Option<Cow<'a, str>>,
    #[serde(rename = "use", borrow)]
    use_: Option<Cow<'a, str>>,
    #[serde(borrow)]
    key_ops: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    alg: Option<Cow<'a, str>>,
    #[serde(borrow)]
    crv: Option<Cow<'a, str>>,
    #[serde(borrow)]
    n: Option<Cow<'a, str>>,
    #[serde(borrow)]
    e: Option<Cow<'a, str>>,
    #[serde(borrow)]
    x: Option<Cow<'a, str>>,
    #[serde(borrow)]
    y: Option<Cow<'a, str>>,
}

/// The `kid` of a JWK that is not a valid one, for the skip report.
#[derive(Deserialize)]
struct KidOnly<'a> {
    #[serde(borrow)]
    kid: Option<Cow<'a, str>>,
}

impl KeySet {
    /// Largest JWKS document accepted, in bytes.
    pub const MAX_JWKS_SIZE: usize = 1024 * 1024;
    /// Most usable keys kept from one document; further keys are skipped
    /// (and counted in [`KeySet::skipped_count`]), not an error, so that a
    /// provider publishing one key too many still verifies with the rest.
    pub const MAX_KEYS: usize = 64;
    /// Most skipped keys listed with their reason by [`KeySet::skipped`];
    /// the others are only counted. A hostile 1 MiB document holds some
    /// 100,000 junk keys: listing them all would keep megabytes, make
    /// every token with an unknown `kid` scan them, and flood a report.
    pub const MAX_SKIPPED_LISTED: usize = 8;

    /// An empty key set, for an application that only adds an HMAC secret.
    #[must_use]
    pub fn new() -> Self {
        KeySet::default()
    }

    /// Parses a JWKS document (RFC 7517 §5).
    ///
    /// Keys that cannot verify signatures are skipped, not fatal, and listed
    /// by [`KeySet::skipped`]: other key types and curves (secp256k1, X25519,
    /// P-521), `use` other than `sig`, `key_ops` without `verify`, RSA moduli
    /// outside 2048–8192 bits, EC points not on the curve, Ed25519 keys
    /// that encode a point of small order, symmetric (`oct`) keys (an HMAC
    /// secret is added explicitly with [`KeySet::add_hmac_secret`], never
    /// read from a provider's JWKS), and keys declaring an `alg` that does
    /// not fit them.
    ///
    /// An Ed25519 key's point is decoded on the key's first use, not here:
    /// decoding costs a square root (a third of an RSA verification on
    /// AWS-LC), and most keys of a provider's set never sign a logout
    /// token. A key that then proves not to be a point of the curve, not
    /// canonically encoded, or a point of small order in another encoding,
    /// refuses every token with [`Error::KeyUnusable`] and its reason; it
    /// is counted by [`KeySet::len`], not listed by [`KeySet::skipped`].
    ///
    /// At most [`KeySet::MAX_KEYS`] usable keys are kept, and at most
    /// [`KeySet::MAX_SKIPPED_LISTED`] skipped keys are listed (their `kid`
    /// and reason cut to 256 bytes); the rest are counted. A token naming a
    /// listed skipped key is refused with [`Error::KeyUnusable`] and its
    /// reason, one naming an unlisted one with [`Error::KeyNotFound`]. The
    /// keys are parsed as they are read, never all held at once.
    ///
    /// # Errors
    ///
    /// [`JwksError::TooLarge`] over [`KeySet::MAX_JWKS_SIZE`],
    /// [`JwksError::InvalidDocument`] if it is not a JSON object with a
    /// `keys` array, [`JwksError::NoUsableKey`] if no key is usable (as far
    /// as can be told at load: see the Ed25519 paragraph above).
    pub fn from_jwks(document: &[u8]) -> Result<Self, JwksError> {
        if document.len() > Self::MAX_JWKS_SIZE {
            return Err(JwksError::TooLarge {
                len: document.len(),
                max: Self::MAX_JWKS_SIZE,
            });
        }
        // Each key is read as its raw text and parsed on its own, so one
        // malformed key is skipped with its reason, not the whole document;
        // and one at a time, so a document of junk keys costs no list of
        // them.
        #[derive(Deserialize)]
        struct Doc {
            keys: Keys,
        }
        struct Keys(KeySet);
        impl<'de> Deserialize<'de> for Keys {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_seq(KeysVisitor).map(Keys)
            }
        }
        struct KeysVisitor;
        impl<'de> serde::de::Visitor<'de> for KeysVisitor {
            type Value = KeySet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of JWKs")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeySet, A::Error> {
                let mut set = KeySet::new();
                let mut index = 0;
                while let Some(value) = seq.next_element::<&'de RawValue>()? {
                    set.add_jwk(index, value.get());
                    index += 1;
                }
                Ok(set)
            }
        }
        let Doc { keys: Keys(set) } =
            serde_json::from_slice(document).map_err(|e| JwksError::InvalidDocument {
                detail: e.to_string(),
            })?;
        if set.keys.is_empty() {
            return Err(JwksError::NoUsableKey {
                skipped: set.skipped,
                skipped_count: set.skipped_count,
            });
        }
        Ok(set)
    }

    /// Parses the key at `index` of a document's `keys`, keeping it or
    /// recording why it was skipped.
    fn add_jwk(&mut self, index: usize, text: &str) {
        let kid = || {
            serde_json::from_str::<KidOnly<'_>>(text)
                .ok()
                .and_then(|k| k.kid)
                .map(|kid| crate::error::truncated(&kid))
        };
        if self.keys.len() >= Self::MAX_KEYS {
            self.skip(kid, index, || {
                format!("more than {} usable keys", Self::MAX_KEYS)
            });
            return;
        }
        match parse_jwk(text) {
            Ok(key) => self.keys.push(key),
            Err(reason) => self.skip(kid, index, || reason),
        }
    }

    /// Counts a skipped key, and lists it while the list has room (the
    /// `kid` is read again only then).
    fn skip(
        &mut self,
        kid: impl FnOnce() -> Option<String>,
        index: usize,
        reason: impl FnOnce() -> String,
    ) {
        self.skipped_count += 1;
        if self.skipped.len() < Self::MAX_SKIPPED_LISTED {
            self.skipped.push(SkippedKey {
                kid: kid(),
                index,
                reason: crate::error::truncated(&reason()),
            });
        }
    }

    /// Adds the client secret as an HMAC key, for providers that sign
    /// logout tokens with HS256/384/512. With `kid: None` it matches tokens
    /// without a `kid` (and tokens whose `kid` no other key claims).
    ///
    /// # Errors
    ///
    /// [`HmacSecretTooShort`] when the secret is shorter than 32 bytes, the
    /// minimum for HS256 (RFC 7518 §3.2); HS384 and HS512 need 48 and 64
    /// bytes, and a shorter secret is simply not used for them.
    pub fn add_hmac_secret(
        &mut self,
        kid: Option<&str>,
        secret: &[u8],
    ) -> Result<(), HmacSecretTooShort> {
        let too_short = HmacSecretTooShort { len: secret.len() };
        if secret.len() < 32 {
            return Err(too_short);
        }
        // Keying HMAC does not fail, whatever the length.
        let material = Material::hmac(secret).ok_or(too_short)?;
        self.keys.push(Key {
            kid: kid.map(str::to_owned),
            alg: None,
            material,
        });
        Ok(())
    }

    /// The usable keys.
    #[must_use]
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The first keys of the document that were skipped, and why: at most
    /// [`KeySet::MAX_SKIPPED_LISTED`] of them.
    #[must_use]
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// How many keys of the document were skipped, listed by
    /// [`KeySet::skipped`] or not.
    #[must_use]
    pub fn skipped_count(&self) -> usize {
        self.skipped_count
    }

    /// Number of keys kept for verification (an Ed25519 key among them may
    /// still prove unusable on its first use: see [`KeySet::from_jwks`]).
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key was kept for verification.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether a usable key has this `kid`.
    #[must_use]
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// Verifies a signature over `message` with the key that `kid` and `alg`
    /// select: the same code path [`crate::Validator::validate`] uses. This is
    /// a low-level building block; it checks no algorithm allow-list and no
    /// claims.
    ///
    /// Key selection: with a `kid`, the keys with that `kid` that fit `alg`
    /// (kind, declared `alg`); without one, every key that fits `alg`, which
    /// must then be exactly one.
    ///
    /// # Errors
    ///
    /// [`Error::KeyNotFound`], [`Error::KeyUnusable`],
    /// [`Error::KeyAlgorithmMismatch`], [`Error::KeyTypeMismatch`],
    /// [`Error::KidRequired`] when no key can be chosen;
    /// [`Error::KeyUnusable`] also when the chosen Ed25519 key proves, on
    /// its first use, not to be a usable point (see [`KeySet::from_jwks`]);
    /// [`Error::InvalidSignature`] when the signature does not verify.
    pub fn verify_signature(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<&Key, Error> {
        let key = self.select(alg, kid)?;
        match key.material.verify(alg, message, signature) {
            Ok(true) => Ok(key),
            Ok(false) => Err(Error::InvalidSignature {
                kid: kid.map(crate::error::truncated),
                alg: alg.name().to_owned(),
            }),
            Err(reason) => Err(Error::KeyUnusable {
                kid: key.kid().map(crate::error::truncated).unwrap_or_default(),
                reason: reason.to_owned(),
            }),
        }
    }

    fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Key, Error> {
        let owned_kid = || kid.map(crate::error::truncated);
        let Some(kid) = kid else {
            let mut fitting = self.keys.iter().filter(|k| k.fits(alg));
            return match (fitting.next(), fitting.next()) {
                (Some(k), None) => Ok(k),
                (None, _) => Err(Error::KeyNotFound {
                    kid: None,
                    alg: alg.name().to_owned(),
                }),
                (Some(_), Some(_)) => Err(Error::KidRequired {
                    alg: alg.name().to_owned(),
                    candidates: self.keys.iter().filter(|k| k.fits(alg)).count(),
                }),
            };
        };
        let mut named = self
            .keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .peekable();
        let Some(&first) = named.peek() else {
            // A kid-less HMAC secret answers for a kid no other key claims.
            if alg.key_kind() == KeyKind::Hmac
                && let Some(k) = self.keys.iter().find(|k| k.kid.is_none() && k.fits(alg))
            {
                return Ok(k);
            }
            // Only the listed skipped keys are known: a `kid` of an unlisted
            // one is not found, as if the key were absent.
            if let Some(s) = self.skipped.iter().find(|s| s.kid.as_deref() == Some(kid)) {
                return Err(Error::KeyUnusable {
                    kid: crate::error::truncated(kid),
                    reason: s.reason.clone(),
                });
            }
            return Err(Error::KeyNotFound {
                kid: owned_kid(),
                alg: alg.name().to_owned(),
            });
        };
        if let Some(k) = named.clone().find(|k| k.fits(alg)) {
            return Ok(k);
        }
        Err(match first.alg {
            Some(key_alg) if first.kind() == alg.key_kind() => Error::KeyAlgorithmMismatch {
                kid: owned_kid(),
                key_alg: key_alg.name().to_owned(),
                alg: alg.name().to_owned(),
            },
            _ => Error::KeyTypeMismatch {
                kid: owned_kid(),
                key_type: first.kind().name(),
                alg: alg.name().to_owned(),
            },
        })
    }
}

/// An HMAC secret shorter than 32 bytes was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HMAC secret of {len} bytes is too short: at least 32 bytes are required")]
pub struct HmacSecretTooShort {
    /// Length of the secret given.
    pub len: usize,
}

fn parse_jwk(text: &str) -> Result<Key, String> {
    let raw: RawJwk<'_> =
        serde_json::from_str(text).map_err(|e| format!("not a valid JWK: {e}"))?;
    if let Some(u) = &raw.use_
        && u != "sig"
    {
        return Err(format!("use is {u:?}, not \"sig\""));
    }
    if let Some(ops) = &raw.key_ops
        && !ops.iter().any(|o| o == "verify")
    {
        return Err("key_ops does not include \"verify\"".to_owned());
    }
    let alg = match &raw.alg {
        None => None,
        Some(a) => Some(
            a.parse::<Algorithm>()
                .map_err(|_| format!("alg {a:?} is not a supported signature algorithm"))?,
        ),
    };
    let material = match (&*raw.kty, raw.crv.as_deref()) {
        ("RSA", _) => rsa_material(&raw)?,
        ("EC", Some("P-256")) => {
            let (x, y) = coordinates(&raw, 32)?;
            let point = p256::Sec1Point::from_affine_coordinates(
                x.as_slice()
                    .try_into()
                    .map_err(|_| "bad EC coordinate length".to_owned())?,
                y.as_slice()
                    .try_into()
                    .map_err(|_| "bad EC coordinate length".to_owned())?,
                false,
            );
            Material::p256(
                p256::ecdsa::VerifyingKey::from_sec1_point(&point)
                    .map_err(|_| "the EC point is not on P-256".to_owned())?,
            )
        }
        ("EC", Some("P-384")) => {
            let (x, y) = coordinates(&raw, 48)?;
            let point = p384::Sec1Point::from_affine_coordinates(
                x.as_slice()
                    .try_into()
                    .map_err(|_| "bad EC coordinate length".to_owned())?,
                y.as_slice()
                    .try_into()
                    .map_err(|_| "bad EC coordinate length".to_owned())?,
                false,
            );
            Material::p384(
                p384::ecdsa::VerifyingKey::from_sec1_point(&point)
                    .map_err(|_| "the EC point is not on P-384".to_owned())?,
            )
        }
        ("OKP", Some("Ed25519")) => {
            let x = b64_member(&raw.x, "x")?;
            let x: [u8; 32] = x
                .as_slice()
                .try_into()
                .map_err(|_| "Ed25519 x must be 32 bytes".to_owned())?;
            Material::ed25519(x)?
        }
        ("EC" | "OKP", crv) => {
            return Err(format!(
                "curve {} is not supported",
                crv.map_or_else(|| "(missing)".to_owned(), |c| format!("{c:?}"))
            ));
        }
        ("oct", _) => {
            return Err(
                "symmetric keys are never read from a JWKS; add the client secret with add_hmac_secret"
                    .to_owned(),
            );
        }
        (kty, _) => return Err(format!("key type {kty:?} is not supported")),
    };
    if let Some(a) = alg
        && a.key_kind() != material.kind()
    {
        return Err(format!(
            "alg {a} does not fit a {} key",
            material.kind().name()
        ));
    }
    Ok(Key {
        kid: raw.kid.map(Cow::into_owned),
        alg,
        material,
    })
}

/// A base64url member of a public key (`n`, `e`, `x`, `y`), decoded as
/// strictly as a token's segments, by the same decoder.
fn b64_member(v: &Option<Cow<'_, str>>, name: &str) -> Result<Vec<u8>, String> {
    let s = v
        .as_deref()
        .ok_or_else(|| format!("member {name} is missing"))?;
    crate::jws::decode_base64url(s.as_bytes())
        .ok_or_else(|| format!("member {name} is not base64url"))
}

fn coordinates(raw: &RawJwk<'_>, len: usize) -> Result<(Vec<u8>, Vec<u8>), String> {
    let x = b64_member(&raw.x, "x")?;
    let y = b64_member(&raw.y, "y")?;
    if x.len() != len || y.len() != len {
        return Err(format!("EC coordinates must be {len} bytes each"));
    }
    Ok((x, y))
}

fn rsa_material(raw: &RawJwk<'_>) -> Result<Material, String> {
    let n = b64_member(&raw.n, "n")?;
    let e = b64_member(&raw.e, "e")?;
    let n = strip_leading_zeros(&n);
    let e = strip_leading_zeros(&e);
    if n.is_empty() || e.is_empty() {
        return Err("RSA n and e must be non-zero".to_owned());
    }
    // Check the size before any arithmetic on a hostile modulus.
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if bits < RSA_MIN_BITS {
        return Err(format!(
            "RSA modulus of {bits} bits is under {RSA_MIN_BITS}"
        ));
    }
    if bits > RSA_MAX_BITS {
        return Err(format!("RSA modulus of {bits} bits is over {RSA_MAX_BITS}"));
    }
    Material::rsa(n, e)
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}
