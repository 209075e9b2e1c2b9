//! The per-request session decision every adapter asks: live, ended (by a
//! logout, or by outliving the markers), no session, store unavailable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use backchannel_logout::{
    Algorithm, BackendError, ClientId, EndReason, Issuer, KeySet, MemoryLogoutStore,
    MemoryReplayGuard, Receiver, SessionCheck, SessionDecision, SessionRecord, SessionStatus,
    StaticKeys, UnixTime, Validator,
};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const LOGIN: u64 = 1_767_225_600;
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

fn record(sid: &str, authenticated_at: u64) -> SessionRecord {
    SessionRecord::new(
        ISS,
        Some(sid.into()),
        Some("alice".into()),
        at(authenticated_at),
    )
    .unwrap()
}

fn receiver(
    store: Arc<MemoryLogoutStore>,
) -> Receiver<StaticKeys, MemoryReplayGuard, Arc<MemoryLogoutStore>> {
    let key = SigningKey::shared(Algorithm::RS256);
    let keys = KeySet::from_jwks(SigningKey::jwks(&[key]).as_bytes()).unwrap();
    let validator = Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .build()
        .unwrap();
    Receiver::new(
        validator,
        StaticKeys::new(Issuer::new(ISS), keys),
        MemoryReplayGuard::new(),
        store,
    )
}

async fn logout(
    r: &Receiver<StaticKeys, MemoryReplayGuard, Arc<MemoryLogoutStore>>,
    sid: &str,
    now: u64,
) {
    let token = TokenBuilder::new(ISS, CLIENT, now)
        .sid(sid)
        .sign(SigningKey::shared(Algorithm::RS256));
    let body = format!("logout_token={token}");
    let out = r.receive(FORM, body.as_bytes(), at(now)).await;
    assert_eq!(out.response.status, 200, "{:?}", out.result);
}

#[tokio::test]
async fn no_record_is_no_session() {
    let check = SessionCheck::new(MemoryLogoutStore::new());
    let d = check.check(None, at(LOGIN)).await;
    assert!(matches!(d, SessionDecision::NoSession));
    assert!(d.response().is_none() && d.live().is_none() && !d.is_ended());
}

#[tokio::test]
async fn a_session_no_logout_named_is_live() {
    let check = SessionCheck::new(MemoryLogoutStore::new());
    let d = check
        .check(Some(record("s-1", LOGIN)), at(LOGIN + 60))
        .await;
    assert_eq!(d.live().and_then(SessionRecord::sid), Some("s-1"));
    assert!(d.response().is_none());
}

#[tokio::test]
async fn a_logged_out_session_is_ended() {
    let store = Arc::new(MemoryLogoutStore::new());
    let r = receiver(Arc::clone(&store));
    let check = SessionCheck::new(Arc::clone(&store));
    logout(&r, "s-1", LOGIN + 10).await;
    let d = check
        .check(Some(record("s-1", LOGIN)), at(LOGIN + 11))
        .await;
    assert!(
        matches!(d, SessionDecision::Ended(_, EndReason::LoggedOut)),
        "{d:?}"
    );
    assert!(d.is_ended() && d.response().is_none());
    // Another session of the same user is untouched.
    let d = check
        .check(Some(record("s-2", LOGIN)), at(LOGIN + 11))
        .await;
    assert!(d.live().is_some());
}

/// The case a new user reproduced: markers kept 3 s; login, logout (200),
/// idle 4 s: the marker has expired, and the session must not come back.
#[tokio::test]
async fn a_logged_out_session_never_comes_back_when_its_marker_expires() {
    let store = Arc::new(MemoryLogoutStore::with_limits(1000, Duration::from_secs(3)));
    let r = receiver(Arc::clone(&store));
    let check = SessionCheck::new(Arc::clone(&store));
    assert_eq!(check.logout_retention(), Duration::from_secs(3));
    let login = LOGIN;
    assert!(
        check
            .check(Some(record("s-1", login)), at(login))
            .await
            .live()
            .is_some()
    );
    logout(&r, "s-1", login + 1).await;
    assert!(
        check
            .check(Some(record("s-1", login)), at(login + 1))
            .await
            .is_ended()
    );
    // Idle 4 s: the store has forgotten the logout ...
    assert!(!store.is_logged_out_now(&record("s-1", login), at(login + 5)));
    // ... but the session, older than the markers' lifetime, stays ended.
    let d = check.check(Some(record("s-1", login)), at(login + 5)).await;
    assert!(
        matches!(d, SessionDecision::Ended(_, EndReason::OutlivedRetention)),
        "{d:?}"
    );
}

#[tokio::test]
async fn a_session_older_than_the_retention_ends_exactly_at_it() {
    let store = MemoryLogoutStore::with_limits(10, Duration::from_secs(100));
    let check = SessionCheck::new(store);
    assert!(
        check
            .check(Some(record("s", LOGIN)), at(LOGIN + 99))
            .await
            .live()
            .is_some()
    );
    assert!(
        check
            .check(Some(record("s", LOGIN)), at(LOGIN + 100))
            .await
            .is_ended()
    );
}

struct Unreachable;

impl SessionStatus for Unreachable {
    async fn is_logged_out(&self, _: &SessionRecord, _: UnixTime) -> Result<bool, BackendError> {
        Err(BackendError::msg("marker store unreachable"))
    }

    fn logout_retention(&self) -> Duration {
        Duration::from_secs(3600)
    }
}

#[tokio::test]
async fn an_unavailable_store_answers_503_and_lets_nothing_through() {
    let check = SessionCheck::new(Unreachable);
    let d = check.check(Some(record("s", LOGIN)), at(LOGIN + 1)).await;
    assert!(matches!(d, SessionDecision::Unavailable(_)));
    assert!(d.live().is_none());
    let answer = d.response().unwrap();
    assert_eq!(answer.status, 503);
    assert!(answer.headers.contains(&("cache-control", "no-store")));
    // Without a session there is nothing to ask.
    assert!(check.check(None, at(LOGIN)).await.response().is_none());
    // The session layer itself failing is a 500.
    assert_eq!(check.session_layer_failed(&"disk full").status, 500);
}

/// `resolve`, the shape every adapter acts on: the answer instead of the
/// handler (503), or what the handler sees and whether to purge.
#[tokio::test]
async fn resolve_gives_each_decision_as_adapters_act_on_it() {
    let store = Arc::new(MemoryLogoutStore::new());
    let r = receiver(Arc::clone(&store));
    // A marker store converts into the check adapters take.
    let check: SessionCheck = Arc::clone(&store).into();
    logout(&r, "s-1", LOGIN + 10).await;
    let resolved = |d: SessionDecision| {
        d.resolve()
            .map(|(live, ended)| (live.map(|r| r.sid().map(str::to_owned)), ended))
    };

    let ended = check
        .check(Some(record("s-1", LOGIN)), at(LOGIN + 11))
        .await;
    assert_eq!(resolved(ended).unwrap(), (None, true));
    let live = check
        .check(Some(record("s-2", LOGIN)), at(LOGIN + 11))
        .await;
    assert_eq!(
        resolved(live).unwrap(),
        (Some(Some("s-2".to_owned())), false)
    );
    assert_eq!(
        resolved(check.check(None, at(LOGIN)).await).unwrap(),
        (None, false)
    );

    let down = SessionCheck::new(Unreachable);
    let d = down.check(Some(record("s", LOGIN)), at(LOGIN + 1)).await;
    let answer = d.resolve().unwrap_err();
    assert_eq!(answer.status, 503);
    assert!(answer.headers.contains(&("retry-after", "5")));
}
