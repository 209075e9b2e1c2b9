//! The aws-lc-rs side: ours on the core's `aws-lc-rs` backend (RSA, ECDSA
//! and Ed25519 through AWS-LC; HMAC stays on RustCrypto), the raw
//! aws-lc-rs verification and jsonwebtoken with its `aws_lc_rs` backend,
//! beside the raw RustCrypto check so that every ratio comes from one run.
//!
//! `cargo bench -p backchannel-logout-benches --features aws-lc --bench aws_lc -- --noplot`

use std::hint::black_box;
use std::time::Duration;

use backchannel_logout_benches::floor::{AwsLc, RustCrypto};
use backchannel_logout_benches::peers::{Backend, Jsonwebtoken};
use backchannel_logout_benches::{ALGORITHMS, Fixture};
use criterion::{Criterion, criterion_group, criterion_main};

fn aws_lc(c: &mut Criterion) {
    Backend::AwsLc.install();
    for alg in ALGORITHMS {
        let f = Fixture::new(alg);
        let raw = AwsLc::new(&f);
        let rust_crypto = RustCrypto::new(&f);
        let jwt = Jsonwebtoken::new(&f);
        let token = f.token.as_str();
        let mut group = c.benchmark_group(format!("aws-lc/{}", alg.name()));
        group.bench_function("raw-aws-lc", |b| {
            b.iter(|| raw.verify(black_box(&f.signing_input), black_box(&f.signature)));
        });
        group.bench_function("jsonwebtoken-aws_lc_rs", |b| {
            b.iter(|| jwt.validate(black_box(token)));
        });
        group.bench_function("raw-rustcrypto", |b| {
            b.iter(|| rust_crypto.verify(black_box(&f.signing_input), black_box(&f.signature)));
        });
        group.bench_function("ours", |b| {
            b.iter(|| {
                f.validator
                    .validate(black_box(token.as_bytes()), &f.keys, f.now)
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = aws_lc
}
criterion_main!(benches);
