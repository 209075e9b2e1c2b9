//! Keys that outlive the process: PKCS #8 PEM files, RFC 7638 thumbprints
//! as key ids, generation that reports failure instead of panicking, and
//! keys derived from another key (the `bclogout` tool's key files).

use backchannel_logout::jwk::{RSA_MAX_BITS, RSA_MIN_BITS};
use backchannel_logout::{Algorithm, KeyKind};
use hkdf::Hkdf;
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PrivateKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{Inner, SigningKey, b64};

/// Why a key could not be generated, read, written or derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The algorithm does not use a private key kept in a file (HS*: a
    /// shared secret).
    #[error(
        "{alg} keys are shared secrets, not private keys: use RS256, PS256, ES256, ES384 or EdDSA"
    )]
    NotAPrivateKeyAlgorithm {
        /// The algorithm asked for.
        alg: Algorithm,
    },
    /// An RSA modulus size outside what the validator accepts.
    #[error("an RSA key must have {RSA_MIN_BITS} to {RSA_MAX_BITS} bits, not {bits}")]
    RsaSize {
        /// The size asked for, or found in the file.
        bits: usize,
    },
    /// The random generator or the RSA prime search failed.
    #[error("key generation failed: {0}")]
    Generation(String),
    /// The text is not PEM.
    #[error("not a PEM file: {0}")]
    NotPem(String),
    /// The PEM holds something other than an unencrypted PKCS #8 key.
    #[error("the PEM holds {label:?}, not an unencrypted PKCS #8 \"PRIVATE KEY\"{hint}")]
    PemLabel {
        /// The label found (`RSA PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, ...).
        label: String,
        /// How to convert it, if known.
        hint: &'static str,
    },
    /// A PKCS #8 key of a type or curve that is not supported, or a
    /// malformed one.
    #[error("not a PKCS #8 RSA, EC P-256, EC P-384 or Ed25519 private key")]
    UnsupportedKey,
    /// The algorithm asked for does not fit the key.
    #[error("{alg} cannot be used with an {kind} key")]
    AlgorithmMismatch {
        /// The algorithm asked for.
        alg: Algorithm,
        /// The key's type.
        kind: &'static str,
    },
    /// The key could not be encoded as PKCS #8.
    #[error("cannot encode the key as PKCS #8: {0}")]
    Encoding(String),
}

/// The algorithm a key of `kind` signs with when none is named: RS256 for
/// RSA (the OpenID Connect default), the only choice for the others.
fn default_alg(kind: KeyKind) -> Option<Algorithm> {
    match kind {
        KeyKind::Rsa => Some(Algorithm::RS256),
        KeyKind::P256 => Some(Algorithm::ES256),
        KeyKind::P384 => Some(Algorithm::ES384),
        KeyKind::Ed25519 => Some(Algorithm::EdDSA),
        _ => None,
    }
}

/// Hints for PEM labels that are keys in another format.
fn label_hint(label: &str) -> &'static str {
    match label {
        "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
            " (convert it: openssl pkcs8 -topk8 -nocrypt -in OLD.pem -out KEY.pem)"
        }
        "ENCRYPTED PRIVATE KEY" => {
            " (decrypt it: openssl pkcs8 -in OLD.pem -out KEY.pem, and keep KEY.pem private)"
        }
        _ => "",
    }
}

/// The RFC 7638 JWK thumbprint of a public JWK: SHA-256 over the JSON
/// object of the key type's required members, base64url. `None` for a JWK
/// that is not an RSA, EC or OKP public key with those members as strings.
#[must_use]
pub fn jwk_thumbprint(jwk: &Value) -> Option<String> {
    let member = |name: &str| jwk.get(name).and_then(Value::as_str);
    // Only the required members, as strings. serde_json writes object
    // members in key order (a BTreeMap, or insertion order with the
    // `preserve_order` feature: they are inserted in lexicographic order
    // here) and without whitespace, which is RFC 7638's canonical form.
    let required = match member("kty")? {
        "RSA" => json!({"e": member("e")?, "kty": "RSA", "n": member("n")?}),
        "EC" => json!({
            "crv": member("crv")?, "kty": "EC", "x": member("x")?, "y": member("y")?,
        }),
        "OKP" => json!({"crv": member("crv")?, "kty": "OKP", "x": member("x")?}),
        _ => return None,
    };
    let canonical = serde_json::to_string(&required).ok()?;
    Some(b64(&Sha256::digest(canonical.as_bytes())))
}

impl SigningKey {
    /// Generates a fresh private key for `alg` (RSA with `rsa_bits` bits),
    /// with the RFC 7638 thumbprint as its `kid`.
    ///
    /// # Errors
    ///
    /// [`KeyError::NotAPrivateKeyAlgorithm`] for HS*, [`KeyError::RsaSize`]
    /// outside 2048 to 8192 bits, [`KeyError::Generation`] if the system
    /// random generator fails.
    pub fn try_generate(alg: Algorithm, rsa_bits: usize) -> Result<Self, KeyError> {
        if alg.key_kind() == KeyKind::Rsa && !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&rsa_bits) {
            return Err(KeyError::RsaSize { bits: rsa_bits });
        }
        let inner = generate_inner(alg, rsa_bits)?;
        Ok(Self::with_thumbprint_kid(alg, inner))
    }

    /// Reads an unencrypted PKCS #8 private key (PEM, `PRIVATE KEY`), with
    /// the RFC 7638 thumbprint as its `kid`. The key signs with `alg`, or
    /// by default with RS256 (RSA), ES256 (P-256), ES384 (P-384) or EdDSA
    /// (Ed25519).
    ///
    /// # Errors
    ///
    /// [`KeyError::NotPem`], [`KeyError::PemLabel`] (a PKCS #1, SEC1 or
    /// encrypted key, with how to convert it), [`KeyError::UnsupportedKey`],
    /// [`KeyError::RsaSize`], [`KeyError::AlgorithmMismatch`].
    pub fn from_pkcs8_pem(pem: &str, alg: Option<Algorithm>) -> Result<Self, KeyError> {
        let (label, _) = p256::pkcs8::der::pem::decode_vec(pem.as_bytes())
            .map_err(|e| KeyError::NotPem(e.to_string()))?;
        if label != "PRIVATE KEY" {
            return Err(KeyError::PemLabel {
                label: label.to_owned(),
                hint: label_hint(label),
            });
        }
        let inner = if let Ok(k) = rsa::PrivateKey::from_pkcs8_pem(pem) {
            let bits = rsa::traits::PublicKeyParts::n(&k).bit_width() as usize;
            if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
                return Err(KeyError::RsaSize { bits });
            }
            Inner::Rsa(Box::new(k))
        } else if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            Inner::P256(k)
        } else if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            Inner::P384(k)
        } else if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            Inner::Ed25519(k)
        } else {
            return Err(KeyError::UnsupportedKey);
        };
        let kind = inner.kind();
        let alg = match alg {
            Some(alg) if alg.key_kind() == kind => alg,
            Some(alg) => {
                return Err(KeyError::AlgorithmMismatch {
                    alg,
                    kind: kind.name(),
                });
            }
            None => default_alg(kind).ok_or(KeyError::UnsupportedKey)?,
        };
        Ok(Self::with_thumbprint_kid(alg, inner))
    }

    /// The private key as unencrypted PKCS #8 PEM (`PRIVATE KEY`, LF line
    /// endings), wiped from memory when dropped.
    ///
    /// # Errors
    ///
    /// [`KeyError::NotAPrivateKeyAlgorithm`] for an HMAC key;
    /// [`KeyError::Encoding`] if the crate's encoder fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let encoded = match &self.inner {
            Inner::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
            Inner::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
            Inner::P384(k) => k.to_pkcs8_pem(LineEnding::LF),
            Inner::Ed25519(k) => k.to_pkcs8_pem(LineEnding::LF),
            Inner::Hmac(_) => {
                return Err(KeyError::NotAPrivateKeyAlgorithm { alg: self.alg });
            }
        };
        encoded.map_err(|e| KeyError::Encoding(e.to_string()))
    }

    /// The RFC 7638 thumbprint of the public key; `None` for HMAC.
    #[must_use]
    pub fn thumbprint(&self) -> Option<String> {
        jwk_thumbprint(&self.public_jwk()?)
    }

    /// A key for `alg` (ES256, ES384 or EdDSA) derived from this key's
    /// secret with HKDF-SHA-256 and `label`: the same key and label always
    /// give the same derived key, so a key set holding both stays valid
    /// across runs. Its `kid` is its thumbprint.
    ///
    /// # Errors
    ///
    /// [`KeyError::NotAPrivateKeyAlgorithm`] for an `alg` other than ES256,
    /// ES384, EdDSA or Ed25519, or when this key is an HMAC key.
    pub fn derive(&self, alg: Algorithm, label: &str) -> Result<Self, KeyError> {
        let secret: Zeroizing<Vec<u8>> = Zeroizing::new(match &self.inner {
            Inner::Rsa(k) => k.d().to_be_bytes().to_vec(),
            Inner::P256(k) => k.to_bytes().to_vec(),
            Inner::P384(k) => k.to_bytes().to_vec(),
            Inner::Ed25519(k) => k.to_bytes().to_vec(),
            Inner::Hmac(_) => {
                return Err(KeyError::NotAPrivateKeyAlgorithm { alg: self.alg });
            }
        });
        let hkdf = Hkdf::<Sha256>::new(None, &secret);
        // A P-256 or P-384 scalar must be below the group order: a 2^-32
        // chance for a uniform string to miss; the next counter value
        // follows.
        let len = match alg.key_kind() {
            KeyKind::P384 => 48,
            KeyKind::P256 | KeyKind::Ed25519 => 32,
            _ => return Err(KeyError::NotAPrivateKeyAlgorithm { alg }),
        };
        for counter in 0..=u8::MAX {
            let mut okm = Zeroizing::new(vec![0u8; len]);
            let info: [&[u8]; 3] = [label.as_bytes(), alg.name().as_bytes(), &[counter]];
            hkdf.expand_multi_info(&info, &mut okm)
                .map_err(|e| KeyError::Generation(e.to_string()))?;
            let inner = match alg.key_kind() {
                KeyKind::P256 => p256::ecdsa::SigningKey::from_slice(&okm)
                    .ok()
                    .map(Inner::P256),
                KeyKind::P384 => p384::ecdsa::SigningKey::from_slice(&okm)
                    .ok()
                    .map(Inner::P384),
                _ => <[u8; 32]>::try_from(okm.as_slice())
                    .ok()
                    .map(|seed| Inner::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))),
            };
            if let Some(inner) = inner {
                return Ok(Self::with_thumbprint_kid(alg, inner));
            }
        }
        Err(KeyError::Generation(
            "no valid scalar in 256 derivations".to_owned(),
        ))
    }

    fn with_thumbprint_kid(alg: Algorithm, inner: Inner) -> Self {
        let mut key = SigningKey {
            alg,
            kid: String::new(),
            inner,
        };
        key.kid = key.thumbprint().unwrap_or_default();
        key
    }
}

/// Fresh key material for `alg`.
pub(crate) fn generate_inner(alg: Algorithm, rsa_bits: usize) -> Result<Inner, KeyError> {
    let mut rng = rand::rng();
    Ok(match alg.key_kind() {
        KeyKind::Rsa => Inner::Rsa(Box::new(
            rsa::PrivateKey::new(&mut rng, rsa_bits)
                .map_err(|e| KeyError::Generation(e.to_string()))?,
        )),
        KeyKind::P256 => Inner::P256(p256::ecdsa::SigningKey::generate_from_rng(&mut rng)),
        KeyKind::P384 => Inner::P384(p384::ecdsa::SigningKey::generate_from_rng(&mut rng)),
        KeyKind::Ed25519 => Inner::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng)),
        _ => return Err(KeyError::NotAPrivateKeyAlgorithm { alg }),
    })
}

impl Inner {
    fn kind(&self) -> KeyKind {
        match self {
            Inner::Rsa(_) => KeyKind::Rsa,
            Inner::P256(_) => KeyKind::P256,
            Inner::P384(_) => KeyKind::P384,
            Inner::Ed25519(_) => KeyKind::Ed25519,
            Inner::Hmac(_) => KeyKind::Hmac,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use backchannel_logout::KeySet;

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // RFC 7638 §3.1.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29",
        });
        assert_eq!(
            jwk_thumbprint(&jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
        assert_eq!(jwk_thumbprint(&json!({"kty": "oct", "k": "AA"})), None);
        assert_eq!(jwk_thumbprint(&json!({"kty": "RSA", "n": "AA"})), None);
    }

    #[test]
    fn pem_round_trip_keeps_the_key_and_its_thumbprint_kid() {
        for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
            let key = SigningKey::try_generate(alg, 2048).unwrap();
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
            let read = SigningKey::from_pkcs8_pem(&pem, None).unwrap();
            assert_eq!(read.alg(), alg);
            assert_eq!(read.kid(), key.kid());
            assert_eq!(read.public_jwk(), key.public_jwk());
        }
    }

    #[test]
    fn rsa_key_signs_with_the_algorithm_asked_for() {
        let key = SigningKey::shared(Algorithm::RS256);
        let pem = key.to_pkcs8_pem().unwrap();
        let ps = SigningKey::from_pkcs8_pem(&pem, Some(Algorithm::PS256)).unwrap();
        assert_eq!(ps.alg(), Algorithm::PS256);
        assert_eq!(ps.kid(), key.thumbprint().unwrap());
        assert_eq!(
            SigningKey::from_pkcs8_pem(&pem, Some(Algorithm::ES256)).unwrap_err(),
            KeyError::AlgorithmMismatch {
                alg: Algorithm::ES256,
                kind: "RSA"
            }
        );
    }

    #[test]
    fn other_pem_labels_are_refused_with_a_hint() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let err = SigningKey::from_pkcs8_pem(pem, None).unwrap_err();
        assert!(matches!(&err, KeyError::PemLabel { label, .. } if label == "RSA PRIVATE KEY"));
        assert!(err.to_string().contains("openssl pkcs8 -topk8"), "{err}");
        assert!(matches!(
            SigningKey::from_pkcs8_pem("not pem", None),
            Err(KeyError::NotPem(_))
        ));
    }

    #[test]
    fn weak_rsa_and_hmac_are_refused() {
        assert_eq!(
            SigningKey::try_generate(Algorithm::RS256, 1024).unwrap_err(),
            KeyError::RsaSize { bits: 1024 }
        );
        assert_eq!(
            SigningKey::try_generate(Algorithm::HS256, 2048).unwrap_err(),
            KeyError::NotAPrivateKeyAlgorithm {
                alg: Algorithm::HS256
            }
        );
    }

    #[test]
    fn derived_keys_are_stable_and_distinct() {
        let key = SigningKey::shared(Algorithm::RS256);
        let a = key.derive(Algorithm::ES256, "wrong-alg").unwrap();
        let b = key.derive(Algorithm::ES256, "wrong-alg").unwrap();
        let c = key.derive(Algorithm::ES256, "other").unwrap();
        assert_eq!(a.public_jwk(), b.public_jwk());
        assert_ne!(a.public_jwk(), c.public_jwk());
        assert_eq!(a.kid(), a.thumbprint().unwrap());
        let ed = a.derive(Algorithm::EdDSA, "x").unwrap();
        // Derived keys verify like any other.
        let keys = KeySet::from_jwks(SigningKey::jwks(&[&a, &ed]).as_bytes()).unwrap();
        assert_eq!(keys.len(), 2);
    }
}
