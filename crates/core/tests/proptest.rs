//! Property tests of [`Validator::validate`]: it never panics, whatever the
//! bytes, and no change to a valid token's bytes is ever accepted (no
//! signature malleability, no lenient decoding).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use backchannel_logout::{Algorithm, ClientId, Issuer, KeySet, LOGOUT_EVENT, UnixTime, Validator};
use backchannel_logout_testkit::{SigningKey, TokenBuilder, b64};
use proptest::prelude::*;
use proptest::sample::Index;

const ISSUER: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const IAT: u64 = 1_767_225_600;

fn now() -> UnixTime {
    UnixTime::from_secs(IAT + 1)
}

struct Fixture {
    /// Allows every algorithm, so arbitrary input reaches every verifier.
    validator: Validator,
    keys: KeySet,
    rs256_token: String,
    es256_token: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let rs256 = SigningKey::shared(Algorithm::RS256);
        let es256 = SigningKey::shared(Algorithm::ES256);
        let es384 = SigningKey::shared(Algorithm::ES384);
        let eddsa = SigningKey::shared(Algorithm::EdDSA);
        let hs256 = SigningKey::shared(Algorithm::HS256);
        let mut keys =
            KeySet::from_jwks(SigningKey::jwks(&[rs256, es256, es384, eddsa]).as_bytes()).unwrap();
        keys.add_hmac_secret(None, hs256.hmac_secret().unwrap())
            .unwrap();
        let validator = Validator::builder(Issuer::new(ISSUER), ClientId::new(CLIENT))
            .algorithms(Algorithm::ALL)
            .build()
            .unwrap();
        let token = |key| {
            TokenBuilder::new(ISSUER, CLIENT, IAT)
                .sid("session-1")
                .jti("jti-1")
                .sign(key)
        };
        let fixture = Fixture {
            rs256_token: token(rs256),
            es256_token: token(es256),
            validator,
            keys,
        };
        // The unmutated tokens are valid: a refusal below is the mutation's doing.
        for t in [&fixture.rs256_token, &fixture.es256_token] {
            fixture
                .validator
                .validate(t.as_bytes(), &fixture.keys, now())
                .unwrap();
        }
        fixture
    })
}

fn validate(token: &[u8]) -> Result<(), backchannel_logout::Error> {
    let f = fixture();
    f.validator.validate(token, &f.keys, now()).map(|_| ())
}

/// One change to a token's bytes. Replacements XOR a non-zero byte in, so
/// every mutation changes the bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(Index, u8),
    Delete(Index),
    Insert(Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1..=u8::MAX).prop_map(|(i, x)| Mutation::Replace(i, x)),
        any::<Index>().prop_map(Mutation::Delete),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn mutate(token: &str, m: &Mutation) -> Vec<u8> {
    let mut bytes = token.as_bytes().to_vec();
    match *m {
        Mutation::Replace(ref i, x) => {
            let i = i.index(bytes.len());
            bytes[i] ^= x;
        }
        Mutation::Delete(ref i) => {
            bytes.remove(i.index(bytes.len()));
        }
        Mutation::Insert(ref i, b) => bytes.insert(i.index(bytes.len() + 1), b),
    }
    bytes
}

/// A JSON object of the members given, in order.
fn object(members: impl IntoIterator<Item = Option<String>>) -> String {
    let members: Vec<String> = members.into_iter().flatten().collect();
    format!("{{{}}}", members.join(","))
}

/// A member with a random name and value, or random text: the object is then
/// often not JSON, or has a duplicate member.
fn noise() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.3,
        prop_oneof![
            "\"[a-z]{1,4}\":(\"[ -~]{0,8}\"|-?[0-9]{1,20}(\\.[0-9]{1,3})?|null|true|\\[\\]|\\{\\})",
            "[ -~]{0,6}",
        ],
    )
}

/// `"name":value`, present with probability `present`; the value is one of
/// `values`, the first (the valid one) most often.
fn member(
    name: &'static str,
    present: f64,
    values: &'static [&'static str],
) -> impl Strategy<Value = Option<String>> {
    let value = prop_oneof![
        2 => Just(values[0]),
        1 => prop::sample::select(values),
    ];
    prop::option::weighted(present, value).prop_map(move |v| v.map(|v| format!("\"{name}\":{v}")))
}

/// JOSE headers: known and unknown algorithms, known and unknown key ids,
/// types, `crit`.
fn header_ish() -> impl Strategy<Value = String> {
    (
        member(
            "alg",
            0.85,
            &[
                r#""RS256""#,
                r#""PS256""#,
                r#""ES256""#,
                r#""ES384""#,
                r#""ES512""#,
                r#""EdDSA""#,
                r#""Ed25519""#,
                r#""HS256""#,
                r#""HS512""#,
                r#""none""#,
                r#""NONE""#,
                "256",
                "null",
            ],
        ),
        member(
            "kid",
            0.85,
            &[
                r#""shared-RS256""#,
                r#""shared-ES256""#,
                r#""shared-EdDSA""#,
                r#""other""#,
                "7",
            ],
        ),
        member(
            "typ",
            0.85,
            &[r#""logout+jwt""#, r#""JWT""#, r#""at+jwt""#, "[]"],
        ),
        member("crit", 0.15, &[r#"["b64"]"#, "[]", r#""b64""#]),
        noise(),
    )
        .prop_map(|(a, b, c, d, e)| object([a, b, c, d, e]))
}

/// Claims sets around the valid one: each registered claim present or not,
/// right or wrong, of the right type or not.
fn claims_ish() -> impl Strategy<Value = String> {
    (
        (
            member(
                "iss",
                0.85,
                &[
                    r#""https://op.example.com""#,
                    r#""https://op.example.com/""#,
                    "1",
                ],
            ),
            member(
                "aud",
                0.85,
                &[
                    r#""client-1""#,
                    r#"["client-1","other"]"#,
                    r#"["other"]"#,
                    "[1]",
                    "{}",
                ],
            ),
            member("azp", 0.15, &[r#""client-1""#, r#""other""#]),
            member(
                "iat",
                0.85,
                &[
                    "1767225600",
                    "1767225600.5",
                    "1767224000",
                    "1767229999",
                    "-1",
                    "1e300",
                    r#""1767225600""#,
                ],
            ),
            member(
                "exp",
                0.85,
                &["1767225720", "1767225000", "253402300800", "null"],
            ),
            member("nbf", 0.15, &["1767225600", "1767229999"]),
        ),
        (
            member("jti", 0.85, &[r#""jti-1""#, r#""""#, "1"]),
            member("sub", 0.85, &[r#""user-1""#, r#""""#, "[]"]),
            member("sid", 0.85, &[r#""session-1""#, r#""""#]),
            member(
                "events",
                0.85,
                &[
                    r#"{"http://schemas.openid.net/event/backchannel-logout":{}}"#,
                    r#"{"http://schemas.openid.net/event/backchannel-logout":true}"#,
                    r#"{"other":{}}"#,
                    "[]",
                ],
            ),
            member("nonce", 0.15, &[r#""n-0S6_WzA2Mj""#]),
            noise(),
        ),
    )
        .prop_map(|((a, b, c, d, e, f), (g, h, i, j, k, l))| {
            object([a, b, c, d, e, f, g, h, i, j, k, l])
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn validate_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        prop_assert!(validate(&bytes).is_err());
    }

    #[test]
    fn validate_never_panics_on_base64url_characters_and_dots(
        token in "[A-Za-z0-9_.-]{0,1024}",
    ) {
        prop_assert!(validate(token.as_bytes()).is_err());
    }

    #[test]
    fn validate_never_panics_on_encoded_headers(
        header in header_ish(),
        claims in prop::collection::vec(any::<u8>(), 0..256),
        signature in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let token = format!("{}.{}.{}", b64(header.as_bytes()), b64(&claims), b64(&signature));
        prop_assert!(validate(token.as_bytes()).is_err());
    }

    /// Validly signed (HS256, the secret is in the key set), so every claim
    /// check runs; whatever is accepted satisfies §2.4's rules.
    #[test]
    fn validate_never_panics_on_signed_claims_and_accepts_only_valid_ones(
        claims in claims_ish(),
    ) {
        let hs256 = SigningKey::shared(Algorithm::HS256);
        let token = hs256.sign_bytes(br#"{"alg":"HS256","typ":"logout+jwt"}"#, claims.as_bytes());
        if let Ok(logout) = fixture().validator.validate(token.as_bytes(), &fixture().keys, now()) {
            let json: serde_json::Value = serde_json::from_str(&claims).unwrap();
            prop_assert_eq!(logout.issuer(), ISSUER);
            prop_assert!(logout.audiences().iter().any(|a| a == CLIENT));
            prop_assert!(logout.subject().is_some() || logout.session_id().is_some());
            prop_assert!(json.get("nonce").is_none());
            prop_assert!(json["exp"].as_f64().is_some_and(|exp| exp > (IAT - 60) as f64));
            prop_assert!(json["events"][LOGOUT_EVENT].is_object());
            if json["aud"].as_array().is_some_and(|a| a.len() > 1) && json.get("azp").is_some() {
                prop_assert_eq!(&json["azp"], CLIENT);
            }
            prop_assert_eq!(logout.jti(), "jti-1");
        }
    }

    #[test]
    fn rejects_rs256_token_with_any_byte_changed(m in mutation()) {
        let token = &fixture().rs256_token;
        let mutated = mutate(token, &m);
        prop_assert_ne!(&mutated, token.as_bytes());
        prop_assert!(validate(&mutated).is_err(), "accepted after {:?}", m);
    }

    #[test]
    fn rejects_es256_token_with_any_byte_changed(m in mutation()) {
        let token = &fixture().es256_token;
        let mutated = mutate(token, &m);
        prop_assert_ne!(&mutated, token.as_bytes());
        prop_assert!(validate(&mutated).is_err(), "accepted after {:?}", m);
    }
}

/// The same property swept over every position (proptest samples positions;
/// this makes sure none, such as the signature's last character with its
/// unused bits, is missed): flip each bit, delete each byte.
fn assert_every_single_change_refused(token: &str) {
    let bytes = token.as_bytes();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.to_vec();
            flipped[i] ^= 1 << bit;
            assert!(
                validate(&flipped).is_err(),
                "accepted with bit {bit} of byte {i} flipped"
            );
        }
        let mut deleted = bytes.to_vec();
        deleted.remove(i);
        assert!(
            validate(&deleted).is_err(),
            "accepted with byte {i} deleted"
        );
    }
}

#[test]
fn rejects_rs256_token_with_any_bit_flipped_or_byte_deleted() {
    assert_every_single_change_refused(&fixture().rs256_token);
}

#[test]
fn rejects_es256_token_with_any_bit_flipped_or_byte_deleted() {
    assert_every_single_change_refused(&fixture().es256_token);
}
