//! Every token is read and checked in full, however many tokens with the
//! same header came before (the signature, the key and the policy on every
//! token; a validator keeps no state between tokens), and the claims read
//! the same whatever their JSON spelling. These tests once guarded a header
//! memo and a fast claims reader, both removed; what they assert still holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::error::Part;
use backchannel_logout::{
    Algorithm, ClientId, Error, Issuer, KeySet, LOGOUT_EVENT, LogoutToken, UnixTime, Validator,
};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use serde_json::json;

const ISS: &str = "https://op.example.com/realms/r";
const CLIENT: &str = "client-1";
const IAT: u64 = 1_767_225_600;

fn validator(algs: &[Algorithm]) -> Validator {
    Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .algorithms(algs.iter().copied())
        .build()
        .unwrap()
}

fn now() -> UnixTime {
    UnixTime::from_secs(IAT + 1)
}

/// The same compact token with its signature's first character changed.
fn tampered(token: &str) -> String {
    let (rest, sig) = token.rsplit_once('.').unwrap();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    format!("{rest}.{first}{}", sig.get(1..).unwrap())
}

#[test]
fn tokens_sharing_a_header_each_have_their_signature_key_and_policy_checked() {
    // Six signing keys, each signing several tokens with one header.
    let signers: Vec<SigningKey> = (0..6)
        .map(|i| SigningKey::shared(Algorithm::ES256).with_alg(Algorithm::ES256, &format!("k{i}")))
        .collect();
    let keys = KeySet::from_jwks(SigningKey::jwks(&signers.iter().collect::<Vec<_>>()).as_bytes())
        .unwrap();
    let v = validator(&[Algorithm::ES256]);
    for round in 0..3 {
        for (i, key) in signers.iter().enumerate() {
            let token = TokenBuilder::new(ISS, CLIENT, IAT)
                .jti(&format!("j-{round}-{i}"))
                .sign(key);
            let logout = v.validate(token.as_bytes(), &keys, now()).unwrap();
            assert_eq!(logout.kid(), Some(format!("k{i}").as_str()));
            assert_eq!(logout.jti(), format!("j-{round}-{i}"));
            // The same header with a bad signature: refused every time.
            assert_eq!(
                v.validate(tampered(&token).as_bytes(), &keys, now())
                    .unwrap_err(),
                Error::InvalidSignature {
                    kid: Some(format!("k{i}")),
                    alg: "ES256".into()
                },
                "round {round}, key {i}"
            );
        }
    }
    // After a rotation, a header seen before names a key that is gone.
    let token = TokenBuilder::new(ISS, CLIENT, IAT).sign(&signers[0]);
    let rotated = KeySet::from_jwks(SigningKey::jwks(&[&signers[1]]).as_bytes()).unwrap();
    assert!(matches!(
        v.validate(token.as_bytes(), &rotated, now()).unwrap_err(),
        Error::KeyNotFound { .. }
    ));
    // A clone answers the same.
    let clone = v.clone();
    assert!(clone.validate(token.as_bytes(), &keys, now()).is_ok());
    assert!(
        clone
            .validate(tampered(&token).as_bytes(), &keys, now())
            .is_err()
    );
}

#[test]
fn a_header_refused_by_the_policy_is_refused_each_time() {
    let key = SigningKey::shared(Algorithm::HS256);
    let mut keys = KeySet::default();
    keys.add_hmac_secret(None, key.hmac_secret().unwrap())
        .unwrap();
    let strict = Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .algorithms([Algorithm::HS256])
        .typ_policy(backchannel_logout::TypPolicy::Strict)
        .build()
        .unwrap();
    let jwt = TokenBuilder::new(ISS, CLIENT, IAT)
        .header("typ", "JWT")
        .sign(key);
    let logout_jwt = TokenBuilder::new(ISS, CLIENT, IAT).sign(key);
    for _ in 0..3 {
        assert!(strict.validate(logout_jwt.as_bytes(), &keys, now()).is_ok());
        assert_eq!(
            strict.validate(jwt.as_bytes(), &keys, now()).unwrap_err(),
            Error::InvalidType { typ: "JWT".into() }
        );
    }
    // Another validator applies its own policy to the same token.
    let es256_only = validator(&[Algorithm::ES256]);
    assert_eq!(
        es256_only
            .validate(logout_jwt.as_bytes(), &keys, now())
            .unwrap_err(),
        Error::AlgorithmNotAllowed {
            alg: "HS256".into()
        }
    );
}

fn hs256(claims: &str) -> Result<LogoutToken, Error> {
    let key = SigningKey::shared(Algorithm::HS256);
    let mut keys = KeySet::default();
    keys.add_hmac_secret(None, key.hmac_secret().unwrap())
        .unwrap();
    let token = key.sign_bytes(br#"{"alg":"HS256","typ":"logout+jwt"}"#, claims.as_bytes());
    validator(&[Algorithm::HS256]).validate(token.as_bytes(), &keys, now())
}

/// What a caller reads of a token.
fn seen(t: &LogoutToken) -> String {
    format!(
        "{} {:?} {:?} {:?} {} {:?} {} {:?} {:?} {:?}",
        t.issuer(),
        t.audiences(),
        t.subject(),
        t.session_id(),
        t.issued_at().as_secs(),
        t.expires_at().map(UnixTime::as_secs),
        t.jti(),
        t.event(),
        t.other_claims(),
        t.remember_jti_until().as_secs(),
    )
}

#[test]
fn plain_and_escaped_spellings_of_the_same_claims_read_the_same() {
    let exp = IAT + 300;
    // Keycloak's shape: plain JSON.
    let plain = format!(
        r#"{{"iat":{IAT},"jti":"5b0f","iss":"{ISS}","aud":"{CLIENT}","sub":"u-1","typ":"Logout","sid":"s-1","events":{{"{LOGOUT_EVENT}":{{"revoke_offline_access":true}}}},"exp":{exp},"acr":"1","tags":["a",2,null],"meta":{{"k":"v"}}}}"#
    );
    // The same, with escapes, a fraction, an exponent and whitespace.
    let escaped = format!(
        r#" {{ "i\u0061t" : {IAT}.0 , "jti":"5b0\u0066", "iss":"{}", "aud":["{CLIENT}"], "sub":"u-1","typ":"Logout","sid":"s-1","events":{{"{}":{{"revoke_offline_access":true}}}},"exp":{}e0,"acr":"1","tags":["a",2,null],"meta":{{"k":"\u0076"}} }} "#,
        ISS.replace('/', "\\/"),
        LOGOUT_EVENT.replace('/', "\\/"),
        exp,
    );
    let a = hs256(&plain).unwrap();
    let b = hs256(&escaped).unwrap();
    assert_eq!(seen(&a), seen(&b));
    assert_eq!(a.issuer(), ISS);
    assert_eq!(
        *a.event(),
        json!({"revoke_offline_access": true})
            .as_object()
            .unwrap()
            .clone()
    );
    assert_eq!(a.other_claims().len(), 4, "{:?}", a.other_claims());
}

#[test]
fn plain_claims_are_refused_with_the_specific_error() {
    let base = |extra: &str| {
        format!(
            r#"{{"iss":"{ISS}","aud":"{CLIENT}","iat":{IAT},"exp":{},"jti":"j","sid":"s","events":{{"{LOGOUT_EVENT}":{{}}}}{extra}}}"#,
            IAT + 60
        )
    };
    assert!(hs256(&base("")).is_ok());
    let cases: [(&str, Error); 8] = [
        (
            r#","sid":"t""#,
            Error::DuplicateMember {
                part: Part::Claims,
                name: "sid".into(),
            },
        ),
        (
            r#","x":1,"x":2"#,
            Error::DuplicateMember {
                part: Part::Claims,
                name: "x".into(),
            },
        ),
        (
            r#","nbf":99999999999"#,
            Error::NotYetValid {
                nbf: 99_999_999_999,
                now: IAT + 1,
            },
        ),
        (r#","nonce":"n""#, Error::NoncePresent),
        (r#","azp":"other""#, Error::AuthorizedPartyMismatch),
        (r#","x":01"#, Error::NotJsonObject { part: Part::Claims }),
        (
            ",\"x\":\"a\tb\"",
            Error::NotJsonObject { part: Part::Claims },
        ),
        (r#","#, Error::NotJsonObject { part: Part::Claims }),
    ];
    for (extra, expected) in cases {
        let claims = if extra == r#","azp":"other""# {
            base(extra).replace(
                &format!(r#""aud":"{CLIENT}""#),
                &format!(r#""aud":["{CLIENT}","x"]"#),
            )
        } else {
            base(extra)
        };
        assert_eq!(hs256(&claims).unwrap_err(), expected, "{extra}");
    }
    // The logout event is required, and must be an object.
    let no_event = base("").replace(LOGOUT_EVENT, "urn:other");
    assert_eq!(hs256(&no_event).unwrap_err(), Error::MissingLogoutEvent);
    let not_object = base("").replace(
        &format!(r#""{LOGOUT_EVENT}":{{}}"#),
        &format!(r#""{LOGOUT_EVENT}":true"#),
    );
    assert_eq!(hs256(&not_object).unwrap_err(), Error::InvalidLogoutEvent);
    // A claim of the wrong type.
    let bad_iat = base("").replace(&format!(r#""iat":{IAT}"#), r#""iat":"x""#);
    assert!(matches!(
        hs256(&bad_iat).unwrap_err(),
        Error::InvalidClaimType { name: "iat", .. }
    ));
}

#[test]
fn every_signature_length_is_decoded_or_refused_on_each_side_of_the_buffer_tiers() {
    // The signature decodes in a buffer sized by its segment (short, RSA-2048,
    // up to RSA-8192): a segment of every length up past the largest is
    // refused as an invalid signature, or as base64 when no encoding has its
    // length, never more.
    let key = SigningKey::shared(Algorithm::RS256).with_alg(Algorithm::RS256, "r");
    let keys = KeySet::from_jwks(SigningKey::jwks(&[&key]).as_bytes()).unwrap();
    let v = validator(&[Algorithm::RS256]);
    let token = TokenBuilder::new(ISS, CLIENT, IAT).sign(&key);
    let (signing_input, _) = token.rsplit_once('.').unwrap();
    let invalid = Error::InvalidSignature {
        kid: Some("r".into()),
        alg: "RS256".into(),
    };
    for len in 0..=1400 {
        let forged = format!("{signing_input}.{}", "A".repeat(len));
        let err = v.validate(forged.as_bytes(), &keys, now()).unwrap_err();
        // 1366 characters encode the largest signature (1024 bytes).
        let expected = if len % 4 == 1 && len <= 1366 {
            Error::Base64 {
                part: Part::Signature,
            }
        } else {
            invalid.clone()
        };
        assert_eq!(err, expected, "signature segment of {len} characters");
    }
}
