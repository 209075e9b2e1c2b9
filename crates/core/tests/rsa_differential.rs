//! The core's RSA verification through a key set against the `rsa` crate's
//! own verifiers (by default the core verifies with those very verifiers,
//! and this checks that each algorithm reaches its scheme, hash and salt
//! length; with the `aws-lc-rs` feature it compares AWS-LC with `rsa`):
//! the same answer on valid signatures, on signatures checked under the
//! other five schemes, on one-bit changes, on wrong lengths and on the
//! values 0, 1, n − 1 and n, for a 2048-bit key and a 2049-bit one (whose
//! PSS block is a byte shorter than the signature).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::{Algorithm, KeyKind, KeySet};
use backchannel_logout_testkit::{SigningKey, b64_decode};
use rsa::BoxedUint;
use rsa::{pkcs1v15, pss};
use sha2::{Sha256, Sha384, Sha512};
use signature::Verifier;

/// The six RSA algorithms.
fn rsa_algs() -> impl Iterator<Item = Algorithm> {
    Algorithm::ALL
        .into_iter()
        .filter(|a| a.key_kind() == KeyKind::Rsa)
}

/// The `rsa` crate's answer for `alg`.
fn reference(key: &rsa::PublicKey, alg: Algorithm, msg: &[u8], sig: &[u8]) -> bool {
    let k = key.clone();
    let pkcs1 = pkcs1v15::Signature::try_from(sig);
    let pss_sig = pss::Signature::try_from(sig);
    match alg {
        Algorithm::RS256 => pkcs1.is_ok_and(|s| {
            pkcs1v15::VerifyingKey::<Sha256>::new(k)
                .verify(msg, &s)
                .is_ok()
        }),
        Algorithm::RS384 => pkcs1.is_ok_and(|s| {
            pkcs1v15::VerifyingKey::<Sha384>::new(k)
                .verify(msg, &s)
                .is_ok()
        }),
        Algorithm::RS512 => pkcs1.is_ok_and(|s| {
            pkcs1v15::VerifyingKey::<Sha512>::new(k)
                .verify(msg, &s)
                .is_ok()
        }),
        Algorithm::PS256 => pss_sig.is_ok_and(|s| {
            pss::VerifyingKey::<Sha256>::new_with_salt_len(k, 32)
                .verify(msg, &s)
                .is_ok()
        }),
        Algorithm::PS384 => pss_sig.is_ok_and(|s| {
            pss::VerifyingKey::<Sha384>::new_with_salt_len(k, 48)
                .verify(msg, &s)
                .is_ok()
        }),
        _ => pss_sig.is_ok_and(|s| {
            pss::VerifyingKey::<Sha512>::new_with_salt_len(k, 64)
                .verify(msg, &s)
                .is_ok()
        }),
    }
}

#[test]
fn rsa_verification_agrees_with_the_rsa_crate() {
    let msg = b"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL29wIn0";
    let mut compared = 0;
    for bits in [2048, 2049] {
        let base = SigningKey::generate_rsa_bits(Algorithm::RS256, "k", bits);
        let jwk = base.public_jwk().unwrap();
        let n = b64_decode(jwk["n"].as_str().unwrap());
        let e = b64_decode(jwk["e"].as_str().unwrap());
        let reference_key = rsa::PublicKey::new(
            BoxedUint::from_be_slice_vartime(&n),
            BoxedUint::from_be_slice_vartime(&e),
        )
        .unwrap();
        // The key without its `alg`, so that it answers for every RSA algorithm.
        let mut bare = jwk.clone();
        bare.as_object_mut().unwrap().remove("alg");
        let doc = serde_json::json!({ "keys": [bare] }).to_string();
        let keys = KeySet::from_jwks(doc.as_bytes()).unwrap();
        let mut check = |alg: Algorithm, sig: &[u8], what: &str| {
            let ours = keys.verify_signature(alg, None, msg, sig).is_ok();
            assert_eq!(
                ours,
                reference(&reference_key, alg, msg, sig),
                "{bits} bits, {alg:?}, {what}"
            );
            compared += 1;
            ours
        };
        let k = n.len();
        let mut n_minus_1 = n.clone();
        *n_minus_1.last_mut().unwrap() -= 1;
        for alg in rsa_algs() {
            let sig = base.with_alg(alg, "k").sign_raw(msg);
            assert!(check(alg, &sig, "valid"));
            for other in rsa_algs().filter(|a| *a != alg) {
                assert!(!check(other, &sig, "another scheme"));
            }
            for bit in (0..k * 8).step_by(3) {
                let mut changed = sig.clone();
                changed[bit / 8] ^= 1 << (bit % 8);
                check(alg, &changed, &format!("bit {bit}"));
            }
            let mut longer = sig.clone();
            longer.insert(0, 0);
            for (what, value) in [
                ("short", sig[1..].to_vec()),
                ("long", longer),
                ("zero", vec![0; k]),
                ("one", [vec![0; k - 1], vec![1]].concat()),
                ("n - 1", n_minus_1.clone()),
                ("n", n.clone()),
                ("all ones", vec![0xff; k]),
            ] {
                assert!(!check(alg, &value, what));
            }
        }
    }
    assert!(compared > 8_000, "{compared}");
}
