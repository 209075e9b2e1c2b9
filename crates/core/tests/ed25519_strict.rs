//! Ed25519 verification is strict (RFC 8032 §5.1.7 with ed25519-dalek's
//! `verify_strict`): a small-order `R`, a non-canonical `S` and a
//! small-order key are refused, where plain cofactorless verification
//! would accept some of them. A key is decoded on its first use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::{Algorithm, Error, KeySet};
use backchannel_logout_testkit::b64;
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::{Signer, Verifier};
use sha2::Digest;

fn key_set(public: &[u8; 32]) -> Result<KeySet, backchannel_logout::JwksError> {
    let jwks = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"k","x":"{}"}}]}}"#,
        b64(public)
    );
    KeySet::from_jwks(jwks.as_bytes())
}

fn invalid() -> Error {
    Error::InvalidSignature {
        kid: Some("k".into()),
        alg: "EdDSA".into(),
    }
}

/// A key with a torsion component and signatures whose `R` is of small
/// order: plain verification accepts them, ours must not.
#[test]
fn small_order_r_is_refused_where_plain_verify_accepts() {
    let a = Scalar::from_bytes_mod_order([7u8; 32]);
    let torsion = EIGHT_TORSION[1];
    let public = (ED25519_BASEPOINT_POINT * a + torsion).compress();
    let key = ed25519_dalek::VerifyingKey::from_bytes(public.as_bytes()).unwrap();
    assert!(!key.is_weak());
    let keys = key_set(public.as_bytes()).unwrap();
    let mut found = 0;
    for counter in 0u32..64 {
        let message = format!("message {counter}");
        for r in EIGHT_TORSION {
            let r_bytes = r.compress().to_bytes();
            let k = Scalar::from_hash(
                sha2::Sha512::new()
                    .chain_update(r_bytes)
                    .chain_update(public.as_bytes())
                    .chain_update(message.as_bytes()),
            );
            // [S]B = R + [k]A holds with S = k·a when R + [k]T is the identity.
            if !(r + torsion * k).is_identity() {
                continue;
            }
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&r_bytes);
            sig[32..].copy_from_slice((k * a).as_bytes());
            let parsed = ed25519_dalek::Signature::from_bytes(&sig);
            assert!(key.verify(message.as_bytes(), &parsed).is_ok());
            assert_eq!(
                keys.verify_signature(Algorithm::EdDSA, Some("k"), message.as_bytes(), &sig)
                    .unwrap_err(),
                invalid()
            );
            found += 1;
        }
    }
    assert!(found > 0, "no forgery found to test with");
}

/// A non-canonical `S` (`S + l`), every one-bit change and a truncated
/// signature are refused; the valid one verifies under both names.
#[test]
fn non_canonical_s_and_altered_signatures_are_refused() {
    // l, the group order, little-endian.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let signing = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let keys = key_set(signing.verifying_key().as_bytes()).unwrap();
    let message = [7u8; 40];
    let good = signing.sign(&message).to_bytes();
    for alg in [Algorithm::EdDSA, Algorithm::Ed25519] {
        assert!(
            keys.verify_signature(alg, Some("k"), &message, &good)
                .is_ok()
        );
    }
    let refused = |sig: &[u8]| {
        keys.verify_signature(Algorithm::EdDSA, Some("k"), &message, sig)
            .is_err()
    };
    for bit in 0..512 {
        let mut c = good;
        c[bit / 8] ^= 1 << (bit % 8);
        assert!(refused(&c), "bit {bit}");
    }
    let mut plus_l = good;
    let mut carry = 0u16;
    for (i, l) in L.iter().enumerate() {
        let sum = u16::from(plus_l[32 + i]) + u16::from(*l) + carry;
        plus_l[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert!(refused(&plus_l));
    assert!(refused(&good[..63]));
}

#[test]
fn small_order_keys_are_skipped_when_loaded() {
    for t in EIGHT_TORSION {
        match key_set(t.compress().as_bytes()).unwrap_err() {
            backchannel_logout::JwksError::NoUsableKey { skipped, .. } => {
                assert_eq!(skipped.len(), 1);
                assert_eq!(
                    skipped[0].reason,
                    "the Ed25519 key is a point of small order"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

/// A key is decoded on its first use: bytes that are no point of the curve,
/// a second encoding of a small-order point (the identity with its sign
/// bit set) and a non-canonical encoding of a point of large order load,
/// then refuse every token with the reason, never verify.
#[test]
fn keys_refused_when_first_used_name_the_reason() {
    let not_a_point = (2u8..=255)
        .map(|y| {
            let mut x = [0u8; 32];
            x[0] = y;
            x
        })
        .find(|x| ed25519_dalek::VerifyingKey::from_bytes(x).is_err())
        .expect("some y has no x");
    let mut identity = [0u8; 32];
    identity[0] = 1;
    identity[31] = 0x80;
    assert!(
        ed25519_dalek::VerifyingKey::from_bytes(&identity)
            .unwrap()
            .is_weak()
    );
    // y + p for a small y that is a point of large order: ed25519-dalek
    // reduces it, AWS-LC refuses it; both backends refuse it by name.
    let y = (2u8..=18)
        .find(|y| {
            let mut x = [0u8; 32];
            x[0] = *y;
            ed25519_dalek::VerifyingKey::from_bytes(&x).is_ok_and(|k| !k.is_weak())
        })
        .expect("some small y is a point of large order");
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xed + y;
    non_canonical[31] = 0x7f;
    assert!(ed25519_dalek::VerifyingKey::from_bytes(&non_canonical).is_ok());
    for (x, reason) in [
        (not_a_point, "the Ed25519 key is not a point of the curve"),
        (identity, "the Ed25519 key is a point of small order"),
        (non_canonical, "the Ed25519 key is not canonically encoded"),
    ] {
        let keys = key_set(&x).unwrap();
        for alg in [Algorithm::EdDSA, Algorithm::Ed25519, Algorithm::EdDSA] {
            assert_eq!(
                keys.verify_signature(alg, Some("k"), b"message", &[0u8; 64])
                    .unwrap_err(),
                Error::KeyUnusable {
                    kid: "k".into(),
                    reason: reason.into(),
                }
            );
        }
    }
}
