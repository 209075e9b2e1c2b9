//! The in-memory stores: logged-out markers and the replay guard.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use backchannel_logout::receive::{Freshness, ReplayGuard};
use backchannel_logout::store::{MemoryLogoutStore, MemoryReplayGuard, SessionRecord};
use backchannel_logout::{Algorithm, ClientId, Issuer, KeySet, LogoutToken, UnixTime, Validator};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const NOW: u64 = 1_767_225_600;

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

fn logout(builder: TokenBuilder, iat: u64) -> LogoutToken {
    let key = SigningKey::shared(Algorithm::RS256);
    let keys = KeySet::from_jwks(SigningKey::jwks(&[key]).as_bytes()).unwrap();
    let v = Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .build()
        .unwrap();
    v.validate(builder.sign(key).as_bytes(), &keys, at(iat))
        .unwrap()
}

fn session(sid: Option<&str>, sub: &str, authenticated_at: u64) -> SessionRecord {
    SessionRecord::new(
        ISS,
        sid.map(str::to_owned),
        Some(sub.to_owned()),
        at(authenticated_at),
    )
    .unwrap()
}

#[test]
fn sid_logout_ends_that_session_only() {
    let store = MemoryLogoutStore::new();
    let token = logout(
        TokenBuilder::new(ISS, CLIENT, NOW).sub("alice").sid("s-1"),
        NOW,
    );
    store.record(&token, at(NOW)).unwrap();
    assert!(store.is_logged_out_now(&session(Some("s-1"), "alice", NOW - 10), at(NOW)));
    // Alice's other session, Bob's session, another issuer's same sid: untouched.
    assert!(!store.is_logged_out_now(&session(Some("s-2"), "alice", NOW - 10), at(NOW)));
    assert!(!store.is_logged_out_now(&session(Some("s-3"), "bob", NOW - 10), at(NOW)));
    let elsewhere = SessionRecord::new(
        "https://other.example",
        Some("s-1".into()),
        Some("alice".into()),
        at(NOW - 10),
    )
    .unwrap();
    assert!(!store.is_logged_out_now(&elsewhere, at(NOW)));
}

#[test]
fn sub_only_logout_ends_sessions_authenticated_before_iat_and_none_after() {
    let store = MemoryLogoutStore::new();
    let token = logout(TokenBuilder::new(ISS, CLIENT, NOW).sub("alice"), NOW);
    store.record(&token, at(NOW)).unwrap();
    assert!(store.is_logged_out_now(&session(Some("a"), "alice", NOW - 100), at(NOW)));
    assert!(store.is_logged_out_now(&session(None, "alice", NOW - 1), at(NOW)));
    // Logged in again after the logout: live.
    assert!(!store.is_logged_out_now(&session(Some("b"), "alice", NOW + 5), at(NOW + 10)));
    assert!(!store.is_logged_out_now(&session(None, "alice", NOW), at(NOW)));
    // Another subject: live.
    assert!(!store.is_logged_out_now(&session(None, "bob", NOW - 100), at(NOW)));
}

#[test]
fn later_sub_logout_moves_the_cutoff_forward_never_back() {
    let store = MemoryLogoutStore::new();
    let later = logout(TokenBuilder::new(ISS, CLIENT, NOW).sub("alice"), NOW);
    let earlier = logout(TokenBuilder::new(ISS, CLIENT, NOW - 100).sub("alice"), NOW);
    store.record(&later, at(NOW)).unwrap();
    store.record(&earlier, at(NOW)).unwrap();
    assert!(store.is_logged_out_now(&session(None, "alice", NOW - 50), at(NOW)));
}

#[test]
fn markers_expire_after_their_ttl() {
    let store = MemoryLogoutStore::with_limits(10, Duration::from_secs(3600));
    let token = logout(TokenBuilder::new(ISS, CLIENT, NOW).sid("s-1"), NOW);
    store.record(&token, at(NOW)).unwrap();
    let s = session(Some("s-1"), "user-1", NOW - 10);
    assert!(store.is_logged_out_now(&s, at(NOW + 3599)));
    assert!(!store.is_logged_out_now(&s, at(NOW + 3600)));
}

#[test]
fn marker_store_is_bounded_and_purges_expired_markers_when_full() {
    let store = MemoryLogoutStore::with_limits(3, Duration::from_secs(60));
    for sid in ["a", "b", "c"] {
        let token = logout(TokenBuilder::new(ISS, CLIENT, NOW).sid(sid), NOW);
        store.record(&token, at(NOW)).unwrap();
    }
    let d = logout(TokenBuilder::new(ISS, CLIENT, NOW).sid("d"), NOW);
    assert!(store.record(&d, at(NOW)).is_err());
    assert_eq!(store.len(), 3);
    // Re-recording an existing marker needs no room.
    let a = logout(TokenBuilder::new(ISS, CLIENT, NOW).sid("a"), NOW);
    store.record(&a, at(NOW)).unwrap();
    // Once the others expire, room is made.
    store.record(&d, at(NOW + 61)).unwrap();
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn replay_guard_remembers_until_the_given_time() {
    let guard = MemoryReplayGuard::new();
    let until = at(NOW + 180);
    assert_eq!(
        guard.first_use(ISS, "j", until, at(NOW)).await.unwrap(),
        Freshness::First
    );
    assert_eq!(
        guard
            .first_use(ISS, "j", until, at(NOW + 179))
            .await
            .unwrap(),
        Freshness::Replay
    );
    // Another issuer's identical jti is another token.
    assert_eq!(
        guard
            .first_use("https://other.example", "j", until, at(NOW))
            .await
            .unwrap(),
        Freshness::First
    );
    // Past `until` the validator refuses the token anyway; the entry is gone.
    assert_eq!(
        guard
            .first_use(ISS, "j", until, at(NOW + 180))
            .await
            .unwrap(),
        Freshness::First
    );
}

#[tokio::test]
async fn replay_guard_release_forgets_the_jti() {
    let guard = MemoryReplayGuard::new();
    let until = at(NOW + 180);
    guard.first_use(ISS, "j", until, at(NOW)).await.unwrap();
    guard.release(ISS, "j").await.unwrap();
    assert_eq!(
        guard.first_use(ISS, "j", until, at(NOW)).await.unwrap(),
        Freshness::First
    );
}

#[tokio::test]
async fn replay_guard_memory_is_bounded_under_a_flood_of_unique_jtis() {
    let capacity = 1_000;
    let guard = MemoryReplayGuard::with_capacity(capacity);
    let until = at(NOW + 600);
    for i in 0..100_000u32 {
        let jti = format!("{i:08}-{}", "x".repeat(200));
        assert_eq!(
            guard.first_use(ISS, &jti, until, at(NOW)).await.unwrap(),
            Freshness::First
        );
        assert!(guard.len() <= capacity);
    }
    assert_eq!(guard.len(), capacity);
    // The most recent ones are still remembered.
    let last = format!("{:08}-{}", 99_999, "x".repeat(200));
    assert_eq!(
        guard.first_use(ISS, &last, until, at(NOW)).await.unwrap(),
        Freshness::Replay
    );
}

#[tokio::test]
async fn replay_guard_drops_expired_entries_first() {
    let guard = MemoryReplayGuard::with_capacity(10);
    for i in 0..10 {
        guard
            .first_use(ISS, &format!("old-{i}"), at(NOW + 10), at(NOW))
            .await
            .unwrap();
    }
    guard
        .first_use(ISS, "new", at(NOW + 100), at(NOW + 11))
        .await
        .unwrap();
    assert_eq!(guard.len(), 1);
}

#[test]
fn session_record_serializes_and_builds_from_id_token_claims() {
    let claims = serde_json::json!({
        "iss": ISS, "sub": "alice", "sid": "s-9", "aud": CLIENT, "nonce": "n",
    });
    let record = SessionRecord::from_id_token_claims(claims.as_object().unwrap(), at(NOW)).unwrap();
    assert_eq!(record, session(Some("s-9"), "alice", NOW));
    let json = serde_json::to_string(&record).unwrap();
    let back: SessionRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, record);
    let no_iss = serde_json::json!({"sub": "alice"});
    assert!(SessionRecord::from_id_token_claims(no_iss.as_object().unwrap(), at(NOW)).is_err());
    let bad_sid = serde_json::json!({"iss": ISS, "sid": 5});
    assert!(SessionRecord::from_id_token_claims(bad_sid.as_object().unwrap(), at(NOW)).is_err());
}

#[test]
fn rewriting_the_same_marker_never_fills_the_store() {
    let store = MemoryLogoutStore::with_limits(4, Duration::from_secs(3600));
    let token = logout(TokenBuilder::new(ISS, CLIENT, NOW).sid("same"), NOW);
    for i in 0..10_000 {
        store.record(&token, at(NOW + i % 100)).unwrap();
    }
    assert_eq!(store.len(), 1);
    let other = logout(TokenBuilder::new(ISS, CLIENT, NOW).sid("other"), NOW);
    store.record(&other, at(NOW + 100)).unwrap();
    assert_eq!(store.len(), 2);
}
