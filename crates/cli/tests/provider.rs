//! The provider's side of `bclogout`, run as an operator would: `keygen`,
//! `mint`, `send`, `inspect` and `check`, against relying parties served
//! on loopback by the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use backchannel_logout::{
    Algorithm, ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard, Receiver,
    StaticKeys, UnixTime, Validator,
};
use backchannel_logout_testkit::{b64_decode, jwk_thumbprint};
use common::{Run, bclogout};
use serde_json::{Value, json};
use tempfile::TempDir;

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const NOW: u64 = 1_767_225_600;

/// A key made by `keygen` in a temporary directory, and the JWKS it printed.
struct KeyFile {
    dir: TempDir,
    alg: Algorithm,
    jwks: Value,
}

impl KeyFile {
    fn new(alg: Algorithm) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        let run = bclogout(
            &[
                "keygen",
                "--alg",
                alg.name(),
                "--out",
                path.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(run.status, 0, "stderr: {}", run.stderr);
        let jwks = run.json();
        let file = KeyFile { dir, alg, jwks };
        std::fs::write(file.jwks_path(), file.jwks.to_string()).unwrap();
        file
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }

    fn key_arg(&self) -> String {
        self.key().to_str().unwrap().to_owned()
    }

    fn jwks_path(&self) -> PathBuf {
        self.dir.path().join("jwks.json")
    }

    fn kid(&self) -> &str {
        self.jwks["keys"][0]["kid"].as_str().unwrap()
    }

    /// `mint` with this key, the test's issuer and client, the pinned clock
    /// and `extra`; the token.
    fn mint(&self, extra: &[&str]) -> String {
        let run = self.mint_run(extra);
        assert_eq!(run.status, 0, "stderr: {}", run.stderr);
        run.stdout.trim().to_owned()
    }

    /// As [`KeyFile::mint`], however it ends.
    fn mint_run(&self, extra: &[&str]) -> Run {
        let key = self.key_arg();
        let now = NOW.to_string();
        let mut args = vec![
            "mint",
            "--key",
            &key,
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            "--now",
            &now,
        ];
        if self.alg == Algorithm::PS256 {
            args.extend(["--alg", "PS256"]);
        }
        args.extend_from_slice(extra);
        bclogout(&args, None)
    }

    /// `validate` against this key's JWKS with the pinned clock.
    fn validate(&self, token: &str, algs: &[Algorithm]) -> Run {
        let jwks = self.jwks_path();
        let now = NOW.to_string();
        let mut args = vec![
            "validate",
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            "--jwks",
            jwks.to_str().unwrap(),
            "--now",
            &now,
        ];
        for alg in algs {
            args.extend(["--alg", alg.name()]);
        }
        args.push(token);
        bclogout(&args, None)
    }
}

/// The run ended with `status`, and stderr says `why`.
fn assert_ends(run: &Run, status: i32, why: &str) {
    assert_eq!(run.status, status, "stderr: {}", run.stderr);
    assert!(run.stderr.contains(why), "stderr: {}", run.stderr);
}

fn segment_json(token: &str, index: usize) -> Value {
    let segment = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&b64_decode(segment)).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn keygen_mint_validate_round_trip_for_every_algorithm() {
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        let key = KeyFile::new(alg);
        let pem = std::fs::read_to_string(key.key()).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{alg}");
        #[cfg(unix)]
        assert_eq!(mode(&key.key()), 0o600, "{alg}");

        // The key, then the published wrong-algorithm key; kid = thumbprint.
        let keys = key.jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2, "{}", key.jwks);
        assert_eq!(keys[0]["alg"], alg.name());
        for jwk in keys {
            assert_eq!(jwk["kid"].as_str(), jwk_thumbprint(jwk).as_deref());
            assert!(jwk.get("d").is_none(), "private member published: {jwk}");
        }
        assert_ne!(keys[1]["alg"], alg.name());

        let token = key.mint(&["--sid", "s-1", "--sub", "u-1"]);
        let header = segment_json(&token, 0);
        assert_eq!(header["typ"], "logout+jwt");
        assert_eq!(header["alg"], alg.name());
        assert_eq!(header["kid"], key.kid());

        let run = key.validate(&token, &[alg]);
        assert_eq!(run.status, 0, "{alg}: {}", run.stderr);
        let claims = run.json();
        assert_eq!(claims["algorithm"], alg.name());
        assert_eq!(claims["session_id"], "s-1");
        assert_eq!(claims["subject"], "u-1");
        assert_eq!(claims["issued_at"], NOW);
        assert_eq!(claims["expires_at"], NOW + 120);
        assert_eq!(claims["kid"], key.kid());
    }
}

#[test]
fn minted_tokens_verify_with_an_independent_implementation() {
    // jsonwebtoken's backend, in case another package of the workspace
    // compiled its AWS-LC backend in too (then there is no default).
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let theirs = |alg: &str| match alg {
        "RS256" => jsonwebtoken::Algorithm::RS256,
        "PS256" => jsonwebtoken::Algorithm::PS256,
        "ES256" => jsonwebtoken::Algorithm::ES256,
        "ES384" => jsonwebtoken::Algorithm::ES384,
        "EdDSA" => jsonwebtoken::Algorithm::EdDSA,
        other => panic!("unexpected alg {other}"),
    };
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        let key = KeyFile::new(alg);
        // The key's token, and the wrong-algorithm key's.
        for (index, extra) in [(0, None), (1, Some("--wrong-alg"))] {
            let jwk = &key.jwks["keys"][index];
            let mut args = vec!["--sid", "s-1"];
            args.extend(extra);
            let token = key.mint(&args);
            let jwk_alg = jwk["alg"].as_str().unwrap();
            let decoding =
                jsonwebtoken::DecodingKey::from_jwk(&serde_json::from_value(jwk.clone()).unwrap())
                    .unwrap();
            let mut validation = jsonwebtoken::Validation::new(theirs(jwk_alg));
            validation.set_issuer(&[ISS]);
            validation.set_audience(&[CLIENT]);
            // The clock is pinned in the past; the signature is the point.
            validation.validate_exp = false;
            let data = jsonwebtoken::decode::<Value>(&token, &decoding, &validation)
                .unwrap_or_else(|e| panic!("{alg} key, {jwk_alg} token: {e}"));
            assert_eq!(data.claims["sid"], "s-1");
            assert_eq!(data.header.kid.as_deref(), jwk["kid"].as_str());
        }
        let altered = key.mint(&["--sid", "s-1", "--bad-signature"]);
        let decoding = jsonwebtoken::DecodingKey::from_jwk(
            &serde_json::from_value(key.jwks["keys"][0].clone()).unwrap(),
        )
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(theirs(alg.name()));
        validation.set_audience(&[CLIENT]);
        validation.validate_exp = false;
        assert!(jsonwebtoken::decode::<Value>(&altered, &decoding, &validation).is_err());
    }
}

#[test]
fn minted_token_has_the_claims_asked_for() {
    let key = KeyFile::new(Algorithm::ES256);
    let token = key.mint(&["--sub", "u-9", "--ttl", "30", "--jti", "j-1"]);
    let claims = segment_json(&token, 1);
    assert_eq!(
        claims,
        json!({
            "iss": ISS, "aud": CLIENT, "iat": NOW, "exp": NOW + 30, "jti": "j-1", "sub": "u-9",
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        })
    );
}

#[test]
fn check_with_a_key_file_publishes_the_jwks_keygen_printed() {
    // Both keys, the wrong-algorithm one derived again in another process.
    let key = KeyFile::new(Algorithm::ES256);
    let dead = format!("http://127.0.0.1:{}/logout", free_port());
    let key_arg = key.key_arg();
    let run = bclogout(
        &[
            "check",
            &dead,
            "--key",
            &key_arg,
            "--issuer",
            ISS,
            "--client-id",
            CLIENT,
            "--json",
            "--timeout",
            "2",
        ],
        None,
    );
    let report = run.json();
    assert_eq!(report["jwks"], key.jwks);
    // Nobody answered: every case fails, saying so.
    assert_eq!(run.status, 1);
    assert_eq!(report["failed"], CASES);
    assert!(
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["note"].as_str().unwrap().starts_with("no answer")),
        "{report}"
    );
}

#[test]
fn each_bad_token_flag_is_refused_with_its_error() {
    let key = KeyFile::new(Algorithm::ES256);
    for (flag, code) in [
        ("--no-events", "missing_claim"),
        ("--wrong-event", "missing_logout_event"),
        ("--nonce", "nonce_present"),
        ("--expired", "token_expired"),
        ("--old-iat", "token_too_old"),
        ("--wrong-aud", "invalid_audience"),
        ("--wrong-iss", "invalid_issuer"),
        ("--no-sid-sub", "missing_sub_and_sid"),
        ("--alg-none", "alg_none"),
        ("--wrong-alg", "alg_not_allowed"),
        ("--bad-signature", "invalid_signature"),
    ] {
        let token = key.mint(&["--sid", "s-1", flag]);
        let run = key.validate(&token, &[Algorithm::ES256]);
        assert_eq!(run.status, 1, "{flag} accepted: {}", run.stdout);
        assert_eq!(run.json()["error"], code, "{flag}");
    }
}

#[test]
fn wrong_alg_token_is_validly_signed_by_a_published_key() {
    // The OpenID Foundation's meaning: refused only for its algorithm.
    let key = KeyFile::new(Algorithm::ES256);
    let token = key.mint(&["--sid", "s-1", "--wrong-alg"]);
    assert_eq!(segment_json(&token, 0)["alg"], "EdDSA");
    let run = key.validate(&token, &[Algorithm::ES256, Algorithm::EdDSA]);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
}

#[test]
fn bad_token_flags_are_exclusive() {
    let key = KeyFile::new(Algorithm::ES256);
    let run = key.mint_run(&["--sid", "s", "--nonce", "--expired"]);
    assert_ends(&run, 2, "cannot be used with");
}

#[test]
fn mint_without_sid_or_sub_is_a_usage_error() {
    let key = KeyFile::new(Algorithm::ES256);
    let run = key.mint_run(&[]);
    assert_ends(&run, 2, "--sid, --sub or both");
}

#[test]
fn mint_refuses_an_algorithm_the_key_cannot_sign() {
    let key = KeyFile::new(Algorithm::ES256);
    let run = key.mint_run(&["--alg", "RS256", "--sid", "s"]);
    assert_ends(&run, 2, "RS256 cannot be used with an EC P-256 key");
}

#[test]
fn keygen_keeps_an_existing_file_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    std::fs::write(&path, "keep me").unwrap();
    let out = path.to_str().unwrap();
    let run = bclogout(&["keygen", "--alg", "EdDSA", "--out", out], None);
    assert_ends(&run, 2, "exists; pass --force");
    assert!(run.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");

    let run = bclogout(&["keygen", "--alg", "EdDSA", "--out", out, "--force"], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("PRIVATE KEY")
    );
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    // Nothing else left behind (no temporary file).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn keygen_refuses_a_weak_rsa_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("key.pem");
    let run = bclogout(
        &[
            "keygen",
            "--alg",
            "RS256",
            "--bits",
            "1024",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_ends(&run, 2, "2048 to 8192 bits");
    assert!(!out.exists());
}

#[test]
fn inspect_decodes_without_verifying_and_says_so() {
    let key = KeyFile::new(Algorithm::ES256);
    let token = key.mint(&["--sid", "s-1", "--nonce"]);
    let run = bclogout(&["inspect", &token], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["verified"], false);
    assert!(
        report["UNVERIFIED"]
            .as_str()
            .unwrap()
            .contains("WITHOUT verification")
    );
    assert!(
        run.stdout.trim_start().starts_with("{\n  \"UNVERIFIED\""),
        "{}",
        run.stdout
    );
    assert_eq!(report["header"]["kid"], key.kid());
    assert_eq!(report["claims"]["sid"], "s-1");
    assert!(report["claims"]["nonce"].is_string());
    assert_eq!(report["signature_bytes"], 64);
    assert!(report.get("checks").is_none());
}

#[test]
fn inspect_with_the_configuration_names_the_failing_check() {
    let key = KeyFile::new(Algorithm::ES256);
    let token = key.mint(&["--sid", "s-1", "--nonce"]);
    let jwks = key.jwks_path();
    let now = NOW.to_string();
    let args = [
        "inspect",
        "--issuer",
        ISS,
        "--client-id",
        CLIENT,
        "--alg",
        "ES256",
        "--jwks",
        jwks.to_str().unwrap(),
        "--now",
        &now,
    ];
    let mut with_token = args.to_vec();
    with_token.push(&token);
    let run = bclogout(&with_token, None);
    assert_eq!(run.status, 1, "stderr: {}", run.stderr);
    let checks = &run.json()["checks"];
    assert_eq!(checks["signature"]["ok"], true);
    assert_eq!(checks["validation"]["ok"], false);
    assert_eq!(checks["validation"]["error"], "nonce_present");
    assert!(
        run.stderr.contains("nonce must not be present"),
        "{}",
        run.stderr
    );

    let good = key.mint(&["--sid", "s-1"]);
    let mut with_good = args.to_vec();
    with_good.push(&good);
    let run = bclogout(&with_good, None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    assert_eq!(run.json()["checks"]["validation"]["ok"], true);
}

#[test]
fn inspect_refuses_what_is_not_a_jwt() {
    let run = bclogout(&["inspect", "a.b"], None);
    assert_ends(&run, 2, "2 segments");
}

// ---- relying parties on loopback ------------------------------------------

/// Serves `app` on a loopback port, on its own thread, for the rest of the
/// test process.
fn serve(app: Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    addr
}

type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// An endpoint answering `status` and `body`, recording each request's
/// content type and body.
fn recording(status: StatusCode, body: &'static str) -> (SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    let app = Router::new().route(
        "/logout",
        post(move |headers: HeaderMap, body_in: String| async move {
            let ct = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            record.lock().unwrap().push((ct, body_in));
            (status, [(header::CACHE_CONTROL, "no-store")], body)
        }),
    );
    (serve(app), seen)
}

#[test]
fn send_posts_the_form_and_exits_0_only_for_200() {
    let key = KeyFile::new(Algorithm::ES256);
    let token = key.mint(&["--sid", "s-1"]);

    let (addr, seen) = recording(StatusCode::OK, "");
    let url = format!("http://{addr}/logout");
    let run = bclogout(&["send", &url, &token], None);
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);
    assert!(
        run.stdout.starts_with("HTTP/1.1 200 OK\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("cache-control: no-store"),
        "{}",
        run.stdout
    );
    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests,
        vec![(
            "application/x-www-form-urlencoded".to_owned(),
            format!("logout_token={token}")
        )]
    );

    // From standard input too.
    let run = bclogout(&["send", &url, "-"], Some(&format!("{token}\n")));
    assert_eq!(run.status, 0, "stderr: {}", run.stderr);

    let (addr, _) = recording(StatusCode::BAD_REQUEST, r#"{"error":"invalid_request"}"#);
    let url = format!("http://{addr}/logout");
    let run = bclogout(&["send", &url, &token], None);
    assert_eq!(run.status, 1);
    assert!(
        run.stdout.starts_with("HTTP/1.1 400 Bad Request\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("{\"error\":\"invalid_request\"}\n"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("not 200"), "{}", run.stderr);

    let (addr, _) = recording(StatusCode::NO_CONTENT, "");
    let run = bclogout(&["send", &format!("http://{addr}/logout"), &token], None);
    assert_eq!(run.status, 1, "204 is not success");
}

/// A loopback port nothing listens on (just released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn send_without_an_answer_exits_2() {
    let port = free_port();
    let run = bclogout(
        &["send", &format!("http://127.0.0.1:{port}/logout"), "a.b.c"],
        None,
    );
    assert_ends(&run, 2, "no answer from");
}

type CoreReceiver = Receiver<StaticKeys, MemoryReplayGuard, MemoryLogoutStore>;

/// A correct relying party: the core's receiver, answering as it says.
fn correct_rp(jwks: &Value, issuer: &str, alg: Algorithm) -> SocketAddr {
    let validator = Validator::builder(Issuer::new(issuer), ClientId::new(CLIENT))
        .algorithms([alg])
        .build()
        .unwrap();
    let keys = KeySet::from_jwks(jwks.to_string().as_bytes()).unwrap();
    let receiver = Arc::new(Receiver::new(
        validator,
        StaticKeys::new(Issuer::new(issuer), keys),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    ));
    let app = Router::new()
        .route("/logout", post(receive))
        .with_state(receiver);
    serve(app)
}

async fn receive(
    State(receiver): State<Arc<CoreReceiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let now = UnixTime::from_system_time(SystemTime::now());
    let answer = receiver.receive(content_type, &body, now).await.response;
    let mut response = (StatusCode::from_u16(answer.status).unwrap(), answer.body).into_response();
    for (name, value) in answer.headers {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

const CASES: usize = 14;

fn check(url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["check", url, "--client-id", CLIENT];
    args.extend_from_slice(extra);
    bclogout(&args, None)
}

#[test]
fn check_passes_every_case_against_the_core_receiver() {
    for alg in [Algorithm::ES256, Algorithm::RS256] {
        let key = KeyFile::new(alg);
        let addr = correct_rp(&key.jwks, ISS, alg);
        let url = format!("http://{addr}/logout");
        let key_arg = key.key_arg();

        let run = check(&url, &["--key", &key_arg, "--issuer", ISS, "--json"]);
        assert_eq!(run.status, 0, "{alg}: {}\n{}", run.stdout, run.stderr);
        let report = run.json();
        assert_eq!(report["failed"], 0, "{report}");
        assert_eq!(report["warnings"], 0, "{report}");
        let cases = report["cases"].as_array().unwrap();
        assert_eq!(cases.len(), CASES);
        assert_eq!(cases[0]["case"], "valid");
        assert_eq!(cases[0]["received"], 200);
        assert_eq!(cases[1]["case"], "replay");
        assert_eq!(cases[1]["received"], 400);
        assert_eq!(cases[CASES - 1]["case"], "ignored-param");
        assert_eq!(cases[CASES - 1]["received"], 200);
        for case in &cases[2..CASES - 1] {
            assert_eq!(case["received"], 400, "{case}");
            assert_eq!(case["result"], "pass", "{case}");
        }

        // The table: one line per case, no colours on a pipe.
        let run = check(&url, &["--key", &key_arg, "--issuer", ISS]);
        assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
        assert!(run.stdout.contains("JWKS to configure:"), "{}", run.stdout);
        let lines: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.contains(" pass "))
            .collect();
        assert_eq!(lines.len(), CASES, "{}", run.stdout);
        assert!(
            run.stdout.contains("14 of 14 cases passed"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn check_reports_what_a_lax_endpoint_lets_through() {
    // Answers 200 to anything.
    let app = Router::new().route("/logout", post(|| async { StatusCode::OK }));
    let url = format!("http://{}/logout", serve(app));
    let key = KeyFile::new(Algorithm::ES256);
    let key_arg = key.key_arg();

    let run = check(&url, &["--key", &key_arg, "--issuer", ISS, "--json"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("12 of 14 cases failed"),
        "{}",
        run.stderr
    );
    let report = run.json();
    let results: Vec<(&str, &str)> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["case"].as_str().unwrap(), c["result"].as_str().unwrap()))
        .collect();
    // Accepting valid tokens is right (without Cache-Control: a warning);
    // everything else it let through is a failure.
    assert_eq!(results[0], ("valid", "warn"));
    assert_eq!(results[CASES - 1], ("ignored-param", "warn"));
    for (case, result) in &results[1..CASES - 1] {
        assert_eq!(*result, "fail", "{case}");
    }
    assert_eq!(report["failed"], 12);

    let run = check(&url, &["--key", &key_arg, "--issuer", ISS]);
    assert_eq!(run.status, 1);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("alg-none") && l.contains("FAIL") && l.contains("accepted")),
        "{}",
        run.stdout
    );
}

#[test]
fn check_serves_discovery_and_keys_to_a_relying_party_that_fetches_them() {
    // A free port, then the relying party configured with the issuer that
    // check will serve there, finding the keys by discovery.
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let validator = Validator::builder(Issuer::new(issuer.as_str()), ClientId::new(CLIENT))
        .build()
        .unwrap();
    let keys = backchannel_logout_jwks::JwksKeySource::builder()
        .issuer_discovery(Issuer::new(issuer.as_str()))
        .build()
        .unwrap();
    let receiver = Arc::new(Receiver::new(
        validator,
        keys,
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    ));
    type Fetching =
        Receiver<backchannel_logout_jwks::JwksKeySource, MemoryReplayGuard, MemoryLogoutStore>;
    let app = Router::new()
        .route(
            "/logout",
            post(
                |State(receiver): State<Arc<Fetching>>, headers: HeaderMap, body: Bytes| async move {
                    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
                    let now = UnixTime::from_system_time(SystemTime::now());
                    let answer = receiver.receive(ct, &body, now).await.response;
                    (StatusCode::from_u16(answer.status).unwrap(), answer.body)
                },
            ),
        )
        .with_state(receiver);
    let url = format!("http://{}/logout", serve(app));

    let serve_addr = format!("127.0.0.1:{port}");
    let run = check(&url, &["--serve", &serve_addr, "--json"]);
    let report = run.json();
    assert_eq!(report["issuer"], issuer);
    assert_eq!(report["served"], issuer);
    assert_eq!(report["failed"], 0, "{report}\n{}", run.stderr);
    assert_eq!(run.status, 0);
}
