//! What a hostile JWKS document costs in memory: a document of junk keys,
//! as large as [`KeySet::MAX_JWKS_SIZE`] allows, measured with a counting
//! global allocator against a one-key set. In a binary of its own, so that
//! no other test allocates during the measurement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::{Algorithm, KeySet};
use backchannel_logout_testkit::SigningKey;
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// The bound the key set must keep to, beyond a one-key set.
const BUDGET: usize = 4 * 1024 * 1024;

struct Cost {
    /// Bytes still held once the key set is built (the key set's own heap).
    kept: usize,
    /// Most bytes held at once while it was built.
    peak: usize,
}

fn cost_of(document: &[u8]) -> Cost {
    let before = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    let keys = KeySet::from_jwks(document);
    let cost = Cost {
        kept: ALLOC.current_usage().saturating_sub(before),
        peak: ALLOC.peak_usage().saturating_sub(before),
    };
    drop(keys);
    cost
}

/// `entry` repeated to fill the size limit, then `tail`, as a JWKS.
fn filled(entry: &str, tail: &str) -> Vec<u8> {
    let room = KeySet::MAX_JWKS_SIZE - tail.len() - 16;
    let mut doc = String::from(r#"{"keys":["#);
    for _ in 0..room / (entry.len() + 1) {
        doc.push_str(entry);
        doc.push(',');
    }
    doc.push_str(tail);
    doc.push_str("]}");
    assert!(doc.len() <= KeySet::MAX_JWKS_SIZE);
    doc.into_bytes()
}

#[test]
fn a_megabyte_of_junk_keys_costs_under_4_mib_beyond_a_one_key_set() {
    let good = SigningKey::generate(Algorithm::RS256, "good")
        .public_jwk()
        .unwrap()
        .to_string();
    let one_key = format!(r#"{{"keys":[{good}]}}"#);
    let base = cost_of(one_key.as_bytes());
    // The smallest junk (the most entries), junk with a kid and an
    // attacker-chosen reason, and malformed keys.
    let documents = [
        ("empty objects", filled("{}", &good)),
        (
            "unknown types with kids",
            filled(r#"{"kty":"junk-type","kid":"junk-kid"}"#, &good),
        ),
        ("numbers", filled("0", &good)),
        (
            "RSA keys of bad base64",
            filled(r#"{"kty":"RSA","n":"!","e":"AQAB"}"#, &good),
        ),
    ];
    for (what, document) in &documents {
        let cost = cost_of(document);
        println!(
            "{what}: {} bytes of JWKS keep {} bytes (one key: {}), peak {} bytes (one key: {})",
            document.len(),
            cost.kept,
            base.kept,
            cost.peak,
            base.peak
        );
        assert!(
            cost.kept.saturating_sub(base.kept) < BUDGET,
            "{what}: keeps {} bytes, one key {}",
            cost.kept,
            base.kept
        );
        assert!(
            cost.peak.saturating_sub(base.peak) < BUDGET,
            "{what}: peaks at {} bytes, one key {}",
            cost.peak,
            base.peak
        );
    }
}
