//! `bclogout check` against every example relying party of the workspace,
//! configured with the JWKS that `bclogout keygen` printed: every case
//! passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use backchannel_logout_tests::examples::ALL;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_bclogout");
const ISSUER: &str = "https://op.check.example";
const CLIENT: &str = "check-client";

#[test]
fn check_passes_every_case_against_every_example() {
    for alg in ["ES256", "RS256"] {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        let keygen = Command::new(BIN)
            .args(["keygen", "--alg", alg, "--out"])
            .arg(&key)
            .output()
            .unwrap();
        assert!(keygen.status.success(), "{keygen:?}");
        let jwks = dir.path().join("jwks.json");
        std::fs::write(&jwks, &keygen.stdout).unwrap();
        for example in ALL {
            let env = vec![
                ("BCL_ISSUER".to_owned(), ISSUER.to_owned()),
                ("BCL_CLIENT_ID".to_owned(), CLIENT.to_owned()),
                ("BCL_JWKS_FILE".to_owned(), jwks.display().to_string()),
                ("BCL_ALGS".to_owned(), alg.to_owned()),
                ("BCL_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
            ];
            let server = (example.start)(env).unwrap();
            let check = Command::new(BIN)
                .args(["check", &server.url("/backchannel-logout"), "--json"])
                .args(["--key"])
                .arg(&key)
                .args(["--alg", alg, "--issuer", ISSUER, "--client-id", CLIENT])
                .output()
                .unwrap();
            let report: Value = serde_json::from_slice(&check.stdout)
                .unwrap_or_else(|e| panic!("{}: {e}: {check:?}", example.name));
            let failed: Vec<&Value> = report["cases"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["result"] != "pass")
                .collect();
            assert!(failed.is_empty(), "{} {alg}: {failed:#?}", example.name);
            assert_eq!(report["failed"], 0, "{}", example.name);
            assert!(report["passed"].as_u64().unwrap() >= 10, "{report:#}");
            assert!(check.status.success(), "{}: {check:?}", example.name);
        }
    }
}
