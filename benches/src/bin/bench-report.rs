//! Prints the tables of `docs/benchmarks.md` from criterion's results.
//!
//! `cargo run -p backchannel-logout-benches --bin bench-report [-- target/criterion]`
//!
//! Reads every `<bench>/new/benchmark.json` and `estimates.json` under the
//! criterion directory and prints, per algorithm, the median of each
//! implementation with its ratio to ours, then the goals of the issue
//! against the ratios measured in the same run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use backchannel_logout_benches::ALGORITHMS;
use serde::Deserialize;

#[derive(Deserialize)]
struct Benchmark {
    group_id: String,
    function_id: Option<String>,
}

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// Medians in µs, by (group, function).
type Medians = BTreeMap<(String, String), f64>;

fn main() -> ExitCode {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/criterion"), PathBuf::from);
    let mut medians = Medians::new();
    if let Err(err) = collect(&dir, &mut medians) {
        eprintln!("bench-report: reading {}: {err}", dir.display());
        return ExitCode::FAILURE;
    }
    if medians.is_empty() {
        eprintln!("bench-report: no criterion results under {}", dir.display());
        return ExitCode::FAILURE;
    }
    print!("{}", report(&medians));
    ExitCode::SUCCESS
}

fn collect(dir: &Path, medians: &mut Medians) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let new = path.join("new");
        match (
            read::<Benchmark>(&new.join("benchmark.json")),
            read::<Estimates>(&new.join("estimates.json")),
        ) {
            (Some(b), Some(e)) => {
                let function = b.function_id.unwrap_or_default();
                medians.insert((b.group_id, function), e.median.point_estimate / 1000.0);
            }
            _ => collect(&path, medians)?,
        }
    }
    Ok(())
}

fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// What each measured implementation is called in the tables.
const ROWS: [(&str, &str, &str); 13] = [
    (
        "validate",
        "raw-rustcrypto",
        "raw verify, RustCrypto (floor)",
    ),
    (
        "validate",
        "raw-rustcrypto-rsa-crate",
        "raw verify, the `rsa` 0.10 crate's own `verify`",
    ),
    (
        "validate",
        "raw-rustcrypto-p256-0.13",
        "raw verify, RustCrypto with p256 0.13",
    ),
    (
        "validate",
        "raw-rustcrypto-p384-0.13",
        "raw verify, RustCrypto with p384 0.13",
    ),
    (
        "validate",
        "raw-rustcrypto-ed25519-strict",
        "raw `verify_strict` (what the core called before), ed25519-dalek 3",
    ),
    ("validate", "ours", "**ours**: `Validator::validate`"),
    (
        "validate",
        "ours-verify_compact",
        "ours, signature layer only (`verify_compact`)",
    ),
    (
        "validate",
        "jsonwebtoken-rust_crypto",
        "jsonwebtoken 11, rust_crypto",
    ),
    ("validate", "jwt-simple", "jwt-simple 0.15, pure-rust"),
    ("aws-lc", "raw-aws-lc", "raw verify, aws-lc-rs ²"),
    ("aws-lc", "ours", "**ours**, core feature `aws-lc-rs` ²"),
    (
        "aws-lc",
        "jsonwebtoken-aws_lc_rs",
        "jsonwebtoken 11, aws_lc_rs ²",
    ),
    (
        "aws-lc",
        "raw-rustcrypto",
        "raw verify, RustCrypto, in the aws-lc run ²",
    ),
];

/// The goals of the issue: jsonwebtoken (rust_crypto) median over ours.
fn speedup_goal(alg: &str) -> Option<f64> {
    match alg {
        "RS256" | "PS256" => Some(2.5),
        "ES384" => Some(1.8),
        "EdDSA" => Some(1.15),
        "HS256" => Some(1.25),
        "ES256" => Some(1.0),
        _ => None,
    }
}

fn report(m: &Medians) -> String {
    let get = |run: &str, alg: &str, function: &str| {
        m.get(&(format!("{run}/{alg}"), function.to_owned()))
            .copied()
    };
    let mut out = String::new();
    for alg in ALGORITHMS.map(|a| a.name()) {
        let Some(ours) = get("validate", alg, "ours") else {
            continue;
        };
        let floor = get("validate", alg, "raw-rustcrypto");
        let ours_aws = get("aws-lc", alg, "ours");
        out += &format!("### {alg}\n\n");
        out += "| implementation | median µs | ÷ ours (same run) |\n|---|---:|---:|\n";
        for (run, function, label) in ROWS {
            let Some(median) = get(run, alg, function) else {
                continue;
            };
            let reference = if run == "aws-lc" {
                ours_aws
            } else {
                Some(ours)
            };
            let ratio = reference.map_or_else(|| "–".to_owned(), |r| format!("{:.2}", median / r));
            out += &format!("| {label} | {} | {ratio} |\n", us(median));
        }
        if let Some(floor) = floor {
            let sig = get("validate", alg, "ours-verify_compact");
            out += &format!(
                "\nOverhead over the floor: **{} µs** (goal ≤ 2 µs){}.\n",
                signed(ours - floor),
                sig.map_or_else(String::new, |s| format!(
                    ": {} µs in the signature layer (split, header, key, base64), {} µs in the claims",
                    signed(s - floor),
                    signed(ours - s)
                )),
            );
        }
        if let Some(ours_aws) = ours_aws {
            // The core's aws-lc-rs backend covers RSA, ECDSA and Ed25519.
            let floor_fn = if alg == "HS256" {
                "raw-rustcrypto"
            } else {
                "raw-aws-lc"
            };
            if let Some(floor) = get("aws-lc", alg, floor_fn) {
                out += &format!(
                    "aws-lc build: ours − `{floor_fn}` = **{} µs**.\n",
                    signed(ours_aws - floor)
                );
            }
            if let Some(jwt) = get("aws-lc", alg, "jsonwebtoken-aws_lc_rs") {
                out += &format!(
                    "jsonwebtoken aws_lc_rs ÷ ours (aws-lc build): **{:.2}×**.\n",
                    jwt / ours_aws
                );
            }
        }
        if let (Some(jwt), Some(goal)) = (
            get("validate", alg, "jsonwebtoken-rust_crypto"),
            speedup_goal(alg),
        ) {
            let ratio = jwt / ours;
            let verdict = if ratio >= goal { "met" } else { "**missed**" };
            out += &format!(
                "jsonwebtoken rust_crypto ÷ ours: **{ratio:.2}×** (goal ≥ {goal}×, {verdict}).\n"
            );
        }
        out += "\n";
    }
    for (group, title) in [
        ("keyset", "Key sets and the cold path"),
        (
            "keyset-aws-lc",
            "Key sets and the cold path, core feature `aws-lc-rs`",
        ),
        ("parts", "Parts of the validation (HS256 token)"),
    ] {
        let rows: Vec<_> = m.iter().filter(|((g, _), _)| g == group).collect();
        if rows.is_empty() {
            continue;
        }
        out += &format!("### {title}\n\n| benchmark | median µs |\n|---|---:|\n");
        for ((_, function), median) in rows {
            out += &format!("| `{function}` | {} |\n", us(*median));
        }
        out += "\n";
    }
    out
}

fn us(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.1}")
    }
}

fn signed(v: f64) -> String {
    format!("{v:+.2}")
}
