//! A plain loop over one fixture, for `perf record` or `valgrind --tool=callgrind`:
//! `validate` end to end, the core's own `KeySet::verify_signature` on the
//! pre-decoded input, the raw floor (the crates' own verify, key
//! pre-parsed), or the cold path (the fixture's JWKS parsed, then `validate`).
//! The share of the samples outside the signature's arithmetic is the
//! validator's own work, measured without the run-to-run noise that hides
//! 2 µs next to a 600 µs verification (see `docs/benchmarks.md`).
//!
//! ```text
//! cargo build --release -p backchannel-logout-benches --bin validate-loop
//! perf record -F 4999 target/release/validate-loop ES384 30000 validate
//! perf record -F 4999 target/release/validate-loop ES384 30000 core
//! ```
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use backchannel_logout::Algorithm;
use backchannel_logout_benches::Fixture;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: validate-loop ALG COUNT validate|core|raw|cold";
    let (Some(alg), Some(count), Some(mode)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let (Ok(alg), Ok(count)) = (alg.parse::<Algorithm>(), count.parse::<u64>()) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let f = Fixture::new(alg);
    let kid = Some(f.key.kid());
    let raw = backchannel_logout_benches::floor::RustCrypto::new(&f);
    let start = Instant::now();
    let mut failures = 0u64;
    for _ in 0..count {
        let ok = match mode.as_str() {
            "validate" => f
                .validator
                .validate(black_box(f.token.as_bytes()), &f.keys, f.now)
                .is_ok(),
            "cold" => backchannel_logout::KeySet::from_jwks(black_box(f.jwks.as_bytes()))
                .is_ok_and(|keys| {
                    f.validator
                        .validate(black_box(f.token.as_bytes()), &keys, f.now)
                        .is_ok()
                }),
            "raw" => raw.verify(black_box(&f.signing_input), black_box(&f.signature)),
            "core" => f
                .keys
                .verify_signature(
                    alg,
                    kid,
                    black_box(&f.signing_input),
                    black_box(&f.signature),
                )
                .is_ok(),
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        };
        failures += u64::from(!ok);
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / count.max(1) as f64;
    println!(
        "{} {mode}: {per:.2} µs each, {failures} failures",
        alg.name()
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
