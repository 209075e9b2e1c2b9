//! The `bclogout` binary, run as an operator would: arguments, stdin, exit
//! status, stdout and stderr.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::Path;

use common::{Run, bclogout};

use backchannel_logout::Algorithm;
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use serde_json::{Value, json};
use tempfile::NamedTempFile;

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const NOW: u64 = 1_767_225_600;

fn file_with(contents: &[u8]) -> NamedTempFile {
    let mut file = NamedTempFile::new().expect("temp file");
    file.write_all(contents).expect("write temp file");
    file
}

fn jwks_file(keys: &[&SigningKey]) -> NamedTempFile {
    file_with(SigningKey::jwks(keys).as_bytes())
}

fn rs256() -> &'static SigningKey {
    SigningKey::shared(Algorithm::RS256)
}

fn valid_token() -> String {
    TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(rs256())
}

/// `validate` with the issuer, client id, JWKS file and pinned clock, then
/// `extra`.
fn validate(jwks: &Path, now: u64, extra: &[&str], stdin: Option<&str>) -> Run {
    let jwks = jwks.to_str().expect("UTF-8 path");
    let now = now.to_string();
    let mut args = vec![
        "validate",
        "--issuer",
        ISS,
        "--client-id",
        CLIENT,
        "--jwks",
        jwks,
        "--now",
        &now,
    ];
    args.extend_from_slice(extra);
    bclogout(&args, stdin)
}

fn bench(jwks: &Path, extra: &[&str]) -> Run {
    let jwks = jwks.to_str().expect("UTF-8 path");
    let mut args = vec![
        "bench",
        "--issuer",
        ISS,
        "--client-id",
        CLIENT,
        "--jwks",
        jwks,
    ];
    args.extend_from_slice(extra);
    bclogout(&args, None)
}

/// Exit 1, stdout exactly `{"error", "error_description"}` with `code`.
fn assert_refused(run: &Run, code: &str) {
    assert_eq!(run.status, 1, "stderr: {}", run.stderr);
    let body = run.json();
    let members = body.as_object().expect("a JSON object");
    assert_eq!(members.len(), 2, "{body}");
    assert_eq!(body["error"], code);
    assert!(body["error_description"].is_string(), "{body}");
    assert!(
        run.stderr.contains(&format!(
            "bclogout: token refused: {}",
            body["error_description"].as_str().unwrap_or_default()
        )),
        "stderr: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("({code})")),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn valid_token_exits_0_and_prints_the_claims() {
    let jwks = jwks_file(&[rs256()]);
    let run = validate(jwks.path(), NOW + 5, &[&valid_token()], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let claims = run.json();
    assert_eq!(claims["issuer"], ISS);
    assert_eq!(claims["audiences"], json!([CLIENT]));
    assert_eq!(claims["subject"], "user-1");
    assert_eq!(claims["session_id"], "s");
    assert_eq!(claims["issued_at"], NOW);
    assert_eq!(claims["expires_at"], NOW + 120);
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert_eq!(claims["event"], json!({}));
    assert_eq!(claims["other_claims"], json!({}));
    assert_eq!(claims["algorithm"], "RS256");
    assert_eq!(claims["kid"], rs256().kid());
    assert_eq!(claims["scope"], "session");
    // min(exp, iat + max age) + leeway
    assert_eq!(claims["remember_jti_until"], NOW + 120 + 60);
}

#[test]
fn subject_only_token_has_subject_scope_and_keeps_other_claims() {
    let jwks = jwks_file(&[rs256()]);
    let token = TokenBuilder::new(ISS, CLIENT, NOW)
        .claim("trace_id", "t-1")
        .sign(rs256());
    let run = validate(jwks.path(), NOW, &[&token], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let claims = run.json();
    assert_eq!(claims["scope"], "subject");
    assert_eq!(claims["session_id"], Value::Null);
    assert_eq!(claims["other_claims"], json!({"trace_id": "t-1"}));
}

#[test]
fn token_from_stdin_is_trimmed() {
    let jwks = jwks_file(&[rs256()]);
    let input = format!("\n  {}  \r\n", valid_token());
    let run = validate(jwks.path(), NOW, &["-"], Some(&input));
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    assert_eq!(run.json()["session_id"], "s");
}

#[test]
fn token_argument_is_trimmed() {
    let jwks = jwks_file(&[rs256()]);
    let token = format!(" {}\n", valid_token());
    let run = validate(jwks.path(), NOW, &[&token], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
}

#[test]
fn token_from_file_with_at_sign() {
    let jwks = jwks_file(&[rs256()]);
    let token = file_with(format!("{}\n", valid_token()).as_bytes());
    let arg = format!("@{}", token.path().display());
    let run = validate(jwks.path(), NOW, &[&arg], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
}

#[test]
fn expired_token_exits_1_with_the_error_body() {
    let jwks = jwks_file(&[rs256()]);
    // exp is NOW + 120, plus 60 s of leeway.
    let run = validate(jwks.path(), NOW + 200, &[&valid_token()], None);
    assert_refused(&run, "token_expired");
    assert!(run.stderr.contains("expired"), "stderr: {}", run.stderr);
}

#[test]
fn wrong_issuer_is_refused_as_invalid_issuer() {
    let jwks = jwks_file(&[rs256()]);
    let token = TokenBuilder::new("https://evil.example", CLIENT, NOW)
        .sid("s")
        .sign(rs256());
    let run = validate(jwks.path(), NOW, &[&token], None);
    assert_refused(&run, "invalid_issuer");
    assert!(
        run.stderr.contains("evil.example"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn missing_exp_is_refused_unless_allowed() {
    let jwks = jwks_file(&[rs256()]);
    let token = TokenBuilder::new(ISS, CLIENT, NOW)
        .sid("s")
        .without("exp")
        .sign(rs256());
    let run = validate(jwks.path(), NOW, &[&token], None);
    assert_refused(&run, "missing_claim");
    assert!(
        run.stderr
            .contains("bclogout: token refused: claim exp is missing (missing_claim)"),
        "stderr: {}",
        run.stderr
    );
    let run = validate(jwks.path(), NOW, &["--allow-missing-exp", &token], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    assert_eq!(run.json()["expires_at"], Value::Null);
}

#[test]
fn es256_token_needs_alg_es256() {
    let es256 = SigningKey::shared(Algorithm::ES256);
    let jwks = jwks_file(&[rs256(), es256]);
    let token = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(es256);

    let refused = validate(jwks.path(), NOW, &[&token], None);
    assert_refused(&refused, "alg_not_allowed");

    let accepted = validate(jwks.path(), NOW, &["--alg", "ES256", &token], None);
    assert_eq!(accepted.status, 0, "stderr: {}", accepted.stderr);
    assert_eq!(accepted.json()["algorithm"], "ES256");

    let both = validate(
        jwks.path(),
        NOW,
        &["--alg", "RS256", "--alg", "ES256", &token],
        None,
    );
    assert_eq!(both.status, 0, "stderr: {}", both.stderr);
}

#[test]
fn strict_typ_refuses_jwt() {
    let jwks = jwks_file(&[rs256()]);
    let token = TokenBuilder::new(ISS, CLIENT, NOW)
        .sid("s")
        .header("typ", "JWT")
        .sign(rs256());
    assert_eq!(validate(jwks.path(), NOW, &[&token], None).status, 0);
    let run = validate(jwks.path(), NOW, &["--typ", "strict", &token], None);
    assert_refused(&run, "invalid_typ");
}

#[test]
fn hmac_token_validates_with_a_secret_file_and_no_jwks() {
    // The tool drops one trailing newline from the file; keep the secret's
    // own last byte unambiguous.
    let key = std::iter::repeat_with(|| SigningKey::generate(Algorithm::HS256, "h"))
        .find(|k| {
            k.hmac_secret()
                .is_some_and(|s| !matches!(s.last(), Some(b'\n' | b'\r')))
        })
        .expect("an HMAC key");
    let mut secret = key.hmac_secret().expect("HMAC secret").to_vec();
    secret.push(b'\n');
    let secret = file_with(&secret);
    let token = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(&key);
    let now = NOW.to_string();
    let run = bclogout(
        &[
            "validate",
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            "--alg",
            "HS256",
            "--hmac-secret-file",
            secret.path().to_str().expect("UTF-8 path"),
            "--now",
            &now,
            &token,
        ],
        None,
    );
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    assert_eq!(run.json()["algorithm"], "HS256");
}

#[test]
fn unknown_alg_is_a_usage_error_listing_the_supported_names() {
    let jwks = jwks_file(&[rs256()]);
    let run = validate(jwks.path(), NOW, &["--alg", "RS1024", &valid_token()], None);
    assert_eq!(run.status, 2);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    for name in ["RS256", "ES256", "EdDSA", "HS512"] {
        assert!(run.stderr.contains(name), "stderr: {}", run.stderr);
    }
}

#[test]
fn missing_issuer_flag_is_a_usage_error() {
    let run = bclogout(
        &["validate", "--client-id", CLIENT, "--jwks", "x", "t"],
        None,
    );
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--issuer"), "stderr: {}", run.stderr);
}

#[test]
fn missing_jwks_file_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-jwks.json");
    let run = validate(&missing, NOW, &[&valid_token()], None);
    assert_eq!(run.status, 2);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert!(
        run.stderr.contains("cannot read JWKS file") && run.stderr.contains("no-such-jwks.json"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn jwks_without_a_usable_key_exits_2_saying_why() {
    let mut jwk = rs256().public_jwk().expect("RSA JWK");
    jwk["use"] = json!("enc");
    let jwks = file_with(json!({ "keys": [jwk] }).to_string().as_bytes());
    let run = validate(jwks.path(), NOW, &[&valid_token()], None);
    assert_eq!(run.status, 2);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert!(
        run.stderr.contains("no usable signature key") && run.stderr.contains(r#"use is "enc""#),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn jwks_that_is_not_a_key_set_exits_2() {
    let jwks = file_with(b"{\"keys\": 42}");
    let run = validate(jwks.path(), NOW, &[&valid_token()], None);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("cannot use JWKS file"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn skipped_keys_are_noted_on_stderr() {
    let mut enc = SigningKey::shared(Algorithm::ES256)
        .public_jwk()
        .expect("EC JWK");
    enc["use"] = json!("enc");
    enc["kid"] = json!("enc-1");
    let good = rs256().public_jwk().expect("RSA JWK");
    let jwks = file_with(json!({ "keys": [good, enc] }).to_string().as_bytes());
    let run = validate(jwks.path(), NOW, &[&valid_token()], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains(r#"bclogout: note: skipped JWKS key 1 ("enc-1"): use is "enc""#),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn a_megabyte_of_junk_keys_is_reported_in_a_few_lines() {
    // Nearly 1 MiB of unusable keys, then the signing key: the report lists
    // the first few and counts the rest.
    let good = rs256().public_jwk().expect("RSA JWK").to_string();
    let junk_count = (1024 * 1024 - good.len() - 64) / r#"{"kty":"junk"},"#.len();
    let mut doc = String::from(r#"{"keys":["#);
    for _ in 0..junk_count {
        doc.push_str(r#"{"kty":"junk"},"#);
    }
    doc.push_str(&good);
    doc.push_str("]}");
    let jwks = file_with(doc.as_bytes());
    let run = validate(jwks.path(), NOW, &[&valid_token()], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines.len() <= 10, "{} lines: {}", lines.len(), run.stderr);
    assert!(
        lines.contains(&r#"bclogout: note: skipped JWKS key 0: key type "junk" is not supported"#),
        "stderr: {}",
        run.stderr
    );
    let more = junk_count - backchannel_logout::KeySet::MAX_SKIPPED_LISTED;
    assert!(
        lines.contains(
            &format!("bclogout: note: skipped {more} more JWKS keys (not listed)").as_str()
        ),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn empty_token_exits_2() {
    let jwks = jwks_file(&[rs256()]);
    let run = validate(jwks.path(), NOW, &["-"], Some(" \n"));
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("empty"), "stderr: {}", run.stderr);
}

#[test]
fn unreadable_token_file_exits_2() {
    let jwks = jwks_file(&[rs256()]);
    let dir = tempfile::tempdir().expect("temp dir");
    let arg = format!("@{}", dir.path().join("no-token").display());
    let run = validate(jwks.path(), NOW, &[&arg], None);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("cannot read token file"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn zero_max_age_is_a_configuration_error() {
    let jwks = jwks_file(&[rs256()]);
    let run = validate(jwks.path(), NOW, &["--max-age", "0", &valid_token()], None);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("maximum token age"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn bench_prints_the_median() {
    let jwks = jwks_file(&[rs256()]);
    // An old token: bench pins the clock to its iat.
    let token = TokenBuilder::new(ISS, CLIENT, 1_600_000_000)
        .sid("s")
        .sign(rs256());
    let run = bench(jwks.path(), &["--iterations", "30", &token]);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let median = run
        .stdout
        .lines()
        .find(|l| l.starts_with("median:"))
        .unwrap_or_else(|| panic!("no median line: {}", run.stdout));
    assert!(median.contains("µs per validation"), "{median}");
    assert!(run.stdout.contains("30 validations"), "{}", run.stdout);
    assert!(
        run.stdout.contains("validations/s per core"),
        "{}",
        run.stdout
    );
}

#[test]
fn bench_json_reports_positive_times() {
    let jwks = jwks_file(&[rs256()]);
    let run = bench(
        jwks.path(),
        &["--iterations", "10", "--json", &valid_token()],
    );
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["validations"], 10);
    assert_eq!(report["algorithm"], "RS256");
    for field in ["median_us", "p10_us", "p90_us", "min_us", "max_us"] {
        assert!(report[field].as_f64().is_some_and(|v| v > 0.0), "{report}");
    }
    assert!(
        report["p10_us"].as_f64() <= report["p90_us"].as_f64(),
        "{report}"
    );
    assert!(
        report["validations_per_second"]
            .as_f64()
            .is_some_and(|v| v > 0.0)
    );
}

#[test]
fn bench_on_an_invalid_token_exits_1_like_validate() {
    let jwks = jwks_file(&[rs256()]);
    let token = TokenBuilder::new("https://evil.example", CLIENT, NOW)
        .sid("s")
        .sign(rs256());
    let run = bench(jwks.path(), &["--iterations", "10", &token]);
    assert_refused(&run, "invalid_issuer");
    assert!(!run.stdout.contains("median"), "{}", run.stdout);
}
