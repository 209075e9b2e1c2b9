//! The key source against a real HTTP server on loopback: discovery, the
//! key set, rotation, cooldown, single flight, stale-if-error, limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use backchannel_logout::{Algorithm, AlgorithmSet, Issuer, JwksError};
use backchannel_logout_jwks::{DiscoveryWarning, Error, JwksKeySource};
use serde_json::json;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------- fetching

#[tokio::test]
async fn accepts_a_token_with_keys_found_by_discovery() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = source_for(&provider).build().unwrap();
    source.start().await.unwrap();
    let receiver = receiver(&source, &[&provider.issuer]);

    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
    assert_eq!(provider.discovery_hits(), 1);
    assert_eq!(provider.jwks_hits(), 1);
    let status = source.status(&provider.issuer()).unwrap();
    assert_eq!(status.jwks_uri, Some(provider.url("/jwks")));
    assert!(status.warnings.is_empty(), "{:?}", status.warnings);
    assert!(!status.stale);
    assert_eq!(source.metrics().fetches, 1);
    assert_eq!(source.metrics().fetch_failures, 0);
}

#[tokio::test]
async fn fetches_a_jwks_uri_given_directly_without_discovery() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = JwksKeySource::builder()
        .jwks_uri(provider.issuer(), provider.url("/jwks"))
        .build()
        .unwrap();
    source.start().await.unwrap();
    let receiver = receiver(&source, &[&provider.issuer]);

    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
    assert_eq!(provider.discovery_hits(), 0);
    assert_eq!(provider.jwks_hits(), 1);
}

#[tokio::test]
async fn fetches_lazily_without_start() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = source_for(&provider).build().unwrap();
    let receiver = receiver(&source, &[&provider.issuer]);

    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
    assert_eq!(provider.jwks_hits(), 1);
}

#[tokio::test]
async fn refuses_discovery_naming_another_issuer() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    // The same issuer with a trailing slash is another issuer.
    let mut doc: serde_json::Value =
        serde_json::from_str(&discovery_doc(&provider.issuer)).unwrap();
    doc["issuer"] = json!(format!("{}/", provider.issuer));
    provider.set_discovery(Reply::ok(doc.to_string()));
    let source = source_for(&provider).build().unwrap();

    let err = source.start().await.unwrap_err();
    assert!(matches!(err, Error::IssuerMismatch { .. }), "{err:?}");
    assert_eq!(err.code(), "issuer_mismatch");
    assert_eq!(provider.jwks_hits(), 0);
    // A request then fails too: there are no keys to serve.
    let receiver = receiver(&source, &[&provider.issuer]);
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 400);
}

#[tokio::test]
async fn refuses_plain_http_jwks_uri_from_discovery() {
    let provider = Provider::start(jwks(&[&key("k1")])).await;
    let mut doc: serde_json::Value =
        serde_json::from_str(&discovery_doc(&provider.issuer)).unwrap();
    doc["jwks_uri"] = json!("http://192.0.2.1/jwks");
    provider.set_discovery(Reply::ok(doc.to_string()));
    let source = source_for(&provider).build().unwrap();

    let err = source.prefetch().await.unwrap_err();
    assert!(matches!(err, Error::InsecureUrl { .. }), "{err:?}");
}

#[tokio::test]
async fn follows_a_redirect_on_loopback_but_not_to_plain_http_elsewhere() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    provider.set_jwks(Reply::redirect("http://192.0.2.1/jwks"));
    let source = source_for(&provider).build().unwrap();
    let err = source.prefetch().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");

    let other = Provider::start(jwks(&[&k1])).await;
    provider.set_jwks(Reply::redirect(&format!("{}/jwks", other.issuer)));
    let source = source_for(&provider).build().unwrap();
    source.prefetch().await.unwrap();
    assert_eq!(other.jwks_hits(), 1);
}

#[tokio::test]
async fn refuses_an_http_error_status() {
    let provider = Provider::start(String::new()).await;
    provider.set_jwks(Reply::status(404));
    let source = source_for(&provider).build().unwrap();
    let err = source.prefetch().await.unwrap_err();
    assert!(matches!(err, Error::Status { status: 404, .. }), "{err:?}");
}

#[tokio::test]
async fn serves_a_key_set_with_keys_it_does_not_verify_with_skipped() {
    let k1 = key("k1");
    let mut doc: serde_json::Value = serde_json::from_str(&jwks(&[&k1])).unwrap();
    let keys = doc["keys"].as_array_mut().unwrap();
    keys.extend(unusable_keys());
    let provider = Provider::start(doc.to_string()).await;
    let source = source_for(&provider).build().unwrap();
    source.start().await.unwrap();

    let status = source.status(&provider.issuer()).unwrap();
    let keys = status.keys.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys.skipped().len(), 3);
    let receiver = receiver(&source, &[&provider.issuer]);
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
}

#[tokio::test]
async fn refuses_a_key_set_without_usable_key_naming_each_reason() {
    let provider = Provider::start(json!({ "keys": unusable_keys() }).to_string()).await;
    let source = source_for(&provider).build().unwrap();

    let err = source.start().await.unwrap_err();
    let Error::Jwks {
        source: JwksError::NoUsableKey { skipped, .. },
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    let reasons: Vec<String> = skipped.iter().map(ToString::to_string).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].contains("secp256k1"), "{reasons:?}");
    assert!(reasons[1].contains("X25519"), "{reasons:?}");
    assert!(reasons[2].contains("enc"), "{reasons:?}");
}

fn unusable_keys() -> Vec<serde_json::Value> {
    vec![
        json!({"kty": "EC", "crv": "secp256k1", "kid": "k256",
            "x": "AAAA", "y": "AAAA"}),
        json!({"kty": "OKP", "crv": "X25519", "kid": "x25519",
            "x": "AAAA"}),
        json!({"kty": "RSA", "use": "enc", "kid": "rsa-enc",
            "n": "AAAA", "e": "AQAB"}),
    ]
}

#[tokio::test]
async fn records_discovery_warnings_without_widening_algorithms() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    provider.set_discovery(Reply::ok(
        json!({
            "issuer": provider.issuer,
            "jwks_uri": format!("{}/jwks", provider.issuer),
            "id_token_signing_alg_values_supported": ["RS256"],
        })
        .to_string(),
    ));
    let allowed: AlgorithmSet = [Algorithm::ES256].into_iter().collect();
    let source = source_for(&provider)
        .allowed_algorithms_for(&provider.issuer(), allowed)
        .build()
        .unwrap();
    source.start().await.unwrap();

    let status = source.status(&provider.issuer()).unwrap();
    assert_eq!(
        status.warnings,
        vec![
            DiscoveryWarning::AlgorithmNotAdvertised {
                alg: Algorithm::ES256
            },
            DiscoveryWarning::BackchannelLogoutSupportAbsent,
        ]
    );
    // Warnings do not stop the keys from being used.
    let receiver = receiver(&source, &[&provider.issuer]);
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
}

// ---------------------------------------------------------------- limits

#[tokio::test]
async fn slow_server_hits_the_timeout() {
    let provider = Provider::start(jwks(&[&key("k1")])).await;
    provider.set_jwks(Reply::ok(jwks(&[&key("k1")])).delayed(Duration::from_secs(30)));
    let source = source_for(&provider)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = tokio::time::timeout(LIMIT, source.prefetch())
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn refuses_an_oversized_key_set() {
    let k1 = key("k1");
    let mut doc: serde_json::Value = serde_json::from_str(&jwks(&[&k1])).unwrap();
    doc["padding"] = json!("x".repeat(100_000));
    let provider = Provider::start(doc.to_string()).await;
    let source = source_for(&provider)
        .max_response_size(64 * 1024)
        .build()
        .unwrap();

    let err = source.prefetch().await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { max: 65536, .. }), "{err:?}");
}

#[tokio::test]
async fn refuses_an_oversized_chunked_key_set_without_reading_it_all() {
    // A raw server: chunked transfer, no Content-Length, 1 MiB of body.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0);
            request.extend_from_slice(&buf[..n]);
        }
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 8192, " ".repeat(8192));
        for _ in 0..128 {
            // The client hangs up once over the limit.
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
    });
    let issuer = Issuer::new(format!("http://{addr}"));
    let source = JwksKeySource::builder()
        .jwks_uri(issuer, format!("http://{addr}/jwks").parse().unwrap())
        .max_response_size(64 * 1024)
        .build()
        .unwrap();

    let err = tokio::time::timeout(LIMIT, source.prefetch())
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    server.abort();
}

// ---------------------------------------------------------------- rotation

#[tokio::test]
async fn accepts_a_rotated_key_after_exactly_one_refetch() {
    let k1 = key("k1");
    let k2 = key("k2");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = source_for(&provider).build().unwrap();
    source.start().await.unwrap();
    let receiver = receiver(&source, &[&provider.issuer]);
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);

    provider.set_jwks(Reply::ok(jwks(&[&k1, &k2])));
    assert_eq!(post(&receiver, &token(&provider.issuer, &k2)).await, 200);
    assert_eq!(provider.jwks_hits(), 2);
    // A rotation does not move the key set: no new discovery.
    assert_eq!(provider.discovery_hits(), 1);
    assert_eq!(source.metrics().unknown_kid_refreshes, 1);

    // The new key is now cached: no further fetch.
    assert_eq!(post(&receiver, &token(&provider.issuer, &k2)).await, 200);
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
    assert_eq!(provider.jwks_hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_unknown_kids_causes_one_fetch() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = source_for(&provider).build().unwrap();
    source.start().await.unwrap();
    let receiver = Arc::new(receiver(&source, &[&provider.issuer]));

    // Signed by a real key, under kids the provider never published.
    let mut tasks = Vec::new();
    for i in 0..200 {
        let bogus = k1.with_alg(Algorithm::ES256, &format!("bogus-{i}"));
        let token = token(&provider.issuer, &bogus);
        let receiver = Arc::clone(&receiver);
        tasks.push(tokio::spawn(async move { post(&receiver, &token).await }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 400);
    }
    for i in 200..300 {
        let bogus = k1.with_alg(Algorithm::ES256, &format!("bogus-{i}"));
        assert_eq!(post(&receiver, &token(&provider.issuer, &bogus)).await, 400);
    }
    assert_eq!(provider.jwks_hits(), 2, "the start's fetch and one refetch");
    let m = source.metrics();
    assert_eq!(m.unknown_kid_refreshes, 1);
    assert!(m.refreshes_suppressed >= 100, "{m:?}");
    // Genuine tokens still pass.
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_for_a_new_key_share_one_fetch() {
    let k1 = key("k1");
    let k2 = key("k2");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = source_for(&provider).build().unwrap();
    source.start().await.unwrap();
    let receiver = Arc::new(receiver(&source, &[&provider.issuer]));

    // The refetch takes a while, so that the requests overlap it.
    provider.set_jwks(Reply::ok(jwks(&[&k1, &k2])).delayed(Duration::from_millis(300)));
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let token = token(&provider.issuer, &k2);
        let receiver = Arc::clone(&receiver);
        let barrier = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            post(&receiver, &token).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(provider.jwks_hits(), 2);
    assert_eq!(source.metrics().fetches, 2);
}

#[tokio::test]
async fn several_issuers_have_their_own_caches() {
    let (ka, kb, kb2) = (key("a1"), key("b1"), key("b2"));
    let a = Provider::start(jwks(&[&ka])).await;
    let b = Provider::start(jwks(&[&kb])).await;
    let source = JwksKeySource::builder()
        .issuer_discovery(a.issuer())
        .jwks_uri(b.issuer(), b.url("/jwks"))
        .build()
        .unwrap();
    source.start().await.unwrap();
    let receiver = receiver(&source, &[&a.issuer, &b.issuer]);

    assert_eq!(post(&receiver, &token(&a.issuer, &ka)).await, 200);
    assert_eq!(post(&receiver, &token(&b.issuer, &kb)).await, 200);
    // A's key does not verify a token claiming B's issuer.
    assert_eq!(
        post(
            &receiver,
            &token(&b.issuer, &ka.with_alg(Algorithm::ES256, "b1"))
        )
        .await,
        400
    );

    b.set_jwks(Reply::ok(jwks(&[&kb, &kb2])));
    assert_eq!(post(&receiver, &token(&b.issuer, &kb2)).await, 200);
    assert_eq!(a.jwks_hits(), 1);
    assert_eq!(b.jwks_hits(), 2);
    assert_eq!(source.status(&a.issuer()).unwrap().metrics.fetches, 1);
    assert_eq!(source.status(&b.issuer()).unwrap().metrics.fetches, 2);
    assert_eq!(source.metrics().fetches, 3);
    assert_eq!(source.issuers().count(), 2);
}

// ---------------------------------------------------------------- TTL

/// Key sets in the expiry tests live this long.
const TTL: Duration = Duration::from_millis(400);
/// A sleep that outlasts [`TTL`].
const PAST_TTL: Duration = Duration::from_millis(450);

/// A key source with a short TTL and the given cooldown, for the expiry tests.
fn short_lived(provider: &Provider, cooldown: Duration) -> JwksKeySource {
    source_for(provider)
        .min_ttl(TTL)
        .max_ttl(TTL)
        .cooldown(cooldown)
        .build()
        .unwrap()
}

#[tokio::test]
async fn refetches_once_the_ttl_has_passed() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = short_lived(&provider, Duration::from_millis(50));
    source.prefetch().await.unwrap();
    let issuer = provider.issuer();

    source.keys_for(&issuer).await.unwrap();
    assert_eq!(provider.jwks_hits(), 1);
    tokio::time::sleep(PAST_TTL).await;
    source.keys_for(&issuer).await.unwrap();
    assert_eq!(provider.jwks_hits(), 2);
    // An expiry refetch also reads discovery again.
    assert_eq!(provider.discovery_hits(), 2);
}

#[tokio::test]
async fn honours_max_age_within_the_bounds() {
    let k1 = key("k1");
    let provider = Provider::start(String::new()).await;
    provider.set_jwks(Reply::ok(jwks(&[&k1])).cache_control("public, max-age=1"));
    let source = source_for(&provider)
        .min_ttl(Duration::from_millis(100))
        .max_ttl(Duration::from_secs(60))
        .default_ttl(Duration::from_secs(60))
        .cooldown(Duration::from_millis(50))
        .build()
        .unwrap();
    source.prefetch().await.unwrap();
    let issuer = provider.issuer();

    tokio::time::sleep(Duration::from_millis(200)).await;
    source.keys_for(&issuer).await.unwrap();
    assert_eq!(provider.jwks_hits(), 1, "fresh for max-age=1");
    tokio::time::sleep(Duration::from_millis(900)).await;
    source.keys_for(&issuer).await.unwrap();
    assert_eq!(provider.jwks_hits(), 2, "expired after max-age=1");

    // max-age above max_ttl is cut down to it.
    provider.set_jwks(Reply::ok(jwks(&[&k1])).cache_control("max-age=86400"));
    let capped = source_for(&provider)
        .min_ttl(Duration::from_millis(100))
        .max_ttl(Duration::from_millis(200))
        .cooldown(Duration::from_millis(50))
        .build()
        .unwrap();
    capped.prefetch().await.unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    capped.keys_for(&issuer).await.unwrap();
    assert_eq!(capped.metrics().fetches, 2);
}

#[tokio::test]
async fn refreshes_in_the_background_before_expiry() {
    let (k1, k2) = (key("k1"), key("k2"));
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = source_for(&provider)
        .min_ttl(Duration::from_secs(1))
        .max_ttl(Duration::from_secs(1))
        .cooldown(Duration::from_millis(50))
        .build()
        .unwrap();
    source.start().await.unwrap();
    provider.set_jwks(Reply::ok(jwks(&[&k2])));

    // No request at all: the refresher alone brings the new key.
    let issuer = provider.issuer();
    eventually(|| {
        source
            .status(&issuer)
            .and_then(|s| s.keys)
            .is_some_and(|k| k.contains_kid("k2"))
    })
    .await;
    assert!(!source.status(&issuer).unwrap().stale);
}

#[tokio::test]
async fn background_refresher_stops_with_the_key_source() {
    let provider = Provider::start(jwks(&[&key("k1")])).await;
    let source = source_for(&provider)
        .min_ttl(Duration::from_millis(100))
        .max_ttl(Duration::from_millis(100))
        .cooldown(Duration::from_millis(50))
        .build()
        .unwrap();
    source.start().await.unwrap();
    eventually(|| provider.jwks_hits() >= 2).await;
    drop(source);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let hits = provider.jwks_hits();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(provider.jwks_hits(), hits);
}

// ---------------------------------------------------------------- stale-if-error

#[tokio::test]
async fn serves_the_last_good_keys_when_the_server_answers_500() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    let cooldown = Duration::from_millis(300);
    let source = short_lived(&provider, cooldown);
    source.prefetch().await.unwrap();
    let receiver = receiver(&source, &[&provider.issuer]);

    provider.set_jwks(Reply::status(500));
    tokio::time::sleep(PAST_TTL).await;
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);

    assert_eq!(provider.jwks_hits(), 2);
    let status = source.status(&provider.issuer()).unwrap();
    assert!(status.stale);
    assert!(
        matches!(status.last_error, Some(Error::Status { status: 500, .. })),
        "{:?}",
        status.last_error
    );
    let m = source.metrics();
    assert_eq!(m.fetch_failures, 1);
    assert!(m.stale_served >= 1, "{m:?}");

    // Within the cooldown the provider is not asked again.
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
    assert_eq!(provider.jwks_hits(), 2);

    // Once it recovers, fresh keys replace the stale ones: the next request
    // after the cooldown gets the stale keys at once and starts the retry.
    provider.set_jwks(Reply::ok(jwks(&[&k1])));
    tokio::time::sleep(cooldown).await;
    source.keys_for(&provider.issuer()).await.unwrap();
    eventually(|| {
        let status = source.status(&provider.issuer()).unwrap();
        !status.stale && status.last_error.is_none()
    })
    .await;
    assert_eq!(provider.jwks_hits(), 3);
}

#[tokio::test]
async fn serves_the_last_good_keys_when_the_server_is_stopped() {
    let k1 = key("k1");
    let mut provider = Provider::start(jwks(&[&k1])).await;
    let source = short_lived(&provider, Duration::from_millis(50));
    source.prefetch().await.unwrap();
    let receiver = receiver(&source, &[&provider.issuer]);

    provider.stop().await;
    tokio::time::sleep(PAST_TTL).await;
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);

    let status = source.status(&provider.issuer()).unwrap();
    assert!(status.stale);
    assert!(
        matches!(status.last_error, Some(Error::Transport { .. })),
        "{:?}",
        status.last_error
    );
    assert!(source.metrics().stale_served >= 1);
}

#[tokio::test]
async fn never_replaces_good_keys_with_garbage_or_an_empty_set() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = short_lived(&provider, Duration::from_millis(50));
    source.prefetch().await.unwrap();
    let issuer = provider.issuer();
    let good = source.keys_for(&issuer).await.unwrap();

    let bodies = [
        "<html>maintenance</html>",
        r#"{"keys": []}"#,
        r#"{"keys": [{"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"}]}"#,
    ];
    for (failures, body) in (1..).zip(bodies) {
        provider.set_jwks(Reply::ok(body));
        tokio::time::sleep(PAST_TTL).await;
        let served = source.keys_for(&issuer).await.unwrap();
        assert!(Arc::ptr_eq(&good, &served), "replaced by {body}");
        // After the first failure, retries run in the background.
        eventually(|| source.metrics().fetch_failures == failures).await;
        let status = source.status(&issuer).unwrap();
        assert!(
            Arc::ptr_eq(&good, &status.keys.unwrap()),
            "replaced by {body}"
        );
        assert_eq!(status.last_error.unwrap().code(), "invalid_jwks");
    }
}

#[tokio::test]
async fn unknown_kid_refetch_failure_keeps_the_keys() {
    let k1 = key("k1");
    let provider = Provider::start(jwks(&[&k1])).await;
    let source = source_for(&provider).build().unwrap();
    source.start().await.unwrap();
    let receiver = receiver(&source, &[&provider.issuer]);

    provider.set_jwks(Reply::status(503));
    assert_eq!(
        post(&receiver, &token(&provider.issuer, &key("k9"))).await,
        400
    );
    assert_eq!(post(&receiver, &token(&provider.issuer, &k1)).await, 200);
    assert_eq!(provider.jwks_hits(), 2);
}
