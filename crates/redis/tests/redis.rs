//! What the Redis stores promise beyond the conformance suite: the
//! start-up settings check, the key prefix, failing closed while the
//! server is down, and recovery without loss after its restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant, SystemTime};

use backchannel_logout::{
    Algorithm, ClientId, Freshness, Issuer, KeySet, LogoutSink, LogoutToken, ReplayGuard,
    SessionRecord, SessionStatus, UnixTime, Validator,
};
use backchannel_logout_redis::{RedisConfig, RedisStoreError};
use backchannel_logout_testkit::redis_server::{Durability, RedisServer};
use backchannel_logout_testkit::{SigningKey, TokenBuilder, random_id};

const ISSUER: &str = "https://op.example.com";
const TIMEOUT: Duration = Duration::from_millis(300);

fn now() -> UnixTime {
    UnixTime::from_system_time(SystemTime::now())
}

fn logout(sid: Option<&str>, sub: Option<&str>, iat: u64) -> LogoutToken {
    let key = SigningKey::shared(Algorithm::ES256);
    let mut token = TokenBuilder::new(ISSUER, "client", iat).without("sub");
    if let Some(sid) = sid {
        token = token.sid(sid);
    }
    if let Some(sub) = sub {
        token = token.sub(sub);
    }
    let keys = KeySet::from_jwks(SigningKey::jwks(&[key]).as_bytes()).unwrap();
    Validator::builder(Issuer::new(ISSUER), ClientId::new("client"))
        .algorithms([Algorithm::ES256])
        .build()
        .unwrap()
        .validate(token.sign(key).as_bytes(), &keys, UnixTime::from_secs(iat))
        .unwrap()
}

fn session(sid: Option<&str>, sub: Option<&str>, auth: UnixTime) -> SessionRecord {
    SessionRecord::new(ISSUER, sid.map(str::to_owned), sub.map(str::to_owned), auth).unwrap()
}

#[tokio::test]
async fn start_up_check_names_appendonly_when_it_is_off() {
    let server = RedisServer::start(Durability::Ephemeral);
    let stores = RedisConfig::new(&server.url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let problems = stores.check_server_settings().await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].setting, "appendonly");
    assert_eq!(problems[0].value, "no");
    assert_eq!(problems[0].expected, "yes");
}

#[tokio::test]
async fn start_up_check_passes_a_durable_noeviction_server() {
    let server = RedisServer::start(Durability::AppendOnly);
    let stores = RedisConfig::new(&server.url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    assert_eq!(stores.check_server_settings().await.unwrap(), vec![]);
}

#[tokio::test]
async fn connecting_to_no_server_fails_with_a_connect_error() {
    let server = RedisServer::start(Durability::Ephemeral);
    let url = server.url();
    drop(server);
    let err = RedisConfig::new(&url)
        .unwrap()
        .timeout(TIMEOUT)
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RedisStoreError::Connect(_) | RedisStoreError::ConnectTimeout(_)
        ),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("cannot connect to redis"),
        "{err}"
    );
}

#[test]
fn bad_configuration_is_refused() {
    assert!(matches!(
        RedisConfig::new("http://127.0.0.1/"),
        Err(RedisStoreError::InvalidUrl(_))
    ));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = RedisConfig::new("redis://127.0.0.1:1/").unwrap();
    let err = rt
        .block_on(
            config
                .clone()
                .marker_ttl(Duration::from_millis(500))
                .connect(),
        )
        .unwrap_err();
    assert!(matches!(err, RedisStoreError::MarkerTtlTooShort), "{err}");
    let err = rt
        .block_on(config.timeout(Duration::ZERO).connect())
        .unwrap_err();
    assert!(matches!(err, RedisStoreError::ZeroTimeout), "{err}");
}

#[tokio::test]
async fn applications_with_different_prefixes_do_not_see_each_other() {
    let server = RedisServer::start(Durability::Ephemeral);
    let a = RedisConfig::new(&server.url())
        .unwrap()
        .key_prefix("app-a:")
        .connect()
        .await
        .unwrap();
    let b = RedisConfig::new(&server.url())
        .unwrap()
        .key_prefix("app-b:")
        .connect()
        .await
        .unwrap();
    let t = now();
    let jti = random_id(16);
    let until = t.saturating_add(Duration::from_secs(60));
    let first = |s: &backchannel_logout_redis::RedisStores| {
        let guard = s.replay_guard();
        let jti = jti.clone();
        async move { guard.first_use(ISSUER, &jti, until, t).await.unwrap() }
    };
    assert_eq!(first(&a).await, Freshness::First);
    assert_eq!(first(&b).await, Freshness::First);
    assert_eq!(first(&a).await, Freshness::Replay);

    a.logout_store()
        .end_sessions(&logout(Some("s-1"), None, t.as_secs()), t)
        .await
        .unwrap();
    let record = session(Some("s-1"), None, UnixTime::from_secs(t.as_secs() - 5));
    assert!(a.logout_store().is_logged_out(&record, t).await.unwrap());
    assert!(!b.logout_store().is_logged_out(&record, t).await.unwrap());
}

/// While the server is down every call fails within the timeout (the
/// endpoint answers 400, the check 503); after the restart, on the same
/// data, the provider's retry goes through and no marker is lost.
#[tokio::test]
async fn fails_closed_while_down_and_recovers_without_loss() {
    let mut server = RedisServer::start(Durability::AppendOnly);
    let stores = RedisConfig::new(&server.url())
        .unwrap()
        .timeout(TIMEOUT)
        .connect()
        .await
        .unwrap();
    let (guard, markers) = (stores.replay_guard(), stores.logout_store());
    let t = now();
    let until = t.saturating_add(Duration::from_secs(600));
    let before = UnixTime::from_secs(t.as_secs() - 5);
    markers
        .end_sessions(&logout(Some("s-before"), None, t.as_secs()), t)
        .await
        .unwrap();
    markers
        .end_sessions(&logout(None, Some("alice"), t.as_secs()), t)
        .await
        .unwrap();
    let used = random_id(16);
    assert_eq!(
        guard.first_use(ISSUER, &used, until, t).await.unwrap(),
        Freshness::First
    );

    server.stop();
    let jti = random_id(16);
    let started = Instant::now();
    let err = guard.first_use(ISSUER, &jti, until, t).await.unwrap_err();
    assert!(err.to_string().contains("redis"), "{err}");
    markers
        .end_sessions(&logout(Some("s-down"), None, t.as_secs()), t)
        .await
        .unwrap_err();
    markers
        .is_logged_out(&session(Some("s-live"), None, before), t)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < TIMEOUT * 3 + Duration::from_millis(500),
        "each call gives up within the timeout: {:?}",
        started.elapsed()
    );

    server.restart();
    // The connection comes back by itself; the first calls may still see
    // the broken one.
    let deadline = Instant::now() + Duration::from_secs(10);
    let fresh = loop {
        match guard.first_use(ISSUER, &jti, until, t).await {
            Ok(f) => break f,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("no recovery after restart: {e}"),
        }
    };
    assert_eq!(fresh, Freshness::First, "the failed attempt left no marker");
    assert_eq!(
        guard.first_use(ISSUER, &used, until, t).await.unwrap(),
        Freshness::Replay,
        "a token used before the restart is still a replay"
    );
    assert!(
        markers
            .is_logged_out(&session(Some("s-before"), None, before), t)
            .await
            .unwrap()
    );
    assert!(
        markers
            .is_logged_out(&session(Some("other"), Some("alice"), before), t)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn fail_open_session_check_lets_sessions_through_only_when_asked() {
    let mut server = RedisServer::start(Durability::Ephemeral);
    let open = RedisConfig::new(&server.url())
        .unwrap()
        .timeout(TIMEOUT)
        .dangerous_fail_open_session_check()
        .connect()
        .await
        .unwrap();
    assert!(open.config().fails_open());
    let closed = RedisConfig::new(&server.url())
        .unwrap()
        .timeout(TIMEOUT)
        .connect()
        .await
        .unwrap();
    server.stop();
    let record = session(Some("s-1"), None, now());
    assert!(
        !open
            .logout_store()
            .is_logged_out(&record, now())
            .await
            .unwrap()
    );
    closed
        .logout_store()
        .is_logged_out(&record, now())
        .await
        .unwrap_err();
    // The endpoint fails closed whatever the session check's policy.
    let t = now();
    open.logout_store()
        .end_sessions(&logout(Some("s-1"), None, t.as_secs()), t)
        .await
        .unwrap_err();
}
