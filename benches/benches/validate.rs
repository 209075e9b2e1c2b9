//! Validation of one realistic logout token per algorithm: the raw
//! signature check (the floor), ours end to end and its signature layer
//! alone, jsonwebtoken (`rust_crypto`) and jwt-simple, all in one run.
//!
//! Then the parts of ours that are not the signature, on the same token:
//! base64url decoding of the claims segment (the variable-time `base64`
//! crate the core uses, and the constant-time `base64ct` it used before),
//! a generic JSON parse of the claims, and `peek_unverified`.
//!
//! `cargo bench -p backchannel-logout-benches --bench validate -- --noplot`

use std::hint::black_box;
use std::time::Duration;

use backchannel_logout::{Algorithm, peek_unverified, verify_compact};
use backchannel_logout_benches::floor::{P256v13, P384v13, RustCrypto};
use backchannel_logout_benches::peers::{Backend, Jsonwebtoken, JwtSimple};
use backchannel_logout_benches::{ALGORITHMS, Fixture, OURS_BACKEND};
use base64::Engine as _;
use base64ct::{Base64UrlUnpadded, Encoding as _};
use criterion::{Criterion, criterion_group, criterion_main};

fn validate(c: &mut Criterion) {
    if OURS_BACKEND != "rustcrypto" {
        eprintln!(
            "validate: skipped, ours is built on aws-lc here; run it without --features aws-lc"
        );
        return;
    }
    Backend::RustCrypto.install();
    for alg in ALGORITHMS {
        let f = Fixture::new(alg);
        let raw = RustCrypto::new(&f);
        let jwt = Jsonwebtoken::new(&f);
        let simple = JwtSimple::new(&f);
        let token = f.token.as_str();
        let mut group = c.benchmark_group(format!("validate/{}", alg.name()));
        group.bench_function("raw-rustcrypto", |b| {
            b.iter(|| raw.verify(black_box(&f.signing_input), black_box(&f.signature)));
        });
        if alg == Algorithm::ES256 {
            let p256_13 = P256v13::new(&f);
            group.bench_function("raw-rustcrypto-p256-0.13", |b| {
                b.iter(|| p256_13.verify(black_box(&f.signing_input), black_box(&f.signature)));
            });
        }
        if alg == Algorithm::ES384 {
            let p384_13 = P384v13::new(&f);
            group.bench_function("raw-rustcrypto-p384-0.13", |b| {
                b.iter(|| p384_13.verify(black_box(&f.signing_input), black_box(&f.signature)));
            });
        }
        group.bench_function("ours", |b| {
            b.iter(|| {
                f.validator
                    .validate(black_box(token.as_bytes()), &f.keys, f.now)
            });
        });
        group.bench_function("ours-verify_compact", |b| {
            b.iter(|| {
                verify_compact(
                    black_box(token.as_bytes()),
                    &f.keys,
                    f.validator.algorithms(),
                )
            });
        });
        group.bench_function("jsonwebtoken-rust_crypto", |b| {
            b.iter(|| jwt.validate(black_box(token)));
        });
        group.bench_function("jwt-simple", |b| {
            b.iter(|| simple.validate(black_box(token)));
        });
        group.finish();
    }
}

#[allow(clippy::expect_used)]
fn parts(c: &mut Criterion) {
    if OURS_BACKEND != "rustcrypto" {
        return;
    }
    let f = Fixture::new(Algorithm::HS256);
    let payload = f.token.split('.').nth(1).expect("a payload segment");
    let decoded = Base64UrlUnpadded::decode_vec(payload).expect("base64url");
    let mut group = c.benchmark_group("parts");
    group.bench_function("base64ct-decode-claims", |b| {
        b.iter(|| Base64UrlUnpadded::decode_vec(black_box(payload)));
    });
    group.bench_function("base64-crate-decode-claims", |b| {
        b.iter(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(black_box(payload)));
    });
    group.bench_function("serde_json-value-claims", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&decoded)));
    });
    group.bench_function("peek_unverified", |b| {
        b.iter(|| peek_unverified(black_box(f.token.as_bytes())));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = validate, parts
}
criterion_main!(benches);
