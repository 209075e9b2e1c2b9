//! The receiving flow end to end with in-memory parts: form body in, answer out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use backchannel_logout::receive::{
    BackendError, KeySource, LogoutSink, Receiver, Rejection, StaticKeys,
};
use backchannel_logout::store::{MemoryLogoutStore, MemoryReplayGuard, SessionRecord};
use backchannel_logout::{
    Algorithm, ClientId, Issuer, KeySet, LogoutToken, UnixTime, Validator, ValidatorSet,
};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use serde_json::Value;

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const NOW: u64 = 1_767_225_600;
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

fn rsa() -> &'static SigningKey {
    SigningKey::shared(Algorithm::RS256)
}

fn validator() -> Validator {
    Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .build()
        .unwrap()
}

fn keys() -> KeySet {
    KeySet::from_jwks(SigningKey::jwks(&[rsa()]).as_bytes()).unwrap()
}

type MemReceiver = Receiver<StaticKeys, MemoryReplayGuard, Arc<MemoryLogoutStore>>;

fn receiver() -> (MemReceiver, Arc<MemoryLogoutStore>) {
    let store = Arc::new(MemoryLogoutStore::new());
    let r = Receiver::new(
        validator(),
        StaticKeys::new(Issuer::new(ISS), keys()),
        MemoryReplayGuard::new(),
        Arc::clone(&store),
    );
    (r, store)
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

fn body_of(token: &str) -> Vec<u8> {
    form(&[("logout_token", token)])
}

fn error_description(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["error"], "invalid_request");
    assert_eq!(v.as_object().unwrap().len(), 2);
    v["error_description"].as_str().unwrap().to_owned()
}

fn assert_rejected(outcome: &backchannel_logout::Outcome, code: &str) {
    assert_eq!(outcome.response.status, 400, "{:?}", outcome.result);
    assert!(
        outcome
            .response
            .headers
            .contains(&("cache-control", "no-store"))
    );
    assert!(
        outcome
            .response
            .headers
            .contains(&("content-type", "application/json"))
    );
    let desc = error_description(&outcome.response.body);
    assert!(desc.starts_with(&format!("{code}: ")), "{desc}");
    assert_eq!(outcome.result.as_ref().unwrap_err().code(), code);
}

fn assert_ok(outcome: &backchannel_logout::Outcome) {
    assert_eq!(outcome.response.status, 200, "{:?}", outcome.result);
    assert!(outcome.response.body.is_empty());
    assert_eq!(
        outcome.response.headers,
        vec![("cache-control", "no-store")]
    );
}

#[tokio::test]
async fn valid_token_is_200_and_ends_the_session() {
    let (r, store) = receiver();
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s-1").sign(rsa());
    let out = r.receive(FORM, &body_of(&t), now()).await;
    assert_ok(&out);
    assert_eq!(out.issuer.as_deref(), Some(ISS));
    assert_eq!(out.kid.as_deref(), Some(rsa().kid()));
    let session =
        SessionRecord::new(ISS, Some("s-1".into()), Some("user-1".into()), now()).unwrap();
    assert!(store.is_logged_out_now(&session, now()));
}

#[tokio::test]
async fn accepts_charset_extra_parameters_and_awkward_sids() {
    let (r, store) = receiver();
    let sid = "a b \"c\" & d % e + f 'g' ;=".repeat(15);
    assert!(sid.len() > 300);
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid(&sid).sign(rsa());
    let body = form(&[
        ("ignored_parameter", "x"),
        ("logout_token", &t),
        ("state", "y"),
    ]);
    let out = r
        .receive(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            &body,
            now(),
        )
        .await;
    assert_ok(&out);
    let session = SessionRecord::new(ISS, Some(sid), None, now()).unwrap();
    assert!(store.is_logged_out_now(&session, now()));
}

#[tokio::test]
async fn replay_is_400() {
    let (r, _) = receiver();
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(rsa());
    assert_ok(&r.receive(FORM, &body_of(&t), now()).await);
    let again = r.receive(FORM, &body_of(&t), now()).await;
    assert_rejected(&again, "replayed_token");
    assert!(matches!(again.result, Err(Rejection::Replay)));
}

#[tokio::test]
async fn same_jti_in_another_token_is_a_replay() {
    let (r, _) = receiver();
    let a = TokenBuilder::new(ISS, CLIENT, NOW)
        .sid("a")
        .jti("j-1")
        .sign(rsa());
    let b = TokenBuilder::new(ISS, CLIENT, NOW)
        .sid("b")
        .jti("j-1")
        .sign(rsa());
    assert_ok(&r.receive(FORM, &body_of(&a), now()).await);
    assert_rejected(
        &r.receive(FORM, &body_of(&b), now()).await,
        "replayed_token",
    );
}

#[tokio::test]
async fn valid_token_for_a_session_we_do_not_hold_is_200() {
    let (r, store) = receiver();
    let t = TokenBuilder::new(ISS, CLIENT, NOW)
        .sid("never-seen")
        .sign(rsa());
    assert_ok(&r.receive(FORM, &body_of(&t), now()).await);
    assert_eq!(store.len(), 1);
}

/// A key source whose keys lack the rotated key until refreshed.
struct RotatingKeys {
    before: Arc<KeySet>,
    after: Arc<KeySet>,
    refreshes: AtomicUsize,
}

impl KeySource for RotatingKeys {
    async fn keys(&self, _issuer: &Issuer) -> Result<Arc<KeySet>, BackendError> {
        Ok(if self.refreshes.load(Ordering::SeqCst) > 0 {
            Arc::clone(&self.after)
        } else {
            Arc::clone(&self.before)
        })
    }

    async fn refresh(
        &self,
        _issuer: &Issuer,
        _kid: Option<&str>,
    ) -> Result<Arc<KeySet>, BackendError> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        Ok(Arc::clone(&self.after))
    }
}

#[tokio::test]
async fn unknown_kid_triggers_one_refresh_then_200() {
    let rotated = SigningKey::generate(Algorithm::RS256, "rotated");
    let source = Arc::new(RotatingKeys {
        before: Arc::new(keys()),
        after: Arc::new(
            KeySet::from_jwks(SigningKey::jwks(&[rsa(), &rotated]).as_bytes()).unwrap(),
        ),
        refreshes: AtomicUsize::new(0),
    });
    let r = Receiver::new(
        validator(),
        Arc::clone(&source),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    );
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(&rotated);
    assert_ok(&r.receive(FORM, &body_of(&t), now()).await);
    assert_eq!(source.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unknown_kid_after_refresh_is_400_with_a_single_refresh() {
    let stranger = SigningKey::generate(Algorithm::RS256, "stranger");
    let source = Arc::new(RotatingKeys {
        before: Arc::new(keys()),
        after: Arc::new(keys()),
        refreshes: AtomicUsize::new(0),
    });
    let r = Receiver::new(
        validator(),
        Arc::clone(&source),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    );
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(&stranger);
    assert_rejected(&r.receive(FORM, &body_of(&t), now()).await, "key_not_found");
    assert_eq!(source.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn every_rejected_token_is_400_with_its_code() {
    let (r, store) = receiver();
    let es = SigningKey::shared(Algorithm::ES256);
    let impostor = SigningKey::generate(Algorithm::RS256, rsa().kid());
    let base = || TokenBuilder::new(ISS, CLIENT, NOW).sid("s");
    let none = {
        let t = base().sign(rsa());
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        parts[0] = backchannel_logout_testkit::b64(br#"{"alg":"none"}"#);
        parts[2] = String::new();
        parts.join(".")
    };
    let cases: Vec<(String, &str)> = vec![
        (none, "alg_none"),
        (base().sign(es), "alg_not_allowed"),
        (base().sign(&impostor), "invalid_signature"),
        (
            base().claim("iss", "https://op.example.com/").sign(rsa()),
            "invalid_issuer",
        ),
        (
            base().claim("aud", "someone-else").sign(rsa()),
            "invalid_audience",
        ),
        (base().claim("nonce", "n").sign(rsa()), "nonce_present"),
        (base().without("events").sign(rsa()), "missing_claim"),
        (
            base()
                .claim("events", serde_json::json!({"x": {}}))
                .sign(rsa()),
            "missing_logout_event",
        ),
        (
            TokenBuilder::new(ISS, CLIENT, NOW - 3600)
                .sid("s")
                .claim("exp", NOW + 60)
                .sign(rsa()),
            "token_too_old",
        ),
        (
            TokenBuilder::new(ISS, CLIENT, NOW - 300)
                .sid("s")
                .claim("exp", NOW - 100)
                .sign(rsa()),
            "token_expired",
        ),
        (base().header("typ", "at+jwt").sign(rsa()), "invalid_typ"),
        ("not-a-jwt".to_owned(), "malformed_token"),
        ("a.b.c.d.e".to_owned(), "encrypted_token"),
    ];
    for (token, code) in cases {
        let out = r.receive(FORM, &body_of(&token), now()).await;
        assert_rejected(&out, code);
    }
    assert!(store.is_empty());
}

#[tokio::test]
async fn bad_requests_are_400_with_their_code() {
    let (r, _) = receiver();
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(rsa());
    let cases: Vec<(Option<&str>, Vec<u8>, &str)> = vec![
        (
            FORM,
            form(&[("logout_token", &t), ("logout_token", &t)]),
            "duplicate_logout_token",
        ),
        (
            Some("application/json"),
            body_of(&t),
            "unsupported_content_type",
        ),
        (None, body_of(&t), "unsupported_content_type"),
        (FORM, form(&[("token", &t)]), "missing_logout_token"),
        (FORM, Vec::new(), "missing_logout_token"),
        (FORM, form(&[("logout_token", "")]), "empty_logout_token"),
        (FORM, vec![b'a'; 64 * 1024 + 1], "body_too_large"),
    ];
    for (ct, body, code) in cases {
        assert_rejected(&r.receive(ct, &body, now()).await, code);
    }
    // The genuine token was never consumed by those failures.
    assert_ok(&r.receive(FORM, &body_of(&t), now()).await);
}

#[tokio::test]
async fn body_limit_is_configurable() {
    let (r, _) = receiver();
    let r = r.with_max_body(100);
    assert_eq!(r.max_body(), 100);
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(rsa());
    assert_rejected(
        &r.receive(FORM, &body_of(&t), now()).await,
        "body_too_large",
    );
}

/// A sink that fails the first `failures` times.
struct FlakySink {
    failures: AtomicUsize,
    ended: AtomicUsize,
}

impl LogoutSink for FlakySink {
    async fn end_sessions(
        &self,
        _logout: &LogoutToken,
        _now: UnixTime,
    ) -> Result<(), BackendError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(BackendError::msg("session store unreachable"));
        }
        self.ended.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn sink_failure_is_400_and_the_retry_succeeds() {
    let sink = Arc::new(FlakySink {
        failures: AtomicUsize::new(1),
        ended: AtomicUsize::new(0),
    });
    let r = Receiver::new(
        validator(),
        StaticKeys::new(Issuer::new(ISS), keys()),
        MemoryReplayGuard::new(),
        Arc::clone(&sink),
    );
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(rsa());
    let first = r.receive(FORM, &body_of(&t), now()).await;
    assert_rejected(&first, "logout_failed");
    // Backend detail stays in the logs, not in the answer to the provider.
    assert!(!error_description(&first.response.body).contains("unreachable"));
    // The provider retries the same token: not a replay.
    assert_ok(&r.receive(FORM, &body_of(&t), now()).await);
    assert_eq!(sink.ended.load(Ordering::SeqCst), 1);
    // And now it is one.
    assert_rejected(
        &r.receive(FORM, &body_of(&t), now()).await,
        "replayed_token",
    );
}

#[tokio::test]
async fn full_marker_store_refuses_rather_than_losing_a_logout() {
    let store = Arc::new(MemoryLogoutStore::with_limits(
        2,
        std::time::Duration::from_secs(3600),
    ));
    let r = Receiver::new(
        validator(),
        StaticKeys::new(Issuer::new(ISS), keys()),
        MemoryReplayGuard::new(),
        Arc::clone(&store),
    );
    for sid in ["a", "b"] {
        let t = TokenBuilder::new(ISS, CLIENT, NOW).sid(sid).sign(rsa());
        assert_ok(&r.receive(FORM, &body_of(&t), now()).await);
    }
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("c").sign(rsa());
    assert_rejected(&r.receive(FORM, &body_of(&t), now()).await, "logout_failed");
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn routes_among_several_issuers() {
    let other = "https://tenant-2.example.com";
    let mut set = ValidatorSet::new();
    set.insert(validator()).unwrap();
    set.insert(
        Validator::builder(Issuer::new(other), ClientId::new("client-2"))
            .build()
            .unwrap(),
    )
    .unwrap();
    let r = Receiver::new(
        set,
        StaticKeys::new(Issuer::new(ISS), keys()).with(Issuer::new(other), keys()),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    );
    for (iss, client) in [(ISS, CLIENT), (other, "client-2")] {
        let t = TokenBuilder::new(iss, client, NOW).sid("s").sign(rsa());
        let out = r.receive(FORM, &body_of(&t), now()).await;
        assert_ok(&out);
        assert_eq!(out.result.unwrap().issuer(), iss);
    }
    let t = TokenBuilder::new("https://stranger.example", CLIENT, NOW)
        .sid("s")
        .sign(rsa());
    assert_rejected(
        &r.receive(FORM, &body_of(&t), now()).await,
        "unknown_issuer",
    );
}

#[tokio::test]
async fn a_key_of_one_issuer_never_verifies_a_token_claiming_another() {
    let issuer_a = "https://a.example.com";
    let issuer_b = "https://b.example.com";
    let key_a = SigningKey::generate(Algorithm::ES256, "key-a");
    let key_b = SigningKey::generate(Algorithm::ES256, "key-b");
    let jwks = |k: &SigningKey| KeySet::from_jwks(SigningKey::jwks(&[k]).as_bytes()).unwrap();
    let mut set = ValidatorSet::new();
    for iss in [issuer_a, issuer_b] {
        set.insert(
            Validator::builder(Issuer::new(iss), ClientId::new(CLIENT))
                .algorithms([Algorithm::ES256])
                .build()
                .unwrap(),
        )
        .unwrap();
    }
    let r = Receiver::new(
        set,
        StaticKeys::new(Issuer::new(issuer_a), jwks(&key_a))
            .with(Issuer::new(issuer_b), jwks(&key_b)),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    );
    // Provider A's key, claiming issuer B: B's keys do not hold it.
    let forged = TokenBuilder::new(issuer_b, CLIENT, NOW)
        .sid("s")
        .sign(&key_a);
    assert_rejected(
        &r.receive(FORM, &body_of(&forged), now()).await,
        "key_not_found",
    );
    // Each provider's own tokens pass.
    for (iss, key) in [(issuer_a, &key_a), (issuer_b, &key_b)] {
        let t = TokenBuilder::new(iss, CLIENT, NOW).sid("s").sign(key);
        assert_ok(&r.receive(FORM, &body_of(&t), now()).await);
    }
}

#[tokio::test]
async fn an_issuer_without_static_keys_is_a_configuration_error() {
    let r = Receiver::new(
        validator(),
        StaticKeys::new(Issuer::new("https://someone-else.example"), keys()),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    );
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s").sign(rsa());
    let out = r.receive(FORM, &body_of(&t), now()).await;
    assert_rejected(&out, "keys_unavailable");
}

#[tokio::test]
async fn routing_among_issuers_honours_the_configured_token_size() {
    // A provider sending big tokens (a long sid), with the limit raised.
    let other = "https://tenant-2.example.com";
    let mut set = ValidatorSet::new();
    set.insert(
        Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
            .max_token_size(40 * 1024)
            .build()
            .unwrap(),
    )
    .unwrap();
    set.insert(
        Validator::builder(Issuer::new(other), ClientId::new("client-2"))
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(set.max_token_size(), 40 * 1024);
    let r = Receiver::new(
        set,
        StaticKeys::new(Issuer::new(ISS), keys()).with(Issuer::new(other), keys()),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    );
    let big_sid = "s".repeat(20 * 1024);
    let t = TokenBuilder::new(ISS, CLIENT, NOW)
        .sid(&big_sid)
        .sign(rsa());
    assert!(t.len() > Validator::DEFAULT_MAX_TOKEN_SIZE);
    let out = r.receive(FORM, &body_of(&t), now()).await;
    assert_ok(&out);
    // The other issuer keeps its own (default) limit.
    let t = TokenBuilder::new(other, "client-2", NOW)
        .sid(&big_sid)
        .sign(rsa());
    assert_rejected(
        &r.receive(FORM, &body_of(&t), now()).await,
        "token_too_large",
    );
}

#[tokio::test]
async fn a_shared_receiver_answers_like_the_receiver() {
    let (r, store) = receiver();
    let shared: backchannel_logout::SharedReceiver = r.shared();
    let copy = shared.clone();
    assert_eq!(shared.max_body(), 64 * 1024);
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s-9").sign(rsa());
    assert_ok(&shared.receive(FORM, &body_of(&t), now()).await);
    assert_rejected(
        &copy.receive(FORM, &body_of(&t), now()).await,
        "replayed_token",
    );
    assert_eq!(store.len(), 1);
    assert_rejected(&shared.unreadable_body(), "unreadable_body");
}

/// A body read into a buffer with a framework's lower limit (Rocket's
/// named limit, say) and cut there is refused as too large, naming that
/// limit, not judged as a truncated form; one under it is judged as usual.
#[tokio::test]
async fn a_body_over_the_buffers_lower_limit_is_too_large_not_truncated() {
    use backchannel_logout::request::BodyBuffer;

    let (r, store) = receiver();
    let shared = r.shared();
    let t = TokenBuilder::new(ISS, CLIENT, NOW).sid("s-1").sign(rsa());
    let body = body_of(&t);
    let read = |max: usize| {
        let mut buffer = BodyBuffer::new(max);
        buffer.push(&body);
        Ok::<_, std::io::Error>(buffer)
    };

    let cut = body.len() - 1;
    let out = shared.receive_buffered(FORM, read(cut), now()).await;
    assert_rejected(&out, "body_too_large");
    assert_eq!(
        error_description(&out.response.body),
        format!("body_too_large: request body exceeds the limit of {cut} bytes")
    );
    assert_eq!(store.len(), 0);

    assert_ok(&shared.receive_buffered(FORM, read(body.len()), now()).await);
    assert_eq!(store.len(), 1);
}
