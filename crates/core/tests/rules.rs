//! Every rule of Back-Channel Logout 1.0 §2.4/§2.6 and every attack listed
//! in SPEC-NOTES, each asserting the specific error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use backchannel_logout::error::{Expected, Part};
use backchannel_logout::{
    Algorithm, ClientId, Error, Issuer, KeyKind, KeySet, LogoutScope, TypPolicy, UnixTime,
    Validator, ValidatorSet, peek_unverified,
};
use backchannel_logout_testkit::{SigningKey, TokenBuilder, b64};
use serde_json::json;

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const NOW: u64 = 1_767_225_600;

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

fn rsa() -> &'static SigningKey {
    SigningKey::shared(Algorithm::RS256)
}

fn keys_for(signers: &[&SigningKey]) -> KeySet {
    KeySet::from_jwks(SigningKey::jwks(signers).as_bytes()).unwrap()
}

/// The key set that verifies `key`'s tokens: its public JWK, or its HMAC
/// secret.
fn key_set_of(key: &SigningKey) -> KeySet {
    match key.hmac_secret() {
        Some(secret) => {
            let mut keys = KeySet::new();
            keys.add_hmac_secret(Some(key.kid()), secret).unwrap();
            keys
        }
        None => keys_for(&[key]),
    }
}

fn rsa_keys() -> KeySet {
    keys_for(&[rsa()])
}

fn validator() -> Validator {
    Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .build()
        .unwrap()
}

fn validator_with(algs: &[Algorithm]) -> Validator {
    Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .algorithms(algs.iter().copied())
        .build()
        .unwrap()
}

fn token() -> TokenBuilder {
    TokenBuilder::new(ISS, CLIENT, NOW).sid("sid-1")
}

fn check(token: &str) -> Result<backchannel_logout::LogoutToken, Error> {
    validator().validate(token.as_bytes(), &rsa_keys(), now())
}

/// Replaces segment `i` of a compact token.
fn with_segment(token: &str, i: usize, segment: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[i] = segment;
    parts.join(".")
}

// ---------------------------------------------------------------- accepted

#[test]
fn accepts_valid_rs256_token_and_exposes_claims() {
    let t = token().sub("user-7").jti("jti-1").sign(rsa());
    let logout = check(&t).unwrap();
    assert_eq!(logout.issuer(), ISS);
    assert_eq!(logout.audiences(), [CLIENT.to_owned()]);
    assert_eq!(logout.subject(), Some("user-7"));
    assert_eq!(logout.session_id(), Some("sid-1"));
    assert_eq!(logout.jti(), "jti-1");
    assert_eq!(logout.issued_at(), now());
    assert_eq!(logout.expires_at(), Some(UnixTime::from_secs(NOW + 120)));
    assert_eq!(logout.algorithm(), Algorithm::RS256);
    assert_eq!(logout.kid(), Some(rsa().kid()));
    assert!(logout.ends_one_session());
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: "sid-1",
            sub: Some("user-7")
        }
    );
    // min(exp, iat + max age) + leeway
    assert_eq!(
        logout.remember_jti_until(),
        UnixTime::from_secs(NOW + 120 + 60)
    );
}

#[test]
fn sub_only_token_ends_all_sessions_of_the_subject() {
    let t = TokenBuilder::new(ISS, CLIENT, NOW)
        .sub("user-9")
        .sign(rsa());
    let logout = check(&t).unwrap();
    assert!(!logout.ends_one_session());
    assert_eq!(logout.scope(), LogoutScope::Subject { sub: "user-9" });
}

#[test]
fn accepts_every_algorithm_when_allowed() {
    for alg in Algorithm::ALL {
        let key = SigningKey::shared(alg);
        let keys = key_set_of(key);
        let t = token().sign(key);
        let logout = validator_with(&[alg])
            .validate(t.as_bytes(), &keys, now())
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(logout.algorithm(), alg);
    }
}

#[test]
fn accepts_typ_values_providers_send_by_default() {
    for typ in [
        "logout+jwt",
        "application/logout+jwt",
        "Logout+JWT",
        "JWT",
        "jwt",
        "application/jwt",
    ] {
        let t = token().header("typ", typ).sign(rsa());
        check(&t).unwrap_or_else(|e| panic!("{typ}: {e}"));
    }
    let t = token().without_header("typ").sign(rsa());
    check(&t).unwrap();
}

#[test]
fn accepts_non_integer_numeric_dates() {
    let t = token()
        .claim("iat", NOW as f64 + 0.25)
        .claim("exp", NOW as f64 + 120.5)
        .sign(rsa());
    let logout = check(&t).unwrap();
    assert_eq!(logout.issued_at(), now());
}

#[test]
fn accepts_token_without_kid_when_one_key_fits() {
    let t = token().without_header("kid");
    let key = rsa();
    let header = t.header_for(key);
    let mut header = header;
    header.remove("kid");
    let signed = key.sign_compact(&json!(header), &json!(t.claims()));
    check(&signed).unwrap();
}

#[test]
fn accepts_multiple_audiences_with_matching_azp_and_ignores_extra_claims() {
    let t = token()
        .claim("aud", json!(["other", CLIENT]))
        .claim("azp", CLIENT)
        .claim("trace_id", "abc")
        .claim("typ", "Logout")
        .sign(rsa());
    let logout = check(&t).unwrap();
    assert_eq!(logout.other_claims()["trace_id"], "abc");
    assert_eq!(logout.other_claims()["typ"], "Logout");
}

// ---------------------------------------------------------------- algorithm attacks

#[test]
fn rejects_alg_none_in_any_case() {
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64(json!({"alg": alg, "kid": rsa().kid()})
            .to_string()
            .as_bytes());
        let claims = b64(json!(token().claims()).to_string().as_bytes());
        for sig in ["", "AAAA"] {
            let t = format!("{header}.{claims}.{sig}");
            assert_eq!(check(&t).unwrap_err(), Error::AlgorithmNone, "{alg}");
        }
    }
}

#[test]
fn rejects_validly_signed_token_with_another_algorithm_than_registered() {
    // The OIDF conformance suite's "wrong alg": ES256 key published, RS256 expected.
    let ec = SigningKey::shared(Algorithm::ES256);
    let keys = keys_for(&[rsa(), ec]);
    let t = token().sign(ec);
    assert_eq!(
        validator()
            .validate(t.as_bytes(), &keys, now())
            .unwrap_err(),
        Error::AlgorithmNotAllowed {
            alg: "ES256".into()
        }
    );
}

#[test]
fn rejects_hmac_keyed_with_the_rsa_public_key() {
    // Algorithm confusion: HS256 with the RSA key's public JWK as the secret.
    let jwk = rsa().public_jwk().unwrap().to_string();
    let header = json!({"alg": "HS256", "kid": rsa().kid()});
    let claims = json!(token().claims());
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let t = format!(
        "{signing_input}.{}",
        b64(&hmac_sha256(jwk.as_bytes(), signing_input.as_bytes()))
    );
    // Refused by the allow-list by default...
    assert_eq!(
        check(&t).unwrap_err(),
        Error::AlgorithmNotAllowed {
            alg: "HS256".into()
        }
    );
    // ...and by the key type even when HS256 is allowed.
    let v = validator_with(&[Algorithm::RS256, Algorithm::HS256]);
    assert_eq!(
        v.validate(t.as_bytes(), &rsa_keys(), now()).unwrap_err(),
        Error::KeyTypeMismatch {
            kid: Some(rsa().kid().into()),
            key_type: "RSA",
            alg: "HS256".into()
        }
    );
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

#[test]
fn rejects_signature_from_another_key_under_a_known_kid() {
    let impostor = SigningKey::generate(Algorithm::RS256, rsa().kid());
    let t = token().sign(&impostor);
    assert_eq!(
        check(&t).unwrap_err(),
        Error::InvalidSignature {
            kid: Some(rsa().kid().into()),
            alg: "RS256".into()
        }
    );
}

#[test]
fn never_uses_keys_carried_in_the_header() {
    let attacker = SigningKey::generate(Algorithm::RS256, "attacker");
    let t = token()
        .header("jwk", attacker.public_jwk().unwrap())
        .header("jku", "https://attacker.example/jwks")
        .header("x5u", "https://attacker.example/cert")
        .header("kid", rsa().kid())
        .sign(&attacker);
    assert!(matches!(
        check(&t).unwrap_err(),
        Error::InvalidSignature { .. }
    ));
    let t = token()
        .header("jwk", attacker.public_jwk().unwrap())
        .sign(&attacker);
    assert_eq!(
        check(&t).unwrap_err(),
        Error::KeyNotFound {
            kid: Some("attacker".into()),
            alg: "RS256".into()
        }
    );
}

#[test]
fn skips_a_key_with_a_duplicated_member() {
    // Which `e` would count is ambiguous: the key is skipped, the others kept.
    let good = rsa().public_jwk().unwrap().to_string();
    let mut dup = rsa().public_jwk().unwrap();
    dup["kid"] = json!("dup-key");
    let dup = dup.to_string().replacen('{', r#"{"e":"Aw","#, 1);
    let doc = format!(r#"{{"keys":[{dup},{good}]}}"#);
    let keys = KeySet::from_jwks(doc.as_bytes()).unwrap();
    assert_eq!(keys.len(), 1);
    let skipped = &keys.skipped()[0];
    assert!(skipped.reason.contains("duplicate"), "{}", skipped.reason);
    assert_eq!(skipped.kid.as_deref(), Some("dup-key"));
}

#[test]
fn skips_a_key_whose_members_are_not_strict_base64url() {
    // Padding, the standard alphabet, whitespace and non-zero unused bits
    // in the last character: each key is skipped with its reason.
    let good = rsa().public_jwk().unwrap();
    let n = good["n"].as_str().unwrap().to_owned();
    let e = good["e"].as_str().unwrap().to_owned();
    // `e` is "AQAB": a tail "AR" sets an unused bit of its last character
    // ('R' is 17); a tail of one character is no encoding at all.
    let cases = [
        ("padded", "n", format!("{n}==")),
        (
            "standard-alphabet",
            "n",
            n.replacen(['-', '_', 'A'], "+", 1),
        ),
        ("space", "n", format!(" {n}")),
        ("stray-bits", "e", format!("{e}AR")),
        ("one-char-tail", "e", format!("{e}A")),
    ];
    let mut keys_json = vec![good.clone()];
    for (kid, member, value) in &cases {
        let mut jwk = good.clone();
        jwk["kid"] = json!(kid);
        jwk[*member] = json!(value);
        keys_json.push(jwk);
    }
    let keys = KeySet::from_jwks(json!({ "keys": keys_json }).to_string().as_bytes()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys.skipped().len(), cases.len());
    for ((kid, member, _), skipped) in cases.iter().zip(keys.skipped()) {
        assert_eq!(skipped.kid.as_deref(), Some(*kid));
        assert_eq!(
            skipped.reason,
            format!("member {member} is not base64url"),
            "{kid}"
        );
    }
}

#[test]
fn rejects_key_with_use_enc_or_without_verify_op() {
    let mut jwk = rsa().public_jwk().unwrap();
    jwk["use"] = json!("enc");
    jwk["kid"] = json!("enc-key");
    let mut ops = rsa().public_jwk().unwrap();
    ops["kid"] = json!("ops-key");
    ops.as_object_mut().unwrap().remove("use");
    ops["key_ops"] = json!(["encrypt"]);
    let good = rsa().public_jwk().unwrap();
    let keys = KeySet::from_jwks(json!({"keys": [jwk, ops, good]}).to_string().as_bytes()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys.skipped().len(), 2);
    for kid in ["enc-key", "ops-key"] {
        let t = token().sign(&rsa().with_alg(Algorithm::RS256, kid));
        let err = validator()
            .validate(t.as_bytes(), &keys, now())
            .unwrap_err();
        assert!(
            matches!(&err, Error::KeyUnusable { kid: k, .. } if k == kid),
            "{kid}: {err:?}"
        );
    }
}

#[test]
fn rejects_algorithm_that_does_not_fit_the_key() {
    // ES256 token naming the RSA key's kid.
    let ec = SigningKey::generate(Algorithm::ES256, rsa().kid());
    let t = token().sign(&ec);
    let v = validator_with(&[Algorithm::RS256, Algorithm::ES256]);
    assert_eq!(
        v.validate(t.as_bytes(), &rsa_keys(), now()).unwrap_err(),
        Error::KeyTypeMismatch {
            kid: Some(rsa().kid().into()),
            key_type: "RSA",
            alg: "ES256".into()
        }
    );
    // PS256 with a key whose JWK says alg RS256.
    let t = token().sign(&rsa().with_alg(Algorithm::PS256, rsa().kid()));
    let v = validator_with(&[Algorithm::RS256, Algorithm::PS256]);
    assert_eq!(
        v.validate(t.as_bytes(), &rsa_keys(), now()).unwrap_err(),
        Error::KeyAlgorithmMismatch {
            kid: Some(rsa().kid().into()),
            key_alg: "RS256".into(),
            alg: "PS256".into()
        }
    );
}

#[test]
fn rejects_weak_rsa_keys() {
    let weak = SigningKey::generate_rsa_bits(Algorithm::RS256, "weak", 1024);
    let doc = json!({"keys": [weak.public_jwk().unwrap(), rsa().public_jwk().unwrap()]});
    let keys = KeySet::from_jwks(doc.to_string().as_bytes()).unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys.skipped()[0].reason.contains("under 2048"));
    let t = token().sign(&weak);
    let err = validator()
        .validate(t.as_bytes(), &keys, now())
        .unwrap_err();
    assert!(matches!(err, Error::KeyUnusable { .. }), "{err:?}");
    // A set with only the weak key is no key set at all.
    let only_weak = json!({"keys": [weak.public_jwk().unwrap()]}).to_string();
    assert!(matches!(
        KeySet::from_jwks(only_weak.as_bytes()),
        Err(backchannel_logout::JwksError::NoUsableKey { .. })
    ));
}

/// Moduli whose length is not a whole number of bytes or of 64-bit limbs
/// (2049 bits: PSS's encoded block is one byte shorter than the
/// signature), with every RSA algorithm: valid tokens pass, a changed
/// signature or a signature of the wrong length fails.
#[test]
fn verifies_rsa_keys_of_odd_sizes() {
    for bits in [2049, 3001] {
        let base = SigningKey::generate_rsa_bits(Algorithm::RS256, "odd", bits);
        let rsa_algs = Algorithm::ALL
            .into_iter()
            .filter(|a| a.key_kind() == KeyKind::Rsa);
        for alg in rsa_algs {
            let key = base.with_alg(alg, "odd");
            let keys = keys_for(&[&key]);
            let v = validator_with(&[alg]);
            let t = token().sign(&key);
            assert!(
                v.validate(t.as_bytes(), &keys, now()).is_ok(),
                "{bits} {alg:?}"
            );
            let (rest, sig) = t.rsplit_once('.').unwrap();
            let mut raw = backchannel_logout_testkit::b64_decode(sig);
            let last = raw.len() - 1;
            raw[last] ^= 1;
            let changed = format!("{rest}.{}", b64(&raw));
            assert!(
                matches!(
                    v.validate(changed.as_bytes(), &keys, now()),
                    Err(Error::InvalidSignature { .. })
                ),
                "{bits} {alg:?}"
            );
            raw.push(0);
            let longer = format!("{rest}.{}", b64(&raw));
            assert!(
                matches!(
                    v.validate(longer.as_bytes(), &keys, now()),
                    Err(Error::InvalidSignature { .. })
                ),
                "{bits} {alg:?}"
            );
        }
    }
}

#[test]
fn rejects_der_and_all_zero_ecdsa_signatures() {
    let ec = SigningKey::shared(Algorithm::ES256);
    let keys = keys_for(&[ec]);
    let v = validator_with(&[Algorithm::ES256]);
    let t = token().sign(ec);
    let sig = base64ct::Base64UrlUnpadded::decode_vec(t.rsplit('.').next().unwrap()).unwrap();
    let (r, s) = sig.split_at(32);
    let mut der = vec![0x30, 0x44, 0x02, 0x20];
    der.extend_from_slice(r);
    der.extend_from_slice(&[0x02, 0x20]);
    der.extend_from_slice(s);
    for bad in [der, vec![0u8; 64], sig[..63].to_vec()] {
        let forged = with_segment(&t, 2, &b64(&bad));
        assert!(
            matches!(
                v.validate(forged.as_bytes(), &keys, now()).unwrap_err(),
                Error::InvalidSignature { .. }
            ),
            "{} bytes",
            bad.len()
        );
    }
}

#[test]
fn rejects_unknown_kid_distinctly_so_keys_can_refresh() {
    let other = SigningKey::generate(Algorithm::RS256, "rotated-key");
    let err = check(&token().sign(&other)).unwrap_err();
    assert!(err.is_key_not_found());
    assert_eq!(err.code(), "key_not_found");
}

#[test]
fn requires_kid_when_several_keys_fit() {
    let second = SigningKey::generate(Algorithm::RS256, "second");
    let keys = keys_for(&[rsa(), &second]);
    let t = token();
    let mut header = t.header_for(rsa());
    header.remove("kid");
    let signed = rsa().sign_compact(&json!(header), &json!(t.claims()));
    assert_eq!(
        validator()
            .validate(signed.as_bytes(), &keys, now())
            .unwrap_err(),
        Error::KidRequired {
            alg: "RS256".into(),
            candidates: 2
        }
    );
}

#[test]
fn accepts_hmac_with_the_client_secret_only_when_configured() {
    let hs = SigningKey::shared(Algorithm::HS256);
    let t = token().sign(hs);
    let v = validator_with(&[Algorithm::HS256]);
    // No secret added: nothing can verify it.
    assert!(matches!(
        v.validate(t.as_bytes(), &rsa_keys(), now()).unwrap_err(),
        Error::KeyNotFound { .. }
    ));
    let mut keys = rsa_keys();
    keys.add_hmac_secret(None, hs.hmac_secret().unwrap())
        .unwrap();
    v.validate(t.as_bytes(), &keys, now()).unwrap();
    // Short secrets are refused up front.
    assert!(KeySet::new().add_hmac_secret(None, b"short").is_err());
    // The secret never shows in debug output.
    let dbg = format!("{keys:?}");
    assert!(!dbg.contains(&format!("{:?}", hs.hmac_secret().unwrap())));
}

// ---------------------------------------------------------------- header

#[test]
fn rejects_unknown_crit() {
    let t = token()
        .header("crit", json!(["exp"]))
        .header("exp", 1)
        .sign(rsa());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::UnsupportedCritical { name: "exp".into() }
    );
    let t = token().header("crit", json!([])).sign(rsa());
    assert!(matches!(
        check(&t).unwrap_err(),
        Error::InvalidHeader { name: "crit", .. }
    ));
}

#[test]
fn rejects_other_token_types() {
    for typ in ["at+jwt", "secevent+jwt", "application/at+jwt", "JOSE", ""] {
        let t = token().header("typ", typ).sign(rsa());
        assert_eq!(
            check(&t).unwrap_err(),
            Error::InvalidType { typ: typ.into() },
            "{typ}"
        );
    }
}

#[test]
fn strict_typ_demands_logout_jwt() {
    let v = Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .typ_policy(TypPolicy::Strict)
        .build()
        .unwrap();
    let ok = token().header("typ", "logout+jwt").sign(rsa());
    v.validate(ok.as_bytes(), &rsa_keys(), now()).unwrap();
    let jwt = token().header("typ", "JWT").sign(rsa());
    assert!(matches!(
        v.validate(jwt.as_bytes(), &rsa_keys(), now()),
        Err(Error::InvalidType { .. })
    ));
    let absent = token().without_header("typ").sign(rsa());
    assert_eq!(
        v.validate(absent.as_bytes(), &rsa_keys(), now())
            .unwrap_err(),
        Error::InvalidType {
            typ: "(absent)".into()
        }
    );
}

#[test]
fn rejects_header_with_wrong_types_or_duplicates() {
    let claims = json!(token().claims()).to_string();
    let t = rsa().sign_bytes(br#"{"alg":"RS256","kid":5}"#, claims.as_bytes());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::InvalidHeader {
            name: "kid",
            expected: Expected::String
        }
    );
    let t = rsa().sign_bytes(br#"{"alg":"RS256","alg":"HS256"}"#, claims.as_bytes());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::DuplicateMember {
            part: Part::Header,
            name: "alg".into()
        }
    );
    let t = rsa().sign_bytes(br#"{"alg":["RS256"]}"#, claims.as_bytes());
    assert!(matches!(
        check(&t).unwrap_err(),
        Error::InvalidHeader { name: "alg", .. }
    ));
}

// ---------------------------------------------------------------- form

#[test]
fn rejects_wrong_segment_counts() {
    let t = token().sign(rsa());
    let parts: Vec<&str> = t.split('.').collect();
    assert_eq!(
        check(&parts[..2].join(".")).unwrap_err(),
        Error::SegmentCount { found: 2 }
    );
    assert_eq!(
        check(&format!("{t}.x")).unwrap_err(),
        Error::SegmentCount { found: 4 }
    );
    assert_eq!(
        check(&format!("{t}.x.y")).unwrap_err(),
        Error::EncryptedToken
    );
    assert_eq!(check("").unwrap_err(), Error::SegmentCount { found: 1 });
}

#[test]
fn rejects_padding_standard_alphabet_and_whitespace() {
    let t = token().sign(rsa());
    let parts: Vec<String> = t.split('.').map(str::to_owned).collect();
    for (i, part) in [(0, Part::Header), (1, Part::Claims), (2, Part::Signature)] {
        let seg = &parts[i];
        let variants = [
            format!("{seg}="),
            format!("{seg}=="),
            format!(" {seg}"),
            format!("{seg}\n"),
            format!("{}\t{}", &seg[..4], &seg[4..]),
        ];
        for v in variants {
            let bad = with_segment(&t, i, &v);
            let err = check(&bad).unwrap_err();
            // The signature covers header and claims: a change there may
            // also be caught as an invalid signature, never accepted.
            assert!(
                err == Error::Base64 { part } || matches!(err, Error::InvalidSignature { .. }),
                "segment {i} {v:?}: {err:?}"
            );
        }
    }
    // A header using the standard alphabet ('+' or '/') is refused before any key work.
    let header = json!({"alg":"RS256","kid":rsa().kid(),"x":"\u{3ff}\u{3ff}>>>???"}).to_string();
    let std_b64 = base64ct::Base64::encode_string(header.as_bytes());
    assert!(std_b64.contains('+') || std_b64.contains('/'));
    let bad = with_segment(&t, 0, std_b64.trim_end_matches('='));
    assert_eq!(
        check(&bad).unwrap_err(),
        Error::Base64 { part: Part::Header }
    );
}

use base64ct::Encoding;

/// The URL-safe base64 alphabet, for building non-canonical encodings.
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `segment` with a stray bit set among the unused bits of its last
/// character: the same bytes under a second encoding.
fn stray_bit(segment: &str) -> String {
    assert_ne!(
        segment.len() % 4,
        0,
        "a segment of whole groups has no unused bits"
    );
    let (head, last) = segment.split_at(segment.len() - 1);
    let value = URL_SAFE
        .iter()
        .position(|&c| c == last.as_bytes()[0])
        .unwrap();
    // The lowest bit of the last character is unused whether the group
    // holds one byte (4 bits unused) or two (2 bits unused).
    format!("{head}{}", char::from(URL_SAFE[value ^ 1]))
}

#[test]
fn a_second_encoding_of_the_same_signature_is_refused() {
    // A signature whose last character differs only in unused bits decodes
    // to the same bytes: accepting it would give the token a second form
    // (a second `jti` spelling for replay caches keyed on the token bytes).
    // RSA-2048 (256 bytes), P-256 (64) and HMAC-SHA256 (32) signatures all
    // end in a partial group.
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::HS256] {
        let key = SigningKey::shared(alg);
        let t = token().sign(key);
        let signature = t.rsplit('.').next().unwrap();
        let bad = with_segment(&t, 2, &stray_bit(signature));
        let keys = key_set_of(key);
        let validator = validator_with(&[alg]);
        validator.validate(t.as_bytes(), &keys, now()).unwrap();
        assert_eq!(
            validator
                .validate(bad.as_bytes(), &keys, now())
                .unwrap_err(),
            Error::Base64 {
                part: Part::Signature
            },
            "{alg:?}"
        );
    }
}

#[test]
fn stray_bits_and_impossible_lengths_in_header_or_claims_are_refused() {
    // Signed as they are (a provider with a broken encoder), so only the
    // decoding can refuse them. The claims get trailing spaces inside the
    // JSON until their encoding ends in a partial group.
    let header = b64(json!({"alg":"RS256","kid":rsa().kid()})
        .to_string()
        .as_bytes());
    let mut claims = json!(token().claims()).to_string();
    while b64(claims.as_bytes()).len().is_multiple_of(4) {
        claims.push(' ');
    }
    let claims = b64(claims.as_bytes());
    let signed = |header: &str, claims: &str| {
        let input = format!("{header}.{claims}");
        format!("{input}.{}", b64(&rsa().sign_raw(input.as_bytes())))
    };
    check(&signed(&header, &claims)).unwrap();
    assert_eq!(
        check(&signed(&header, &stray_bit(&claims))).unwrap_err(),
        Error::Base64 { part: Part::Claims }
    );
    // One character past whole groups encodes no byte at all.
    let dangling = format!("{header}{}", &"AAAA"[..(5 - header.len() % 4) % 4]);
    assert_eq!(dangling.len() % 4, 1);
    assert_eq!(
        check(&signed(&dangling, &claims)).unwrap_err(),
        Error::Base64 { part: Part::Header }
    );
}

#[test]
fn rejects_segments_that_are_not_json_objects() {
    let claims = json!(token().claims()).to_string();
    for header in [
        &b"not json"[..],
        b"[1,2]",
        b"\"RS256\"",
        b"{\"alg\":\"RS256\"} x",
    ] {
        let t = rsa().sign_bytes(header, claims.as_bytes());
        assert_eq!(
            check(&t).unwrap_err(),
            Error::NotJsonObject { part: Part::Header }
        );
    }
    let header = json!(token().header_for(rsa())).to_string();
    for claims in [&b"nope"[..], b"[]", b"42", b"{"] {
        let t = rsa().sign_bytes(header.as_bytes(), claims);
        assert_eq!(
            check(&t).unwrap_err(),
            Error::NotJsonObject { part: Part::Claims }
        );
    }
}

#[test]
fn rejects_duplicate_claim_names() {
    let header = json!(token().header_for(rsa())).to_string();
    let claims = json!(token().claims()).to_string();
    // Append a second "iss" that would pass if the last one won.
    let dup = format!(
        "{},\"iss\":\"https://evil.example\"}}",
        claims.trim_end_matches('}')
    );
    let t = rsa().sign_bytes(header.as_bytes(), dup.as_bytes());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::DuplicateMember {
            part: Part::Claims,
            name: "iss".into()
        }
    );
}

#[test]
fn rejects_huge_tokens_and_deep_nesting() {
    let big = token().claim("pad", "x".repeat(20_000)).sign(rsa());
    assert!(matches!(
        check(&big).unwrap_err(),
        Error::TokenTooLarge { max: 16384, .. }
    ));
    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!([deep]);
    }
    let t = token().claim("deep", deep).sign(rsa());
    assert!(matches!(
        check(&t).unwrap_err(),
        Error::JsonTooDeep {
            part: Part::Claims,
            ..
        }
    ));
}

#[test]
fn bounds_the_nesting_of_every_event_skipped_or_kept() {
    let nested = |levels: usize| {
        let mut v = json!(1);
        for _ in 0..levels {
            v = json!([v]);
        }
        v
    };
    let with_events = |other: serde_json::Value, logout: serde_json::Value| {
        token()
            .claim(
                "events",
                json!({
                    "https://example.com/other-event": other,
                    "http://schemas.openid.net/event/backchannel-logout": logout,
                }),
            )
            .sign(rsa())
    };
    let too_deep = Error::JsonTooDeep {
        part: Part::Claims,
        max: 16,
    };
    // Other events are skipped unread but within the same depth as the
    // logout event's value: 14 levels inside `events`, not 15.
    assert!(check(&with_events(nested(14), json!({}))).is_ok());
    assert_eq!(
        check(&with_events(nested(15), json!({}))).unwrap_err(),
        too_deep
    );
    assert_eq!(
        check(&with_events(nested(300), json!({}))).unwrap_err(),
        too_deep
    );
    assert!(check(&with_events(json!(1), json!({ "a": nested(13) }))).is_ok());
    assert_eq!(
        check(&with_events(json!(1), json!({ "a": nested(14) }))).unwrap_err(),
        too_deep
    );
}

// ---------------------------------------------------------------- claims

#[test]
fn rejects_wrong_issuer_exactly() {
    for iss in [
        "https://op.example.com/",
        "https://OP.example.com",
        "https://op.example.com ",
        "http://op.example.com",
    ] {
        let t = token().claim("iss", iss).sign(rsa());
        assert_eq!(
            check(&t).unwrap_err(),
            Error::IssuerMismatch { found: iss.into() },
            "{iss}"
        );
    }
}

#[test]
fn rejects_wrong_audience_and_azp() {
    let t = token().claim("aud", "other-client").sign(rsa());
    assert_eq!(check(&t).unwrap_err(), Error::AudienceMismatch);
    let t = token().claim("aud", json!([])).sign(rsa());
    assert_eq!(check(&t).unwrap_err(), Error::AudienceMismatch);
    let t = token()
        .claim("aud", json!([CLIENT, "other"]))
        .claim("azp", "other")
        .sign(rsa());
    assert_eq!(check(&t).unwrap_err(), Error::AuthorizedPartyMismatch);
    let t = token().claim("aud", json!([CLIENT, 7])).sign(rsa());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::InvalidClaimType {
            name: "aud",
            expected: Expected::StringOrArray
        }
    );
}

#[test]
fn rejects_missing_required_claims() {
    for name in ["iss", "aud", "iat", "jti", "events", "exp"] {
        let t = token().without(name).sign(rsa());
        assert_eq!(
            check(&t).unwrap_err(),
            Error::MissingClaim { name },
            "{name}"
        );
    }
}

#[test]
fn legacy_option_accepts_missing_exp_bounded_by_max_age() {
    let v = Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .legacy_allow_missing_exp()
        .build()
        .unwrap();
    let t = token().without("exp").sign(rsa());
    let logout = v.validate(t.as_bytes(), &rsa_keys(), now()).unwrap();
    assert_eq!(logout.expires_at(), None);
    assert_eq!(
        logout.remember_jti_until(),
        UnixTime::from_secs(NOW + 600 + 60)
    );
    let late = UnixTime::from_secs(NOW + 661);
    assert!(matches!(
        v.validate(t.as_bytes(), &rsa_keys(), late),
        Err(Error::TooOld { .. })
    ));
}

#[test]
fn checks_time_claims_with_leeway() {
    // iat in the future beyond leeway.
    let t = TokenBuilder::new(ISS, CLIENT, NOW + 61)
        .sid("s")
        .sign(rsa());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::IssuedInFuture {
            iat: NOW + 61,
            now: NOW
        }
    );
    // Within leeway: fine.
    let t = TokenBuilder::new(ISS, CLIENT, NOW + 60)
        .sid("s")
        .sign(rsa());
    check(&t).unwrap();
    // Too old, even with a far exp (idpyoidc sends exp = iat + 1 day).
    let t = TokenBuilder::new(ISS, CLIENT, NOW - 661)
        .sid("s")
        .claim("exp", NOW + 86_400)
        .sign(rsa());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::TooOld {
            iat: NOW - 661,
            max_age: 600
        }
    );
    // Expired.
    let t = TokenBuilder::new(ISS, CLIENT, NOW - 300)
        .sid("s")
        .claim("exp", NOW - 60)
        .sign(rsa());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::Expired {
            exp: NOW - 60,
            now: NOW
        }
    );
    // nbf in the future.
    let t = token().claim("nbf", NOW + 300).sign(rsa());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::NotYetValid {
            nbf: NOW + 300,
            now: NOW
        }
    );
}

#[test]
fn max_age_and_leeway_are_configurable() {
    let v = Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .max_age(Duration::from_secs(60))
        .leeway(Duration::from_secs(0))
        .build()
        .unwrap();
    let t = TokenBuilder::new(ISS, CLIENT, NOW - 61)
        .sid("s")
        .sign(rsa());
    assert!(matches!(
        v.validate(t.as_bytes(), &rsa_keys(), now()),
        Err(Error::TooOld { .. })
    ));
}

#[test]
fn rejects_numeric_dates_of_wrong_type_or_absurd_value() {
    let t = token().claim("iat", NOW.to_string()).sign(rsa());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::InvalidClaimType {
            name: "iat",
            expected: Expected::Number
        }
    );
    for bad in [json!(-1), json!(1e300), json!(-0.5), json!(u64::MAX)] {
        let t = token().claim("exp", bad.clone()).sign(rsa());
        assert_eq!(
            check(&t).unwrap_err(),
            Error::InvalidNumericDate { name: "exp" },
            "{bad}"
        );
    }
    // A number beyond f64 is refused by the JSON parser, never overflowed.
    let header = json!(token().header_for(rsa())).to_string();
    let claims = json!(token().claims())
        .to_string()
        .replace(&format!("\"exp\":{}", NOW + 120), "\"exp\":1e400");
    let t = rsa().sign_bytes(header.as_bytes(), claims.as_bytes());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::NotJsonObject { part: Part::Claims }
    );
}

#[test]
fn rejects_registered_claims_of_the_wrong_type() {
    let cases = [
        ("sid", json!(42), Expected::String),
        ("sub", json!(["a"]), Expected::String),
        ("jti", json!(1), Expected::String),
        ("iss", json!({"a": 1}), Expected::String),
        ("events", json!([]), Expected::Object),
        ("events", json!("backchannel-logout"), Expected::Object),
        ("events", json!(null), Expected::Object),
        ("azp", json!(false), Expected::String),
        ("iat", json!("1700000000"), Expected::Number),
        ("exp", json!([NOW]), Expected::Number),
        ("aud", json!({"client": true}), Expected::StringOrArray),
        ("aud", json!(7), Expected::StringOrArray),
    ];
    for (name, value, expected) in cases {
        let t = token().claim(name, value).sign(rsa());
        assert_eq!(
            check(&t).unwrap_err(),
            Error::InvalidClaimType { name, expected },
            "{name}"
        );
    }
}

#[test]
fn rejects_wrong_or_missing_logout_event() {
    let t = token()
        .claim(
            "events",
            json!({"http://schemas.openid.net/event/other": {}}),
        )
        .sign(rsa());
    assert_eq!(check(&t).unwrap_err(), Error::MissingLogoutEvent);
    let t = token()
        .claim(
            "events",
            json!({"http://schemas.openid.net/event/backchannel-logout": true}),
        )
        .sign(rsa());
    assert_eq!(check(&t).unwrap_err(), Error::InvalidLogoutEvent);
    // Two logout events in one `events` object: ambiguous, refused.
    let header = json!(token().header_for(rsa())).to_string();
    let mut claims = json!(token().claims()).to_string();
    claims = claims.replacen(
        r#""events":{"#,
        r#""events":{"http://schemas.openid.net/event/backchannel-logout":{"a":1},"#,
        1,
    );
    let t = rsa().sign_bytes(header.as_bytes(), claims.as_bytes());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::DuplicateMember {
            part: Part::Claims,
            name: "http://schemas.openid.net/event/backchannel-logout".into()
        }
    );
    // Other events beside the logout event are ignored, whatever they hold.
    let t = token()
        .claim(
            "events",
            json!({
                "http://schemas.openid.net/event/backchannel-logout": {},
                "https://example.com/other": [1, {"deep": [true, null]}]
            }),
        )
        .sign(rsa());
    assert!(check(&t).is_ok());
    // WSO2 up to 5.10 sent `event` instead of `events`.
    let t = token()
        .without("events")
        .claim(
            "event",
            json!({"http://schemas.openid.net/event/backchannel-logout": {}}),
        )
        .sign(rsa());
    assert_eq!(
        check(&t).unwrap_err(),
        Error::MissingClaim { name: "events" }
    );
}

#[test]
fn rejects_token_without_sub_and_sid() {
    let t = TokenBuilder::new(ISS, CLIENT, NOW)
        .without("sub")
        .sign(rsa());
    assert_eq!(check(&t).unwrap_err(), Error::MissingSubjectAndSession);
}

#[test]
fn rejects_empty_identifiers() {
    for name in ["jti", "sid", "sub"] {
        let t = token().claim(name, "").sign(rsa());
        assert_eq!(check(&t).unwrap_err(), Error::EmptyClaim { name }, "{name}");
    }
}

#[test]
fn require_sid_refuses_sub_only_tokens() {
    let v = Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .require_sid(true)
        .build()
        .unwrap();
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sign(rsa());
    assert_eq!(
        v.validate(t.as_bytes(), &rsa_keys(), now()).unwrap_err(),
        Error::MissingSessionId
    );
}

#[test]
fn rejects_token_with_nonce() {
    let t = token().claim("nonce", "n-0S6_WzA2Mj").sign(rsa());
    assert_eq!(check(&t).unwrap_err(), Error::NoncePresent);
}

#[test]
fn rejects_id_token_and_access_token_posted_as_logout_token() {
    // An ID token: no events, a nonce.
    let id_token = TokenBuilder::new(ISS, CLIENT, NOW)
        .without("events")
        .claim("nonce", "abc")
        .header("typ", "JWT")
        .sign(rsa());
    assert_eq!(
        check(&id_token).unwrap_err(),
        Error::MissingClaim { name: "events" }
    );
    // An access token: typ at+jwt (RFC 9068).
    let access = token().header("typ", "at+jwt").sign(rsa());
    assert_eq!(
        check(&access).unwrap_err(),
        Error::InvalidType {
            typ: "at+jwt".into()
        }
    );
}

#[test]
fn checks_run_cheapest_for_a_forger_first() {
    // A bad signature is reported before any claim problem: claims are
    // not even read for a forgery.
    let impostor = SigningKey::generate(Algorithm::RS256, rsa().kid());
    let t = token()
        .claim("iss", "https://evil.example")
        .claim("nonce", "x")
        .sign(&impostor);
    assert!(matches!(
        check(&t).unwrap_err(),
        Error::InvalidSignature { .. }
    ));
    // A disallowed algorithm is reported before the key lookup.
    let t = token().sign(&SigningKey::generate(Algorithm::ES256, "nobody"));
    assert!(matches!(
        check(&t).unwrap_err(),
        Error::AlgorithmNotAllowed { .. }
    ));
}

#[test]
fn errors_never_echo_unbounded_input() {
    let long_iss = format!("https://{}", "a".repeat(5000));
    let t = token().claim("iss", long_iss.as_str()).sign(rsa());
    let err = check(&t).unwrap_err();
    assert!(err.to_string().len() < 400, "{}", err.to_string().len());
}

// ---------------------------------------------------------------- peek and sets

#[test]
fn peek_reads_header_and_issuer_without_verifying() {
    let impostor = SigningKey::generate(Algorithm::ES256, "kid-x");
    let t = token().sign(&impostor);
    let p = peek_unverified(t.as_bytes()).unwrap();
    assert_eq!(p.header.alg, Algorithm::ES256);
    assert_eq!(p.header.kid.as_deref(), Some("kid-x"));
    assert_eq!(p.header.typ.as_deref(), Some("logout+jwt"));
    assert_eq!(p.issuer.as_deref(), Some(ISS));
}

#[test]
fn validator_set_routes_by_issuer_then_validates_fully() {
    let other_iss = "https://tenant-2.example.com";
    let mut set = ValidatorSet::new();
    set.insert(validator()).unwrap();
    set.insert(
        Validator::builder(Issuer::new(other_iss), ClientId::new("client-2"))
            .build()
            .unwrap(),
    )
    .unwrap();
    assert!(set.insert(validator()).is_err());
    let keys = std::sync::Arc::new(rsa_keys());
    let t = TokenBuilder::new(other_iss, "client-2", NOW).sign(rsa());
    let logout = set
        .validate(t.as_bytes(), |_| Some(keys.clone()), now())
        .unwrap();
    assert_eq!(logout.issuer(), other_iss);
    // Routed to tenant 2, whose client id differs: full validation applies.
    let t = TokenBuilder::new(other_iss, CLIENT, NOW).sign(rsa());
    assert_eq!(
        set.validate(t.as_bytes(), |_| Some(keys.clone()), now())
            .unwrap_err(),
        Error::AudienceMismatch
    );
    let t = TokenBuilder::new("https://unknown.example", CLIENT, NOW).sign(rsa());
    assert_eq!(
        set.validate(t.as_bytes(), |_| Some(keys.clone()), now())
            .unwrap_err(),
        Error::UnknownIssuer {
            found: "https://unknown.example".into()
        }
    );
}

#[test]
fn config_is_validated_once() {
    use backchannel_logout::ConfigError;
    assert_eq!(
        Validator::builder(Issuer::new(""), ClientId::new(CLIENT))
            .build()
            .unwrap_err(),
        ConfigError::EmptyIssuer
    );
    assert_eq!(
        Validator::builder(Issuer::new(ISS), ClientId::new(""))
            .build()
            .unwrap_err(),
        ConfigError::EmptyClientId
    );
    assert_eq!(
        Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
            .algorithms([])
            .build()
            .unwrap_err(),
        ConfigError::NoAlgorithm
    );
}

#[test]
fn accepts_claims_larger_than_the_stack_buffer() {
    // Claims over 2 KiB decode on the heap; the result is the same.
    let blob = "b".repeat(6000);
    let t = token().claim("blob", blob.as_str()).sign(rsa());
    let logout = check(&t).unwrap();
    assert_eq!(
        logout.other_claims().get("blob").and_then(|v| v.as_str()),
        Some(blob.as_str())
    );
}
