//! The bounds of a key set: how many usable keys it keeps, how many skipped
//! keys it lists, and how long a listed `kid` or reason may be, whatever the
//! provider (or whoever answers in its name) serves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::{
    Algorithm, ClientId, Error, Issuer, JwksError, KeySet, UnixTime, Validator,
};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use serde_json::{Value, json};

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const NOW: u64 = 1_767_225_600;

fn ed25519_validator() -> Validator {
    Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .algorithms([Algorithm::EdDSA])
        .build()
        .unwrap()
}

fn good_jwk() -> Value {
    SigningKey::shared(Algorithm::EdDSA).public_jwk().unwrap()
}

/// A JWKS of `count` keys of an unknown type, each with a `kid`, then
/// `tail`.
fn junk_jwks(count: usize, tail: &[Value]) -> String {
    let mut keys: Vec<Value> = (0..count)
        .map(|i| json!({"kty": "junk", "kid": format!("junk-{i}")}))
        .collect();
    keys.extend_from_slice(tail);
    json!({ "keys": keys }).to_string()
}

#[test]
fn lists_the_first_skipped_keys_and_counts_the_rest() {
    let keys = KeySet::from_jwks(junk_jwks(1000, &[good_jwk()]).as_bytes()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys.skipped_count(), 1000);
    assert_eq!(keys.skipped().len(), KeySet::MAX_SKIPPED_LISTED);
    for (i, skipped) in keys.skipped().iter().enumerate() {
        assert_eq!(skipped.index, i);
        assert_eq!(skipped.kid.as_deref(), Some(format!("junk-{i}").as_str()));
        assert_eq!(skipped.reason, r#"key type "junk" is not supported"#);
    }
}

#[test]
fn a_listed_skipped_kid_is_unusable_an_unlisted_one_not_found() {
    let keys = KeySet::from_jwks(junk_jwks(100, &[good_jwk()]).as_bytes()).unwrap();
    let validator = ed25519_validator();
    let signer = SigningKey::shared(Algorithm::EdDSA);
    let sign_as = |kid: &str| {
        TokenBuilder::new(ISS, CLIENT, NOW)
            .sid("s-1")
            .sign(&signer.with_alg(Algorithm::EdDSA, kid))
    };
    let err = validator
        .validate(
            sign_as("junk-0").as_bytes(),
            &keys,
            UnixTime::from_secs(NOW),
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::KeyUnusable {
            kid: "junk-0".into(),
            reason: r#"key type "junk" is not supported"#.into()
        }
    );
    // Past the listed few, a skipped key is as good as absent.
    let err = validator
        .validate(
            sign_as("junk-99").as_bytes(),
            &keys,
            UnixTime::from_secs(NOW),
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::KeyNotFound {
            kid: Some("junk-99".into()),
            alg: "EdDSA".into()
        }
    );
}

#[test]
fn a_document_of_only_junk_is_refused_in_one_short_message() {
    // As many junk keys as fit in the size limit.
    let entry = r#"{"kty":"junk"},"#;
    let count = (KeySet::MAX_JWKS_SIZE - 16) / entry.len();
    let mut doc = String::from(r#"{"keys":["#);
    for _ in 0..count {
        doc.push_str(entry);
    }
    doc.pop();
    doc.push_str("]}");
    assert!(doc.len() <= KeySet::MAX_JWKS_SIZE);
    let err = KeySet::from_jwks(doc.as_bytes()).unwrap_err();
    let JwksError::NoUsableKey {
        skipped,
        skipped_count,
    } = &err
    else {
        panic!("expected NoUsableKey, got {err:?}");
    };
    assert_eq!(*skipped_count, count);
    assert_eq!(skipped.len(), KeySet::MAX_SKIPPED_LISTED);
    let message = err.to_string();
    assert!(message.len() < 1024, "{} bytes: {message}", message.len());
    assert!(
        message.ends_with(&format!(
            "; and {} more)",
            count - KeySet::MAX_SKIPPED_LISTED
        )),
        "{message}"
    );
}

#[test]
fn an_empty_keys_array_says_so() {
    let err = KeySet::from_jwks(br#"{"keys":[]}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "JWKS has no usable signature key (the keys array is empty)"
    );
}

#[test]
fn a_long_kid_or_reason_of_a_skipped_key_is_cut() {
    let long = "k".repeat(100_000);
    let doc = json!({"keys": [
        {"kty": long, "kid": long},
        good_jwk(),
    ]});
    let keys = KeySet::from_jwks(doc.to_string().as_bytes()).unwrap();
    let skipped = &keys.skipped()[0];
    assert_eq!(skipped.kid.as_deref().map(str::len), Some(256));
    assert_eq!(skipped.reason.len(), 256);
    assert!(skipped.reason.starts_with(r#"key type "kkk"#));
}

#[test]
fn keeps_at_most_max_keys_usable_keys_and_skips_the_rest() {
    let extra = 3;
    let signers: Vec<SigningKey> = (0..KeySet::MAX_KEYS + extra)
        .map(|i| SigningKey::generate(Algorithm::EdDSA, &format!("k{i}")))
        .collect();
    let refs: Vec<&SigningKey> = signers.iter().collect();
    let keys = KeySet::from_jwks(SigningKey::jwks(&refs).as_bytes()).unwrap();
    assert_eq!(keys.len(), KeySet::MAX_KEYS);
    assert_eq!(keys.skipped_count(), extra);
    let first_extra = &keys.skipped()[0];
    assert_eq!(first_extra.index, KeySet::MAX_KEYS);
    assert_eq!(first_extra.reason, "more than 64 usable keys");

    let validator = ed25519_validator();
    let now = UnixTime::from_secs(NOW);
    let token = |signer: &SigningKey| TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(signer);
    let last_kept = &signers[KeySet::MAX_KEYS - 1];
    validator
        .validate(token(last_kept).as_bytes(), &keys, now)
        .unwrap();
    let first_dropped = &signers[KeySet::MAX_KEYS];
    assert!(matches!(
        validator.validate(token(first_dropped).as_bytes(), &keys, now),
        Err(Error::KeyUnusable { .. })
    ));
}

#[test]
fn an_rsa_modulus_over_8192_bits_is_skipped() {
    // A hostile key set cannot make each verification cost a huge modulus.
    let n = backchannel_logout_testkit::b64(&[0xff; 1025]);
    let doc = json!({"keys": [
        {"kty": "RSA", "kid": "huge", "n": n, "e": "AQAB"},
        good_jwk(),
    ]});
    let keys = KeySet::from_jwks(doc.to_string().as_bytes()).unwrap();
    assert_eq!(keys.len(), 1);
    let skipped = &keys.skipped()[0];
    assert_eq!(skipped.kid.as_deref(), Some("huge"));
    assert!(skipped.reason.contains("8200 bits"), "{}", skipped.reason);
}
