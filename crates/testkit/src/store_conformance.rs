//! A conformance suite for stores: the async checks any [`ReplayGuard`]
//! plus [`LogoutSink`] + [`SessionStatus`] implementation runs against
//! itself, so that the in-memory stores, a shared store (Redis, say) and a
//! store of your own keep the same promises.
//!
//! The checks read the real clock and wait for real expiry (about 2 s
//! each for the two TTL checks), since a shared store's TTLs run on its
//! server's clock, not on the `now` passed in.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use backchannel_logout::{MemoryLogoutStore, MemoryReplayGuard};
//! use backchannel_logout_testkit::store_conformance;
//!
//! // The stores under test: fresh ones per check, markers kept `ttl`.
//! async fn make(ttl: Duration) -> (MemoryReplayGuard, Arc<MemoryLogoutStore>) {
//!     (MemoryReplayGuard::new(), Arc::new(MemoryLogoutStore::with_limits(10_000, ttl)))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! store_conformance::first_use_then_replay(make).await;
//! store_conformance::sid_logout_ends_that_session_only(make).await;
//! # }
//! ```
//!
//! In a test file, [`store_conformance_tests!`](crate::store_conformance_tests)
//! turns every check into its own `#[tokio::test]`.

// A test suite: a failed promise fails the test, loudly, with its reason.
#![allow(clippy::panic)]

use std::future::Future;
use std::time::{Duration, SystemTime};

use backchannel_logout::{
    Algorithm, ClientId, Freshness, Issuer, KeySet, LogoutSink, LogoutToken, ReplayGuard,
    SessionRecord, SessionStatus, UnixTime, Validator,
};

use crate::{SigningKey, TokenBuilder, random_id};

/// What builds the stores under test: an async function (or closure)
/// taking the markers' TTL and returning a fresh `(replay guard, logout
/// store)` pair. Implemented for every such function.
pub trait MakeStores {
    /// The replay guard.
    type Replay: ReplayGuard;
    /// The logout sink and session status (one store).
    type Logout: LogoutSink + SessionStatus;
    /// Fresh stores, markers kept `marker_ttl`.
    fn make(&self, marker_ttl: Duration) -> impl Future<Output = (Self::Replay, Self::Logout)>;
}

impl<F, Fut, R, L> MakeStores for F
where
    F: Fn(Duration) -> Fut,
    Fut: Future<Output = (R, L)>,
    R: ReplayGuard,
    L: LogoutSink + SessionStatus,
{
    type Replay = R;
    type Logout = L;

    fn make(&self, marker_ttl: Duration) -> impl Future<Output = (R, L)> {
        self(marker_ttl)
    }
}

const ISSUER: &str = "https://op.conformance.example";
const CLIENT: &str = "conformance-client";
/// The marker TTL the checks give a store, except the expiry check.
const LONG: Duration = Duration::from_secs(3600);

fn now() -> UnixTime {
    UnixTime::from_system_time(SystemTime::now())
}

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

/// A validated logout token from `issuer`, issued at `iat`.
fn logout(issuer: &str, sid: Option<&str>, sub: Option<&str>, iat: u64) -> LogoutToken {
    let key = SigningKey::shared(Algorithm::ES256);
    let mut token = TokenBuilder::new(issuer, CLIENT, iat).without("sub");
    if let Some(sid) = sid {
        token = token.sid(sid);
    }
    if let Some(sub) = sub {
        token = token.sub(sub);
    }
    let keys = KeySet::from_jwks(SigningKey::jwks(&[key]).as_bytes())
        .unwrap_or_else(|e| panic!("the testkit's own key set: {e}"));
    let validator = Validator::builder(Issuer::new(issuer), ClientId::new(CLIENT))
        .algorithms([Algorithm::ES256])
        .max_token_size(64 * 1024)
        .build()
        .unwrap_or_else(|e| panic!("configuring the conformance validator: {e}"));
    validator
        .validate(token.sign(key).as_bytes(), &keys, at(iat))
        .unwrap_or_else(|e| panic!("the conformance token must validate: {e}"))
}

fn session(issuer: &str, sid: Option<&str>, sub: Option<&str>, auth: u64) -> SessionRecord {
    SessionRecord::new(
        issuer,
        sid.map(str::to_owned),
        sub.map(str::to_owned),
        at(auth),
    )
    .unwrap_or_else(|e| panic!("conformance session record: {e}"))
}

async fn logged_out<L: SessionStatus>(store: &L, record: &SessionRecord) -> bool {
    store
        .is_logged_out(record, now())
        .await
        .unwrap_or_else(|e| panic!("is_logged_out failed: {e}"))
}

async fn end<L: LogoutSink>(store: &L, token: &LogoutToken) {
    store
        .end_sessions(token, now())
        .await
        .unwrap_or_else(|e| panic!("end_sessions failed: {e}"));
}

/// Asserts what `first_use` answers for `(issuer, jti)`.
async fn expect<R: ReplayGuard>(
    guard: &R,
    issuer: &str,
    jti: &str,
    until: UnixTime,
    want: Freshness,
) {
    let got = first_use(guard, issuer, jti, until).await;
    assert_eq!(got, want, "first_use({issuer:?}, {jti:?})");
}

async fn first_use<R: ReplayGuard>(
    guard: &R,
    issuer: &str,
    jti: &str,
    until: UnixTime,
) -> Freshness {
    guard
        .first_use(issuer, jti, until, now())
        .await
        .unwrap_or_else(|e| panic!("first_use failed: {e}"))
}

/// A token's first use is [`Freshness::First`], its second a replay; the
/// same `jti` from another issuer, or another `jti`, is a first use.
pub async fn first_use_then_replay(make: impl MakeStores) {
    let (guard, _) = make.make(LONG).await;
    let jti = random_id(16);
    let until = now().saturating_add(Duration::from_secs(600));
    expect(&guard, ISSUER, &jti, until, Freshness::First).await;
    expect(&guard, ISSUER, &jti, until, Freshness::Replay).await;
    expect(&guard, ISSUER, &random_id(16), until, Freshness::First).await;
    let other = "https://other.conformance.example";
    expect(&guard, other, &jti, until, Freshness::First).await;
}

/// After [`ReplayGuard::release`] (ending the sessions failed), the
/// provider's retry of the same token is a first use again.
pub async fn release_lets_the_retry_through(make: impl MakeStores) {
    let (guard, _) = make.make(LONG).await;
    let jti = random_id(16);
    let until = now().saturating_add(Duration::from_secs(600));
    expect(&guard, ISSUER, &jti, until, Freshness::First).await;
    guard
        .release(ISSUER, &jti)
        .await
        .unwrap_or_else(|e| panic!("release failed: {e}"));
    expect(&guard, ISSUER, &jti, until, Freshness::First).await;
    expect(&guard, ISSUER, &jti, until, Freshness::Replay).await;
}

/// A `jti` is remembered until the time given, and no longer.
pub async fn replay_marker_expires(make: impl MakeStores) {
    let (guard, _) = make.make(LONG).await;
    let jti = random_id(16);
    let until = now().saturating_add(Duration::from_secs(1));
    expect(&guard, ISSUER, &jti, until, Freshness::First).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let until = now().saturating_add(Duration::from_secs(600));
    expect(&guard, ISSUER, &jti, until, Freshness::First).await;
}

/// A logout naming a `sid` ends that session, and neither the user's
/// other sessions nor the same `sid` from another issuer.
pub async fn sid_logout_ends_that_session_only(make: impl MakeStores) {
    let (_, store) = make.make(LONG).await;
    let t = now().as_secs();
    end(&store, &logout(ISSUER, Some("s-1"), Some("alice"), t)).await;
    assert!(logged_out(&store, &session(ISSUER, Some("s-1"), Some("alice"), t - 10)).await);
    assert!(logged_out(&store, &session(ISSUER, Some("s-1"), None, t - 10)).await);
    assert!(!logged_out(&store, &session(ISSUER, Some("s-2"), Some("alice"), t - 10)).await);
    assert!(!logged_out(&store, &session(ISSUER, None, Some("alice"), t - 10)).await);
    let other = "https://other.conformance.example";
    assert!(!logged_out(&store, &session(other, Some("s-1"), Some("alice"), t - 10)).await);
}

/// A `sub`-only logout ends every session of that subject authenticated
/// before its `iat`, none authenticated after, and no other subject's.
pub async fn sub_logout_ends_sessions_before_its_iat(make: impl MakeStores) {
    let (_, store) = make.make(LONG).await;
    let t = now().as_secs();
    end(&store, &logout(ISSUER, None, Some("alice"), t)).await;
    assert!(logged_out(&store, &session(ISSUER, Some("a"), Some("alice"), t - 100)).await);
    assert!(logged_out(&store, &session(ISSUER, None, Some("alice"), t - 1)).await);
    assert!(!logged_out(&store, &session(ISSUER, Some("b"), Some("alice"), t + 1)).await);
    assert!(!logged_out(&store, &session(ISSUER, Some("a"), Some("bob"), t - 100)).await);
    // An older logout of the same subject never narrows a later one.
    end(&store, &logout(ISSUER, None, Some("alice"), t - 50)).await;
    assert!(logged_out(&store, &session(ISSUER, None, Some("alice"), t - 10)).await);
}

/// Markers live for the store's TTL, which is also its
/// [`SessionStatus::logout_retention`].
pub async fn markers_expire_after_their_ttl(make: impl MakeStores) {
    let ttl = Duration::from_secs(1);
    let (_, store) = make.make(ttl).await;
    assert_eq!(store.logout_retention(), ttl);
    let t = now().as_secs();
    end(&store, &logout(ISSUER, Some("s-1"), None, t)).await;
    end(&store, &logout(ISSUER, None, Some("bob"), t)).await;
    let by_sid = session(ISSUER, Some("s-1"), None, t - 10);
    let by_sub = session(ISSUER, None, Some("bob"), t - 10);
    assert!(logged_out(&store, &by_sid).await && logged_out(&store, &by_sub).await);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(
        !logged_out(&store, &by_sid).await && !logged_out(&store, &by_sub).await,
        "markers must expire after the TTL (the session check ends older sessions itself)"
    );
}

/// Hostile identifiers (very long, with `:`, `*`, newlines, NUL,
/// non-ASCII, and pairs that concatenate to the same text) neither break
/// the store nor collide.
pub async fn hostile_identifiers_neither_collide_nor_break(make: impl MakeStores) {
    let (guard, store) = make.make(LONG).await;
    let t = now().as_secs();
    let long = "x".repeat(10_000);
    let hostile = [
        "a:b",
        "*",
        "sid:*",
        "line\nbreak\r\n",
        "nul\0byte",
        "ünïcødé 🔑",
        "\"quoted\" 'and' `ticks` & % + =",
        long.as_str(),
    ];
    for sid in hostile {
        end(&store, &logout(ISSUER, Some(sid), None, t)).await;
        assert!(
            logged_out(&store, &session(ISSUER, Some(sid), None, t - 1)).await,
            "{sid:?}"
        );
    }
    // The same text split differently between issuer and sid, or between
    // sid and sub, is another marker.
    let (iss_a, sid_a) = ("https://op.conformance.example/t", "1:2");
    let (iss_b, sid_b) = ("https://op.conformance.example/t:1", "2");
    end(&store, &logout(iss_a, Some(sid_a), None, t)).await;
    assert!(!logged_out(&store, &session(iss_b, Some(sid_b), None, t - 1)).await);
    assert!(!logged_out(&store, &session(ISSUER, Some("a"), None, t - 1)).await);
    assert!(!logged_out(&store, &session(ISSUER, None, Some("a:b"), t - 1)).await);
    assert!(!logged_out(&store, &session(ISSUER, Some(&long[1..]), None, t - 1)).await);

    let until = now().saturating_add(Duration::from_secs(600));
    for jti in hostile {
        expect(&guard, ISSUER, jti, until, Freshness::First).await;
        expect(&guard, ISSUER, jti, until, Freshness::Replay).await;
    }
    expect(&guard, iss_b, sid_b, until, Freshness::First).await;
    expect(&guard, iss_a, sid_a, until, Freshness::First).await;
}

/// Every check of the suite as its own `#[tokio::test]`, for the stores
/// `make` builds: an async function (or closure) taking the markers' TTL
/// and returning a fresh `(replay guard, logout store)` pair.
///
/// ```ignore
/// async fn make(ttl: Duration) -> (MemoryReplayGuard, MemoryLogoutStore) { .. }
/// backchannel_logout_testkit::store_conformance_tests!(make);
/// ```
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@cases $make;
            first_use_then_replay,
            release_lets_the_retry_through,
            replay_marker_expires,
            sid_logout_ends_that_session_only,
            sub_logout_ends_sessions_before_its_iat,
            markers_expire_after_their_ttl,
            hostile_identifiers_neither_collide_nor_break,
        );
    };
    (@cases $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                $crate::store_conformance::$check($make).await;
            }
        )*
    };
}
