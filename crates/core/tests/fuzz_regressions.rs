//! Every input the fuzz targets (`fuzz/`, run by `scripts/fuzz.sh`) start
//! from or ever crashed on, run through the same property checks in the
//! normal test suite: `tests/fuzzing/inputs/<target>/`, `seed-*` files
//! written by [`write_fuzzing_seeds`], `crash-*` files copied there by the
//! script when the fuzzer finds one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzzing;

use std::fs;
use std::path::{Path, PathBuf};

use backchannel_logout::{Algorithm, UnixTime};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use serde_json::json;

fn inputs_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzzing/inputs")
        .join(target)
}

/// Runs every input of `target` through `check`, naming each on stderr so
/// that a failure says which file.
fn run_inputs(target: &str, check: fn(&[u8])) {
    let mut files: Vec<PathBuf> = fs::read_dir(inputs_dir(target))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "{target}: only {} inputs; run write_fuzzing_seeds",
        files.len()
    );
    for file in files {
        eprintln!("{target}: {}", file.display());
        check(&fs::read(&file).unwrap());
    }
}

#[test]
fn genuine_tokens_are_accepted() {
    // Without this the validator property would hold vacuously.
    let now = UnixTime::from_secs(fuzzing::NOW);
    let mut count = 0;
    for token in fuzzing::genuine() {
        fuzzing::validator()
            .validate(token, fuzzing::keys(), now)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(token)));
        count += 1;
    }
    assert!(count >= fuzzing::ALGORITHMS.len(), "{count} genuine tokens");
}

#[test]
fn validate_inputs_keep_the_properties() {
    run_inputs("validate", fuzzing::validate_token);
}

#[test]
fn jwks_inputs_keep_the_properties() {
    run_inputs("jwks", fuzzing::parse_jwks);
}

#[test]
fn form_inputs_keep_the_properties() {
    run_inputs("form", fuzzing::parse_form);
}

#[test]
#[should_panic(expected = "accepted a token no key holder signed")]
fn the_validate_property_fails_on_a_token_another_key_signed() {
    // What the fuzz target would report, were the validator to accept a
    // token signed with a key outside the fixed set.
    let forger = SigningKey::generate(Algorithm::EdDSA, "forger");
    let forged = TokenBuilder::new(fuzzing::ISSUER, fuzzing::CLIENT, fuzzing::NOW)
        .sid("s-1")
        .sign(&forger);
    fuzzing::check_accepted(forged.as_bytes(), Algorithm::EdDSA);
}

#[test]
#[should_panic(expected = "accepted a genuine EdDSA token with another signature")]
fn the_validate_property_fails_on_a_genuine_message_with_another_signature() {
    let genuine = fuzzing::genuine()
        .find(|t| {
            fuzzing::validator()
                .validate(t, fuzzing::keys(), UnixTime::from_secs(fuzzing::NOW))
                .is_ok_and(|l| l.algorithm() == Algorithm::EdDSA)
        })
        .unwrap();
    let mut altered = genuine.to_vec();
    altered.push(b'A');
    fuzzing::check_accepted(&altered, Algorithm::EdDSA);
}

/// Writes new keys, the genuine tokens they sign and the seed inputs of
/// every target; the private keys are dropped. Run by hand when the
/// seeds must change:
/// `cargo test -p backchannel-logout --test fuzz_regressions -- --ignored`.
#[test]
#[ignore = "writes tests/fuzzing: run by hand to renew the seeds"]
fn write_fuzzing_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzzing");
    let signers = [
        SigningKey::generate(Algorithm::RS256, "rsa-1"),
        SigningKey::generate(Algorithm::PS256, "rsa-pss-1"),
        SigningKey::generate(Algorithm::ES256, "p256-1"),
        SigningKey::generate(Algorithm::ES384, "p384-1"),
        SigningKey::generate(Algorithm::EdDSA, "ed25519-1"),
    ];
    let refs: Vec<&SigningKey> = signers.iter().collect();
    let jwks = SigningKey::jwks(&refs);
    let (iss, client, now) = (fuzzing::ISSUER, fuzzing::CLIENT, fuzzing::NOW);
    let mut genuine = Vec::new();
    for key in &signers {
        genuine.push(
            TokenBuilder::new(iss, client, now)
                .sid("session-1")
                .sign(key),
        );
        genuine.push(TokenBuilder::new(iss, client, now).sign(key));
    }
    let last = &signers[4];
    genuine.push(
        TokenBuilder::new(iss, client, now)
            .sid("a sid with spaces, \"quotes\", & and %")
            .claim("aud", json!([client, "other"]))
            .claim("azp", client)
            .header("typ", "JWT")
            .sign(last),
    );
    genuine.push(
        TokenBuilder::new(iss, client, now)
            .without_header("typ")
            .without_header("kid")
            .claim(
                "events",
                json!({ backchannel_logout::LOGOUT_EVENT: {"x": [1, {"y": null}]} }),
            )
            .sign(&signers[3]),
    );

    for target in ["validate", "jwks", "form"] {
        let d = inputs_dir(target);
        fs::create_dir_all(&d).unwrap();
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")
            {
                fs::remove_file(path).unwrap();
            }
        }
    }
    fs::write(dir.join("jwks.json"), format!("{jwks}\n")).unwrap();
    fs::write(dir.join("genuine.txt"), genuine.join("\n") + "\n").unwrap();

    let write = |target: &str, name: &str, data: &[u8]| {
        fs::write(inputs_dir(target).join(format!("seed-{name}")), data).unwrap();
    };
    for (i, token) in genuine.iter().enumerate() {
        write("validate", &format!("genuine-{i}"), token.as_bytes());
    }
    let doc_token =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/doc-token.txt")).unwrap();
    write("validate", "doc-token", doc_token.trim_ascii());
    // Refused, each for a reason worth mutating from: alg none, a genuine
    // header over another token's claims, a foreign key under a known kid.
    let none_header = backchannel_logout_testkit::b64(br#"{"alg":"none","typ":"logout+jwt"}"#);
    let claims = genuine[0].split('.').nth(1).unwrap();
    write(
        "validate",
        "alg-none",
        format!("{none_header}.{claims}.").as_bytes(),
    );
    let mut parts: Vec<&str> = genuine[2].split('.').collect();
    parts[1] = claims;
    write("validate", "swapped-claims", parts.join(".").as_bytes());
    let foreign = SigningKey::generate(Algorithm::ES256, "p256-1");
    write(
        "validate",
        "foreign-key",
        TokenBuilder::new(iss, client, now)
            .sid("s")
            .sign(&foreign)
            .as_bytes(),
    );

    write("jwks", "fixed", jwks.as_bytes());
    let doc_jwks =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/doc-jwks.json")).unwrap();
    write("jwks", "doc", &doc_jwks);
    for key in &signers {
        write("jwks", key.kid(), SigningKey::jwks(&[key]).as_bytes());
    }
    let mut enc = signers[2].public_jwk().unwrap();
    enc["use"] = json!("enc");
    let mut ops = signers[0].public_jwk().unwrap();
    ops["key_ops"] = json!(["encrypt"]);
    let mut bad_b64 = signers[0].public_jwk().unwrap();
    bad_b64["n"] = json!("AQAB==");
    let unusable = json!({"keys": [
        enc,
        ops,
        bad_b64,
        {"kty": "oct", "k": "c2VjcmV0", "kid": "oct-1"},
        {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"},
        {"kty": "OKP", "crv": "X25519", "x": "AA"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "tiny"},
        {},
        7,
        signers[4].public_jwk().unwrap(),
    ]});
    write("jwks", "unusable", unusable.to_string().as_bytes());

    let form = "application/x-www-form-urlencoded";
    let token = &genuine[0];
    for (name, data) in [
        ("plain", format!("{form}\nlogout_token={token}")),
        (
            "charset",
            format!("{form}; charset=UTF-8\nlogout_token={token}&ignored_parameter=1"),
        ),
        (
            "percent",
            format!("{form}\nlogout_token=a%2Bb+c%26d%ZZ&x=%E2%82%AC"),
        ),
        ("twice", format!("{form}\nlogout_token=a&logout_token=b")),
        ("empty", format!("{form}\nlogout_token=&other=1")),
        (
            "json",
            format!("application/json\n{{\"logout_token\":\"{token}\"}}"),
        ),
        ("no-content-type", format!("logout_token={token}")),
    ] {
        write("form", name, data.as_bytes());
    }
}
