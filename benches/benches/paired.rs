//! The goals of the benchmarks as paired measurements. On a shared, noisy
//! machine two criterion medians taken a minute apart can differ by tens of
//! percent, so here the contenders of one algorithm run in short
//! alternating batches (the order rotating each round), and each ratio or
//! difference is computed within a round, then summarised by its median
//! and quartiles over the rounds. A burst of load slows every contender of
//! a round alike and cancels out of the ratios.
//!
//! `cargo bench -p backchannel-logout-benches --bench paired` (RustCrypto:
//! ours on the core's default backend, the raw RustCrypto floor (the
//! crates' own verify, key pre-parsed), jsonwebtoken `rust_crypto`,
//! jwt-simple; and `p256`/`p384` 0.13 beside the floor).
//!
//! `cargo bench -p backchannel-logout-benches --features aws-lc --bench paired`
//! (ours on the core's `aws-lc-rs` backend, the raw aws-lc-rs floor for RSA,
//! ECDSA and Ed25519, jsonwebtoken `aws_lc_rs`, jwt-simple).
//!
//! `-- --quick` for a short run; `-- --alg EdDSA` (repeatable; `cold` for
//! the cold path) for some algorithms only.

use std::hint::black_box;
use std::time::{Duration, Instant};

use backchannel_logout::{Algorithm, KeySet, verify_compact};
#[cfg(feature = "aws-lc")]
use backchannel_logout_benches::floor::AwsLc;
use backchannel_logout_benches::floor::{P256v13, P384v13, RustCrypto};
use backchannel_logout_benches::peers::{Backend, Jsonwebtoken, JwtSimple};
use backchannel_logout_benches::{ALGORITHMS, Fixture, OURS_BACKEND};

/// One implementation, timed in batches: the closure runs `n` validations.
struct Contender<'a> {
    name: &'static str,
    batch: Box<dyn Fn(u64) + 'a>,
    iterations: u64,
    /// ns per validation, one entry per round.
    times: Vec<f64>,
}

impl<'a> Contender<'a> {
    fn new(name: &'static str, batch: impl Fn(u64) + 'a) -> Self {
        Contender {
            name,
            batch: Box::new(batch),
            iterations: 1,
            times: Vec::new(),
        }
    }

    /// Doubles the batch until it lasts `target`.
    fn calibrate(&mut self, target: Duration) {
        loop {
            let start = Instant::now();
            (self.batch)(self.iterations);
            if start.elapsed() >= target {
                return;
            }
            self.iterations *= 2;
        }
    }

    fn run(&mut self) {
        let start = Instant::now();
        (self.batch)(self.iterations);
        self.times
            .push(start.elapsed().as_nanos() as f64 / self.iterations as f64);
    }
}

/// Calibrates each contender to `batch`, then runs them in `rounds` rounds,
/// the order rotating each round.
fn run_rounds(contenders: &mut [Contender<'_>], batch: Duration, rounds: usize) {
    for c in contenders.iter_mut() {
        c.calibrate(batch);
    }
    let len = contenders.len();
    for round in 0..rounds {
        for i in 0..len {
            if let Some(c) = contenders.get_mut((round + i) % len) {
                c.run();
            }
        }
    }
}

/// The per-round times of the contender called `name` (empty if none).
fn times_of(contenders: &[Contender<'_>], name: &str) -> Vec<f64> {
    contenders
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.times.clone())
        .unwrap_or_default()
}

/// A verification of pre-decoded input, as a contender.
fn verifying<'a>(
    name: &'static str,
    f: &'a Fixture,
    verify: impl Fn(&[u8], &[u8]) -> bool + 'a,
) -> Contender<'a> {
    Contender::new(name, move |n| {
        for _ in 0..n {
            black_box(verify(black_box(&f.signing_input), black_box(&f.signature)));
        }
    })
}

/// The core's own verification, as compiled in the core, on the
/// pre-decoded input: `KeySet::verify_signature` (the key looked up by
/// `kid`, then verified). "ours" minus this is the validator's overhead
/// without any difference in how the same crypto code was compiled into
/// the benches' floor.
#[allow(clippy::panic)]
fn core_verifying(f: &Fixture) -> Contender<'_> {
    let kid = Some(f.key.kid());
    if f.keys
        .verify_signature(f.alg, kid, &f.signing_input, &f.signature)
        .is_err()
    {
        panic!("the fixture's key set refuses its own signature");
    }
    verifying("core-verify", f, move |m, s| {
        f.keys.verify_signature(f.alg, kid, m, s).is_ok()
    })
}

/// A validation of the compact token, as a contender.
fn validating<'a, T, E>(
    name: &'static str,
    f: &'a Fixture,
    validate: impl Fn(&'a str) -> Result<T, E> + 'a,
) -> Contender<'a> {
    Contender::new(name, move |n| {
        for _ in 0..n {
            drop(black_box(validate(black_box(f.token.as_str()))));
        }
    })
}

/// The floor with the crypto ours uses in this build.
fn floor(f: &Fixture) -> Contender<'_> {
    #[cfg(feature = "aws-lc")]
    if f.alg != Algorithm::HS256 {
        let raw = AwsLc::new(f);
        return verifying("raw", f, move |m, s| raw.verify(m, s));
    }
    let raw = RustCrypto::new(f);
    verifying("raw", f, move |m, s| raw.verify(m, s))
}

/// The variants measured beside the floor: `p256`/`p384` 0.13, as
/// jsonwebtoken uses them (RustCrypto build only).
fn variants(f: &Fixture) -> Vec<(Contender<'_>, &'static str)> {
    if OURS_BACKEND != "rustcrypto" {
        return Vec::new();
    }
    match f.alg {
        Algorithm::ES256 => {
            let v13 = P256v13::new(f);
            vec![(
                verifying(VARIANTS[0], f, move |m, s| v13.verify(m, s)),
                "p256 0.13 `verify` ÷ p256 0.14 `verify`",
            )]
        }
        Algorithm::ES384 => {
            let v13 = P384v13::new(f);
            vec![(
                verifying(VARIANTS[0], f, move |m, s| v13.verify(m, s)),
                "p384 0.13 `verify` ÷ p384 0.14 `verify`",
            )]
        }
        _ => Vec::new(),
    }
}

/// Contender names of the variants.
const VARIANTS: [&str; 1] = ["variant-1"];

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // Under `cargo bench -- --test` (or `cargo test --benches`): run briefly.
    let smoke = std::env::args().any(|a| a == "--test");
    let (batch, rounds) = match (smoke, quick) {
        (true, _) => (Duration::from_micros(200), 3),
        (false, true) => (Duration::from_millis(2), 60),
        (false, false) => (Duration::from_millis(4), 250),
    };
    let (backend, jwt_name) = if OURS_BACKEND == "rustcrypto" {
        (Backend::RustCrypto, "rust_crypto")
    } else {
        #[cfg(feature = "aws-lc")]
        let backend = Backend::AwsLc;
        #[cfg(not(feature = "aws-lc"))]
        let backend = Backend::RustCrypto;
        (backend, "aws_lc_rs")
    };
    backend.install();
    println!(
        "paired, ours on {OURS_BACKEND}, jsonwebtoken {jwt_name}: {rounds} rounds per algorithm, \
         batches of ~{} ms; medians [quartiles] over the rounds\n",
        batch.as_millis()
    );
    println!(
        "| alg | token B | raw µs | ours µs | ours − raw µs | ours ÷ raw | sig layer − raw µs | claims µs | jsonwebtoken ÷ ours | jwt-simple ÷ ours |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut variant_lines = Vec::new();
    let mut core_lines = Vec::new();
    // `--alg NAME` (repeatable) limits the run to those algorithms.
    let args: Vec<String> = std::env::args().collect();
    let only: Vec<&str> = args
        .windows(2)
        .filter(|w| w.first().is_some_and(|a| a == "--alg"))
        .filter_map(|w| w.get(1).map(String::as_str))
        .collect();
    for alg in ALGORITHMS {
        if !only.is_empty() && !only.contains(&alg.name()) {
            continue;
        }
        let f = Fixture::new(alg);
        let jwt = Jsonwebtoken::new(&f);
        let simple = JwtSimple::new(&f);
        let mut contenders = vec![
            floor(&f),
            validating("ours", &f, |t| {
                f.validator.validate(t.as_bytes(), &f.keys, f.now)
            }),
            validating("ours-verify_compact", &f, |t| {
                verify_compact(t.as_bytes(), &f.keys, f.validator.algorithms())
            }),
            validating("jsonwebtoken", &f, |t| jwt.validate(t)),
            validating("jwt-simple", &f, |t| simple.validate(t)),
            core_verifying(&f),
        ];
        let mut variant_labels = Vec::new();
        for (contender, label) in variants(&f) {
            variant_labels.push((contender.name, label));
            contenders.push(contender);
        }
        run_rounds(&mut contenders, batch, rounds);
        let times = |name: &str| times_of(&contenders, name);
        let (raw, ours, sig) = (times("raw"), times("ours"), times("ours-verify_compact"));
        let diff = |a: &[f64], b: &[f64]| -> Vec<f64> {
            a.iter().zip(b).map(|(x, y)| (x - y) / 1000.0).collect()
        };
        let ratio =
            |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x / y).collect() };
        let micros = |a: &[f64]| -> Vec<f64> { a.iter().map(|t| t / 1000.0).collect() };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            alg.name(),
            f.token.len(),
            summary(&micros(&raw)),
            summary(&micros(&ours)),
            summary(&diff(&ours, &raw)),
            // Within each round, so a burst of load on the machine that
            // slows both alike cancels out (the "within 10 %" goal).
            summary_3(&ratio(&ours, &raw)),
            summary(&diff(&sig, &raw)),
            summary(&diff(&ours, &sig)),
            summary(&ratio(&times("jsonwebtoken"), &ours)),
            summary(&ratio(&times("jwt-simple"), &ours)),
        );
        let core = times("core-verify");
        core_lines.push(format!(
            "| {} | {} | {} | {} |",
            alg.name(),
            summary(&micros(&core)),
            summary(&diff(&ours, &core)),
            summary(&ratio(&core, &raw)),
        ));
        for (name, label) in variant_labels {
            variant_lines.push(format!(
                "| {} | {label} | {} |",
                alg.name(),
                summary(&ratio(&times(name), &raw))
            ));
        }
    }
    if only.is_empty() || only.contains(&"cold") {
        cold_path(batch, rounds);
    }
    if !core_lines.is_empty() {
        println!(
            "\n| alg | the core's `KeySet::verify_signature` µs | ours − it µs | it ÷ raw |\n|---|---:|---:|---:|"
        );
        for line in core_lines {
            println!("{line}");
        }
    }
    if !variant_lines.is_empty() {
        println!("\n| alg | raw verification, same run | ratio |\n|---|---|---:|");
        for line in variant_lines {
            println!("{line}");
        }
    }
}

/// The cold path: a fresh four-key JWKS document (two RSA keys, P-256,
/// Ed25519) parsed, then the first RS256 validation, against the raw RS256
/// verification of the same run.
#[allow(clippy::expect_used)]
fn cold_path(batch: Duration, rounds: usize) {
    let f = Fixture::new(Algorithm::RS256);
    let mut contenders = vec![
        floor(&f),
        Contender::new("from_jwks", |n| {
            for _ in 0..n {
                drop(black_box(KeySet::from_jwks(black_box(f.jwks.as_bytes()))));
            }
        }),
        Contender::new("cold", |n| {
            for _ in 0..n {
                let keys = KeySet::from_jwks(black_box(f.jwks.as_bytes())).expect("parses");
                drop(black_box(f.validator.validate(
                    black_box(f.token.as_bytes()),
                    &keys,
                    f.now,
                )));
            }
        }),
    ];
    run_rounds(&mut contenders, batch, rounds);
    let times = |name: &str| times_of(&contenders, name);
    let raw = times("raw");
    let ratio = |a: &[f64]| -> Vec<f64> { a.iter().zip(&raw).map(|(x, y)| x / y).collect() };
    let micros = |a: &[f64]| -> Vec<f64> { a.iter().map(|t| t / 1000.0).collect() };
    println!("\n| RS256, 4-key JWKS | µs | ÷ raw RS256 verify, same run |\n|---|---:|---:|");
    println!("| raw verify | {} | 1 |", summary(&micros(&raw)));
    for name in ["from_jwks", "cold"] {
        let t = times(name);
        println!(
            "| {name} | {} | {} |",
            summary(&micros(&t)),
            summary(&ratio(&t))
        );
    }
}

/// `median [q1, q3]`, two decimals.
fn summary(values: &[f64]) -> String {
    let [q1, median, q3] = quartiles(values);
    format!("{median:.2} [{q1:.2}, {q3:.2}]")
}

/// `median [q1, q3]`, three decimals (ratios close to 1).
fn summary_3(values: &[f64]) -> String {
    let [q1, median, q3] = quartiles(values);
    format!("{median:.3} [{q1:.3}, {q3:.3}]")
}

/// The first quartile, the median and the third quartile.
fn quartiles(values: &[f64]) -> [f64; 3] {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((v.len().saturating_sub(1)) as f64 * q).round() as usize;
        v.get(i).copied().unwrap_or(f64::NAN)
    };
    [at(0.25), at(0.5), at(0.75)]
}
