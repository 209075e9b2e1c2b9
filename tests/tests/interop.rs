//! Interop with a real, independent, OpenID-certified provider: node
//! `oidc-provider` (pinned in `tests/interop/`, installed by
//! `scripts/install-interop.sh`), on loopback, drives real back-channel
//! logouts against every framework's example relying party, for every
//! signature algorithm it offers that the core verifies. And `jose`, its
//! JOSE library, independently verifies the testkit's tokens.
//!
//! Without Node.js and the packages these tests fail, naming the script:
//! they never pass silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::{Algorithm, LOGOUT_EVENT};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use backchannel_logout_tests::interop::{OidcProvider, decode_unverified, verify_with_jose};
use backchannel_logout_tests::{Browser, Example, FORM, form, now};
use serde_json::{Value, json};

/// One test per algorithm, for one example.
macro_rules! interop_suite {
    ($module:ident, $example:expr) => {
        mod $module {
            interop_suite!(@algs $example;
                rs256 = "RS256", rs384 = "RS384", rs512 = "RS512",
                ps256 = "PS256", ps384 = "PS384", ps512 = "PS512",
                es256 = "ES256", es384 = "ES384",
                eddsa = "EdDSA", ed25519 = "Ed25519",
            );
        }
    };
    (@algs $example:expr; $($name:ident = $alg:literal),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                super::provider_logout_ends_that_session_only(&$example, $alg).await;
            }
        )*
    };
}

interop_suite!(axum, backchannel_logout_tests::examples::AXUM);
interop_suite!(actix, backchannel_logout_tests::examples::ACTIX);
interop_suite!(rocket, backchannel_logout_tests::examples::ROCKET);

/// The whole flow, as a user and a provider live it: sessions opened at the
/// provider by signing in (login and consent pages, code flow), the same
/// sessions recorded at the relying party, one of them ended at the
/// provider, and the provider's own logout token delivered to the relying
/// party, which answers 200 and ends that session and no other.
async fn provider_logout_ends_that_session_only(example: &Example, alg: &str) {
    let mut op = OidcProvider::start().await;
    let discovery = op.discovery().await;
    assert_eq!(discovery["backchannel_logout_supported"], true);
    assert_eq!(discovery["backchannel_logout_session_supported"], true);
    assert!(
        discovery["id_token_signing_alg_values_supported"]
            .as_array()
            .is_some_and(|algs| algs.contains(&json!(alg))),
        "{discovery}"
    );

    // The relying party: keys by discovery from the provider's issuer.
    let mut client = op.register(alg).await;
    let server = (example.start)(
        [
            ("BCL_ISSUER", op.issuer()),
            ("BCL_CLIENT_ID", &client.id),
            ("BCL_ALGS", alg),
            ("BCL_DEMO_LOGIN", "1"),
            ("BCL_LISTEN", "127.0.0.1:0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", example.name));
    let endpoint = server.url("/backchannel-logout");
    op.set_backchannel_logout_uri(&mut client, &endpoint).await;

    // Three sessions at the provider: alice twice (two browsers), bob once.
    let alice = op.sign_in(&client, "alice").await;
    let alice_elsewhere = op.sign_in(&client, "alice").await;
    let bob = op.sign_in(&client, "bob").await;
    assert_eq!(alice.id_token_header["alg"], alg);
    assert_eq!(alice.sub(), "alice");
    assert_eq!(alice_elsewhere.sub(), "alice");
    assert_eq!(bob.sub(), "bob");
    let sids = [alice.sid(), alice_elsewhere.sid(), bob.sid()];
    assert!(sids.iter().all(|s| !s.is_empty()), "{:?}", alice.id_token);
    assert!(sids[0] != sids[1] && sids[0] != sids[2] && sids[1] != sids[2]);

    // The same sessions at the relying party, recorded from the ID tokens.
    let mut at_rp = Vec::new();
    for session in [&alice, &alice_elsewhere, &bob] {
        let browser = Browser::new(&server, example.name);
        browser.login(session.sub(), Some(session.sid())).await;
        assert!(browser.is_authenticated().await);
        at_rp.push(browser);
    }

    op.end_session(&alice, &client).await;

    // The provider's own logout token, its delivery and the answer.
    let request = op.event("backchannel.request").await;
    assert_eq!(request["url"], endpoint.as_str());
    let token = request["logout_token"].as_str().unwrap().to_owned();
    let response = op.event("backchannel.response").await;
    assert_eq!(response["status"], 200, "the relying party's answer");
    let delivered = op.event("backchannel.success").await;
    assert_eq!(delivered["client_id"], client.id.as_str());
    assert_eq!(delivered["sid"], alice.sid());

    let (header, claims) = decode_unverified(&token);
    assert_eq!(header["alg"], alg, "{header}");
    assert_eq!(header["typ"], "logout+jwt", "{header}");
    assert_eq!(claims["iss"], op.issuer(), "{claims}");
    assert_eq!(claims["aud"], client.id.as_str(), "{claims}");
    assert_eq!(claims["sub"], "alice", "{claims}");
    assert_eq!(claims["sid"], alice.sid(), "{claims}");
    assert_eq!(claims["events"], json!({ LOGOUT_EVENT: {} }), "{claims}");
    assert!(claims.get("nonce").is_none(), "{claims}");

    // That session ended; alice's other session and bob's are untouched.
    let who = |i: usize| at_rp[i].who();
    assert_eq!(who(0).await, json!({"authenticated": false}));
    for (i, session) in [(1, &alice_elsewhere), (2, &bob)] {
        let who = who(i).await;
        assert_eq!(who["authenticated"], true, "{who}");
        assert_eq!(who["iss"], op.issuer(), "{who}");
        assert_eq!(who["sid"], session.sid(), "{who}");
    }

    // The relying party really validated that token: it is now a replay.
    let replay = reqwest::Client::new()
        .post(&endpoint)
        .header("content-type", FORM)
        .body(form(&[("logout_token", &token)]))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
    let body: Value = serde_json::from_slice(&replay.bytes().await.unwrap()).unwrap();
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.starts_with("replayed_token: ")),
        "{body}"
    );

    capture(&op, alg, &client.id, &token).await;
}

/// With `BCL_INTEROP_CAPTURE=DIR`, keeps the provider's logout token, its
/// key set and their provenance in `DIR/oidc-provider-ALG.json`: how the
/// fixtures in `crates/core/tests/data/oidc-provider/` were made.
async fn capture(op: &OidcProvider, alg: &str, client_id: &str, token: &str) {
    let Some(dir) = std::env::var_os("BCL_INTEROP_CAPTURE") else {
        return;
    };
    let (_, claims) = decode_unverified(token);
    let fixture = json!({
        "source": format!(
            "node oidc-provider {} (npm), tests/interop/provider.mjs, captured by tests/tests/interop.rs with BCL_INTEROP_CAPTURE",
            op.version()
        ),
        "issuer": op.issuer(),
        "client_id": client_id,
        "alg": alg,
        "received_at": now(),
        "logout_token": token,
        "claims": claims,
        "jwks": serde_json::from_str::<Value>(&op.jwks().await).unwrap(),
    });
    let path = std::path::Path::new(&dir).join(format!("oidc-provider-{alg}.json"));
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&fixture).unwrap() + "\n",
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The testkit's tokens, for every algorithm it signs with asymmetric keys,
/// are accepted by `jose`, an independent JOSE implementation; the same
/// token with one bit of its signature flipped is refused.
#[tokio::test]
async fn testkit_tokens_are_accepted_by_jose() {
    let mut runs = tokio::task::JoinSet::new();
    for alg in Algorithm::ALL {
        if alg.key_kind() == backchannel_logout::KeyKind::Hmac {
            continue;
        }
        runs.spawn(async move {
            let key = SigningKey::shared(alg);
            let builder = TokenBuilder::new("https://op.example.test", "rp-client", now())
                .sub("user-1")
                .sid("s-1");
            let token = builder.sign(key);
            let jwks = SigningKey::jwks(&[key]);
            let payload = verify_with_jose(&jwks, &token).await.unwrap_or_else(|e| {
                panic!("{}: jose refused the testkit's token: {e}", alg.name())
            });
            assert_eq!(
                payload,
                Value::Object(builder.claims().clone()),
                "{}",
                alg.name()
            );

            let (input, signature) = token.rsplit_once('.').unwrap();
            let mut bytes = backchannel_logout_testkit::b64_decode(signature);
            bytes[0] ^= 1;
            let tampered = format!("{input}.{}", backchannel_logout_testkit::b64(&bytes));
            let refused = verify_with_jose(&jwks, &tampered).await;
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|e| e.contains("ERR_JWS_SIGNATURE_VERIFICATION_FAILED")),
                "{}: {refused:?}",
                alg.name()
            );
            alg
        });
    }
    let mut verified = Vec::new();
    while let Some(run) = runs.join_next().await {
        verified.push(run.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())));
    }
    assert_eq!(verified.len(), 10, "{verified:?}");
}
