//! Key sets: parsing a provider's JWKS, looking a key up, and the cold
//! path (a fresh JWKS document, then the first validation), ours and
//! jsonwebtoken's.
//!
//! `cargo bench -p backchannel-logout-benches --bench keyset -- --noplot`
//! (group `keyset`; with `--features aws-lc`, group `keyset-aws-lc`, our
//! keys parsed by AWS-LC).

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use backchannel_logout::{Algorithm, ClientId, Issuer, KeySet, UnixTime, Validator};
use backchannel_logout_benches::fixture::four_key_provider;
use backchannel_logout_benches::peers::{Backend, Jsonwebtoken, LogoutClaims};
use backchannel_logout_benches::{CLIENT_ID, ISSUER, OURS_BACKEND};
use backchannel_logout_testkit::SigningKey;
use criterion::{Criterion, criterion_group, criterion_main};

#[allow(clippy::expect_used)]
fn keyset(c: &mut Criterion) {
    Backend::RustCrypto.install();
    let issued_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1_767_225_600, |d| d.as_secs());
    let now = UnixTime::from_secs(issued_at + 1);
    let (jwks, token) = four_key_provider(issued_at);
    let keys = KeySet::from_jwks(jwks.as_bytes()).expect("the JWKS parses");
    assert_eq!(keys.len(), 4);
    let last_kid = keys
        .keys()
        .last()
        .and_then(|k| k.kid())
        .expect("a kid")
        .to_owned();
    let validator = Validator::builder(Issuer::new(ISSUER), ClientId::new(CLIENT_ID))
        .build()
        .expect("a valid configuration");

    // Our RSA and EC keys are parsed by the backend in use.
    let mut group = c.benchmark_group(match OURS_BACKEND {
        "rustcrypto" => "keyset".to_owned(),
        backend => format!("keyset-{backend}"),
    });
    group.bench_function("from_jwks-4-keys", |b| {
        b.iter(|| KeySet::from_jwks(black_box(jwks.as_bytes())));
    });
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let one = SigningKey::jwks(&[SigningKey::shared(alg)]);
        group.bench_function(format!("from_jwks-1-{}", alg.name()), |b| {
            b.iter(|| KeySet::from_jwks(black_box(one.as_bytes())));
        });
    }
    group.bench_function("contains_kid-last-of-4", |b| {
        b.iter(|| keys.contains_kid(black_box(&last_kid)));
    });
    group.bench_function("contains_kid-absent", |b| {
        b.iter(|| keys.contains_kid(black_box("no-such-kid-Zx3kQ9mVbT2wRf8LhJ5nYp1sUcA7dGe")));
    });
    group.bench_function("cold-RS256-ours", |b| {
        b.iter(|| {
            let keys = KeySet::from_jwks(black_box(jwks.as_bytes())).expect("parses");
            validator.validate(black_box(token.as_bytes()), &keys, now)
        });
    });
    let validation = Jsonwebtoken::validation(Algorithm::RS256);
    group.bench_function("cold-RS256-jsonwebtoken-rust_crypto", |b| {
        b.iter(|| {
            let set: jsonwebtoken::jwk::JwkSet =
                serde_json::from_str(black_box(&jwks)).expect("parses");
            let header = jsonwebtoken::decode_header(black_box(&token)).expect("a header");
            let jwk = set
                .find(header.kid.as_deref().unwrap_or_default())
                .expect("the key");
            let key = jsonwebtoken::DecodingKey::from_jwk(jwk).expect("a key");
            jsonwebtoken::decode::<LogoutClaims>(&token, &key, &validation).expect("valid")
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = keyset
}
criterion_main!(benches);
