//! Known-answer tests: published JWS examples (RFC 7515, RFC 7520, RFC 8037)
//! and the Project Wycheproof JOSE vectors, verified through
//! [`verify_compact`], the signature layer of the validator.
//!
//! The vectors live beside this file in `vectors/` (see its README and
//! `vectors/wycheproof/SOURCE.md`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use backchannel_logout::error::Part;
use backchannel_logout::{Algorithm, AlgorithmSet, Error, JwksError, KeySet, verify_compact};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};

/// The payload of RFC 7515 Appendices A.2 and A.3 (CRLF line breaks).
const RFC7515_PAYLOAD: &str =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
/// The payload of RFC 7520 §4 (with U+2019 apostrophes in "It’s" and "there’s").
const RFC7520_PAYLOAD: &str = "It\u{2019}s a dangerous business, Frodo, going out your door. \
You step onto the road, and if you don't keep your feet, there\u{2019}s no knowing where you \
might be swept off to.";
const RFC7520_KID: &str = "bilbo.baggins@hobbiton.example";

/// One vector file of `vectors/`.
struct Vector {
    alg: String,
    jwk: Value,
    jws: String,
}

fn vector(file_text: &str) -> Vector {
    let v: Value = serde_json::from_str(file_text).expect("vector file is JSON");
    assert_eq!(v["expect"], "valid", "every RFC vector here is a valid one");
    Vector {
        alg: v["alg"].as_str().expect("alg").to_owned(),
        jwk: v["jwk"].clone(),
        jws: v["jws"].as_str().expect("jws").to_owned(),
    }
}

fn b64_decode(s: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(s).expect("base64url")
}

/// The key set of a vector: its public JWK, or for `oct` its secret added
/// explicitly, as an application adds its client secret.
fn keys_for(v: &Vector) -> KeySet {
    if v.jwk["kty"] == "oct" {
        let mut keys = KeySet::new();
        let secret = b64_decode(v.jwk["k"].as_str().expect("k"));
        keys.add_hmac_secret(v.jwk["kid"].as_str(), &secret)
            .expect("the RFC 7520 secret is 32 bytes");
        keys
    } else {
        KeySet::from_jwks(json!({ "keys": [v.jwk] }).to_string().as_bytes()).expect("usable key")
    }
}

/// The same token with one bit of its signature flipped.
fn with_signature_bit_flipped(jws: &str) -> String {
    let (signing_input, signature) = jws.rsplit_once('.').expect("three segments");
    let mut sig = b64_decode(signature);
    let middle = sig.len() / 2;
    sig[middle] ^= 0x01;
    format!("{signing_input}.{}", Base64UrlUnpadded::encode_string(&sig))
}

/// Verifies a valid vector and checks the header and payload it returns.
fn assert_verifies(file_text: &str, alg: Algorithm, kid: Option<&str>, payload: &str) {
    let v = vector(file_text);
    assert_eq!(v.alg, alg.name());
    let keys = keys_for(&v);
    let (header, body) = verify_compact(v.jws.as_bytes(), &keys, AlgorithmSet::ALL)
        .unwrap_or_else(|e| panic!("{} vector must verify: {e}", alg.name()));
    assert_eq!(header.alg, alg);
    assert_eq!(header.kid.as_deref(), kid);
    assert_eq!(header.typ, None);
    assert_eq!(String::from_utf8(body).expect("UTF-8 payload"), payload);
}

/// The vector with one signature bit flipped is refused as a bad signature.
fn assert_flipped_bit_refused(file_text: &str) {
    let v = vector(file_text);
    let keys = keys_for(&v);
    let tampered = with_signature_bit_flipped(&v.jws);
    assert_ne!(tampered, v.jws);
    let err = verify_compact(tampered.as_bytes(), &keys, AlgorithmSet::ALL).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidSignature { alg, .. } if *alg == v.alg),
        "{}: {err:?}",
        v.alg
    );
}

const RFC7515_A2: &str = include_str!("vectors/rfc7515-a2-rs256.json");
const RFC7515_A3: &str = include_str!("vectors/rfc7515-a3-es256.json");
const RFC7520_4_1: &str = include_str!("vectors/rfc7520-4.1-rs256.json");
const RFC7520_4_2: &str = include_str!("vectors/rfc7520-4.2-ps384.json");
const RFC7520_4_3: &str = include_str!("vectors/rfc7520-4.3-es512.json");
const RFC7520_4_4: &str = include_str!("vectors/rfc7520-4.4-hs256.json");
const RFC8037_A4: &str = include_str!("vectors/rfc8037-a4-ed25519.json");

#[test]
fn rfc7515_a2_rs256_verifies() {
    assert_verifies(RFC7515_A2, Algorithm::RS256, None, RFC7515_PAYLOAD);
}

#[test]
fn rfc7515_a2_rs256_with_flipped_signature_bit_is_refused() {
    assert_flipped_bit_refused(RFC7515_A2);
}

#[test]
fn rfc7515_a3_es256_verifies() {
    assert_verifies(RFC7515_A3, Algorithm::ES256, None, RFC7515_PAYLOAD);
}

#[test]
fn rfc7515_a3_es256_with_flipped_signature_bit_is_refused() {
    assert_flipped_bit_refused(RFC7515_A3);
}

#[test]
fn rfc7520_4_1_rs256_verifies() {
    assert_verifies(
        RFC7520_4_1,
        Algorithm::RS256,
        Some(RFC7520_KID),
        RFC7520_PAYLOAD,
    );
}

#[test]
fn rfc7520_4_1_rs256_with_flipped_signature_bit_is_refused() {
    assert_flipped_bit_refused(RFC7520_4_1);
}

#[test]
fn rfc7520_4_2_ps384_verifies() {
    assert_verifies(
        RFC7520_4_2,
        Algorithm::PS384,
        Some(RFC7520_KID),
        RFC7520_PAYLOAD,
    );
}

#[test]
fn rfc7520_4_2_ps384_with_flipped_signature_bit_is_refused() {
    assert_flipped_bit_refused(RFC7520_4_2);
}

#[test]
fn rfc7520_4_4_hs256_verifies() {
    assert_verifies(
        RFC7520_4_4,
        Algorithm::HS256,
        Some("018c0ae5-4d9b-471b-bfd6-eef314bc7037"),
        RFC7520_PAYLOAD,
    );
}

#[test]
fn rfc7520_4_4_hs256_with_flipped_signature_bit_is_refused() {
    assert_flipped_bit_refused(RFC7520_4_4);
}

#[test]
fn rfc8037_a4_ed25519_verifies() {
    assert_verifies(
        RFC8037_A4,
        Algorithm::EdDSA,
        None,
        "Example of Ed25519 signing",
    );
}

#[test]
fn rfc8037_a4_ed25519_with_flipped_signature_bit_is_refused() {
    assert_flipped_bit_refused(RFC8037_A4);
}

// ES512 (ECDSA on P-521) is not supported: no provider we know of signs logout
// tokens with it, and OIDC's default is RS256. RFC 7520 §4.3 is kept to pin
// down how it is refused: the key is skipped, the token's alg is unknown.

#[test]
fn rfc7520_4_3_es512_p521_key_is_skipped_naming_the_curve() {
    let v = vector(RFC7520_4_3);
    let err = KeySet::from_jwks(json!({ "keys": [v.jwk] }).to_string().as_bytes()).unwrap_err();
    let JwksError::NoUsableKey { skipped, .. } = err else {
        panic!("expected NoUsableKey, got {err:?}");
    };
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].kid.as_deref(), Some(RFC7520_KID));
    assert_eq!(skipped[0].index, 0);
    assert!(
        skipped[0].reason.contains("P-521"),
        "the reason names the curve: {}",
        skipped[0].reason
    );
}

#[test]
fn rfc7520_4_3_es512_token_is_refused_as_unsupported_algorithm() {
    let v = vector(RFC7520_4_3);
    assert_eq!(v.alg, "ES512");
    // Whatever keys are at hand, the header's alg is refused first.
    let mut keys = KeySet::new();
    keys.add_hmac_secret(None, &[7; 32]).unwrap();
    let err = verify_compact(v.jws.as_bytes(), &keys, AlgorithmSet::ALL).unwrap_err();
    assert_eq!(
        err,
        Error::UnsupportedAlgorithm {
            alg: "ES512".into()
        }
    );
}

// ---------------------------------------------------------------------------
// Project Wycheproof JOSE vectors (vectors/wycheproof/, see SOURCE.md).

const WYCHEPROOF_JWS: &str = include_str!("vectors/wycheproof/json_web_signature_test.json");

/// Where our answer differs from Wycheproof's label on purpose, and why.
/// Each entry is checked: the vector must still differ, for this reason.
const KNOWN_DIFFERENCES: &[(u64, &str)] = &[
    (
        346,
        "RFC 7520 Figure 20 is PS384, the group's key declares alg PS256: a key's alg must \
         equal the token's (KeyAlgorithmMismatch)",
    ),
    (
        350,
        "RFC 7520 Figure 20 is PS384, the group's key declares alg PS256: a key's alg must \
         equal the token's (KeyAlgorithmMismatch)",
    ),
    (
        367,
        "upstream label error: the \"invalidBase64Padding\" JWS lost its padding and is \
         byte-identical to the valid tc 357",
    ),
    (
        370,
        "upstream label error: the \"invalidBase64PaddingInPayload\" JWS lost its padding and \
         is byte-identical to the valid tc 357",
    ),
    (
        372,
        "upstream label error: '?' inside the header segment is not base64url (RFC 7515 §2); \
         upstream's own jose4j harness lists accepting it as a malleability bug",
    ),
    (
        373,
        "upstream label error: '?' inside the payload segment is not base64url (RFC 7515 §2); \
         upstream's own jose4j harness lists accepting it as a malleability bug",
    ),
];

/// Which keys of the Wycheproof file this library supports, read from the JWK
/// itself (not from what `from_jwks` answers, so a refusal is never mistaken
/// for "unsupported").
fn supported_key(jwk: &Value) -> Result<(), String> {
    match (jwk["kty"].as_str(), jwk["crv"].as_str()) {
        (Some("RSA" | "oct"), _)
        | (Some("EC"), Some("P-256" | "P-384"))
        | (Some("OKP"), Some("Ed25519")) => {}
        (kty, crv) => return Err(format!("kty {kty:?} crv {crv:?} is not supported")),
    }
    match jwk["alg"].as_str() {
        Some(alg) if alg.parse::<Algorithm>().is_err() => {
            Err(format!("alg {alg:?} is not supported"))
        }
        _ => Ok(()),
    }
}

/// How a Wycheproof group's key was loaded.
enum GroupKeys {
    Usable(KeySet),
    /// A supported key that `from_jwks` excludes from verification
    /// (`use: enc`, `key_ops` without `verify`): every token is refused.
    Excluded(String),
    Unsupported(String),
}

fn group_keys(group: &Value) -> GroupKeys {
    // HMAC groups only have the secret ("private"); asymmetric ones have both.
    let jwk = match &group["public"] {
        Value::Null => &group["private"],
        public => public,
    };
    if let Err(reason) = supported_key(jwk) {
        return GroupKeys::Unsupported(reason);
    }
    if jwk["kty"] == "oct" {
        let secret = b64_decode(jwk["k"].as_str().expect("k"));
        let mut keys = KeySet::new();
        return match keys.add_hmac_secret(jwk["kid"].as_str(), &secret) {
            Ok(()) => GroupKeys::Usable(keys),
            Err(e) => GroupKeys::Unsupported(e.to_string()),
        };
    }
    match KeySet::from_jwks(json!({ "keys": [jwk] }).to_string().as_bytes()) {
        Ok(keys) => GroupKeys::Usable(keys),
        Err(JwksError::NoUsableKey { skipped, .. }) => {
            let reason: String = skipped.iter().map(ToString::to_string).collect();
            assert!(
                reason.contains("use is \"enc\"") || reason.contains("key_ops"),
                "a supported key is excluded only for its use or key_ops: {reason}"
            );
            GroupKeys::Excluded(reason)
        }
        Err(e) => panic!("unexpected JWKS error: {e}"),
    }
}

#[derive(Default)]
struct Tally {
    valid_accepted: usize,
    invalid_refused: usize,
    /// JSON-serialized JWS (not a logout token's form): must be refused.
    json_serialization_refused: usize,
    unsupported_key_skipped: usize,
    /// Of `invalid_refused`: refused because `from_jwks` excluded the key
    /// (`use: enc`, `key_ops` without `verify`).
    excluded_key_refused: usize,
    /// tcId -> what we did, for vectors whose label we disagree with.
    disagreements: BTreeMap<u64, String>,
}

#[test]
fn wycheproof_jose_signatures_agree() {
    let file: Value = serde_json::from_str(WYCHEPROOF_JWS).unwrap();
    let mut tally = Tally::default();
    let mut jws_by_tc: BTreeMap<u64, String> = BTreeMap::new();
    let mut outcome_by_tc: BTreeMap<u64, Result<(), Error>> = BTreeMap::new();
    let mut total = 0;
    for group in file["testGroups"].as_array().unwrap() {
        let keys = group_keys(group);
        for test in group["tests"].as_array().unwrap() {
            total += 1;
            let tc = test["tcId"].as_u64().unwrap();
            let expect_valid = match test["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("tc {tc}: unexpected result {other:?}"),
            };
            let jws = test["jws"].as_str().unwrap();
            jws_by_tc.insert(tc, jws.to_owned());
            let outcome = match &keys {
                GroupKeys::Unsupported(reason) => {
                    println!("tc {tc}: skipped, {reason}");
                    tally.unsupported_key_skipped += 1;
                    continue;
                }
                GroupKeys::Excluded(reason) => {
                    tally.excluded_key_refused += 1;
                    Err(reason.clone())
                }
                GroupKeys::Usable(keys) => {
                    let r = verify_compact(jws.as_bytes(), keys, AlgorithmSet::ALL);
                    outcome_by_tc.insert(tc, r.clone().map(|_| ()));
                    r.map(|_| ()).map_err(|e| e.to_string())
                }
            };
            if jws.starts_with('{') {
                // The JSON serialization is not a logout token's form: whatever
                // its label, it must be refused (it is, as not three segments).
                assert!(outcome.is_err(), "tc {tc}: JSON serialization accepted");
                tally.json_serialization_refused += 1;
                continue;
            }
            match (expect_valid, &outcome) {
                (true, Ok(())) => tally.valid_accepted += 1,
                (false, Err(_)) => tally.invalid_refused += 1,
                (true, Err(e)) => {
                    tally
                        .disagreements
                        .insert(tc, format!("valid but refused: {e}"));
                }
                (false, Ok(())) => {
                    tally
                        .disagreements
                        .insert(tc, "invalid but accepted".to_owned());
                }
            }
        }
    }
    println!(
        "wycheproof JOSE: {total} tests: {} valid accepted, {} invalid refused \
         ({} of them by excluding the key), {} refused (JSON serialization), {} skipped (unsupported key), {} known differences",
        tally.valid_accepted,
        tally.invalid_refused,
        tally.excluded_key_refused,
        tally.json_serialization_refused,
        tally.unsupported_key_skipped,
        tally.disagreements.len(),
    );
    for (tc, what) in &tally.disagreements {
        println!("  tc {tc}: {what}");
    }

    // Every difference is one of the listed ones, and each listed one still occurs.
    let listed: Vec<u64> = KNOWN_DIFFERENCES.iter().map(|(tc, _)| *tc).collect();
    let found: Vec<u64> = tally.disagreements.keys().copied().collect();
    assert_eq!(found, listed, "unlisted differences from Wycheproof");

    // ... and for the stated reason.
    for tc in [346, 350] {
        assert!(
            matches!(
                outcome_by_tc[&tc],
                Err(Error::KeyAlgorithmMismatch { ref key_alg, ref alg, .. })
                    if key_alg == "PS256" && alg == "PS384"
            ),
            "tc {tc}: {:?}",
            outcome_by_tc[&tc]
        );
    }
    for tc in [367, 370] {
        assert_eq!(jws_by_tc[&tc], jws_by_tc[&357], "tc {tc} is tc 357's bytes");
    }
    assert!(jws_by_tc[&372].split('.').next().unwrap().contains('?'));
    assert_eq!(
        outcome_by_tc[&372],
        Err(Error::Base64 { part: Part::Header })
    );
    assert!(jws_by_tc[&373].split('.').nth(1).unwrap().contains('?'));
    // Refused as a bad signature (the MAC covers the bytes as sent), before
    // the payload is decoded.
    assert!(outcome_by_tc[&373].is_err());

    // Every test was looked at, and the only skips are the two P-521 (ES512)
    // groups' tests (the RFC 7520 Figure 27 vector, with and without key_ops).
    assert_eq!(total, file["numberOfTests"].as_u64().unwrap() as usize);
    assert_eq!(
        tally.valid_accepted
            + tally.invalid_refused
            + tally.json_serialization_refused
            + tally.unsupported_key_skipped
            + tally.disagreements.len(),
        total
    );
    assert_eq!(tally.unsupported_key_skipped, 2);
    assert_eq!(tally.json_serialization_refused, 1);
    // rejectWrongUse and rejectWrongKeyOps, RSA and EC: the key never loads.
    assert_eq!(tally.excluded_key_refused, 4);
}
