//! Redis (or Valkey) stores for OpenID Connect Back-Channel Logout 1.0:
//! the replay guard and the logged-out markers, shared by every instance
//! of an application behind a load balancer.
//!
//! The provider sends its logout token to one instance; with these stores
//! every instance then treats the session as ended, and a replayed token
//! fails on every instance. The keys are the core's stable derivation
//! ([`StoreKey`]) behind a configurable prefix, so instances of different
//! versions agree.
//!
//! ```
//! use std::time::Duration;
//!
//! use backchannel_logout::store::StoreKey;
//! use backchannel_logout_redis::RedisConfig;
//!
//! let config = RedisConfig::new("redis://127.0.0.1:6379/")?
//!     .key_prefix("shop:bclogout:")
//!     // The longest a login may last: the markers' lifetime.
//!     .marker_ttl(Duration::from_secs(12 * 3600))
//!     // Every Redis call, connection included, gives up after this.
//!     .timeout(Duration::from_millis(500));
//!
//! let key = config.key(&StoreKey::session("https://op.example.com", "s-1"));
//! assert!(key.starts_with("shop:bclogout:sid:"));
//! assert_eq!(config.marker_lifetime(), Duration::from_secs(12 * 3600));
//! assert!(!config.fails_open()); // the session check fails closed (503)
//! # Ok::<(), backchannel_logout_redis::RedisStoreError>(())
//! ```
//!
//! Then, at start-up (this needs a server, so it is not run here):
//!
//! ```no_run
//! # use std::time::Duration;
//! # use backchannel_logout_redis::RedisConfig;
//! # async fn start() -> Result<(), Box<dyn std::error::Error>> {
//! let stores = RedisConfig::new("redis://127.0.0.1:6379/")?.connect().await?;
//! let replay = stores.replay_guard(); // the receiver's ReplayGuard
//! let markers = stores.logout_store(); // its LogoutSink, and the SessionCheck's SessionStatus
//! # let _ = (replay, markers);
//! # Ok(()) }
//! ```
//!
//! # What is stored
//!
//! - A used token: `PREFIX` + `jti:…` (the [`StoreKey`] of issuer and
//!   `jti`), set with one atomic `SET key 1 NX PX ttl` until the token's
//!   [`remember_jti_until`](backchannel_logout::LogoutToken::remember_jti_until);
//!   deleted again when ending the sessions failed, so the provider's retry
//!   is not refused as a replay.
//! - A logged-out session: `PREFIX` + `sid:…`, kept for the marker TTL.
//! - A logged-out subject: `PREFIX` + `sub:…` holding the latest logout's
//!   `iat` (a small script keeps the maximum, so an older logout never
//!   narrows a later one), kept for the marker TTL.
//!
//! "Is this session logged out?" is one `MGET` of its `sid` and `sub`
//! markers: one round trip.
//!
//! # Server settings that keep the promise
//!
//! - `appendonly yes`: a restarted server that forgot which tokens were
//!   used lets a replay through, and one that forgot a logged-out marker
//!   brings an ended session back.
//! - `appendfsync`: the default, `everysec`, keeps every acknowledged write
//!   across a crash of the Redis process in the common case, but a disk too
//!   slow to finish the once-a-second flush can hold writes back for up to
//!   two seconds, and a crash then loses them (a replay or an ended session
//!   let back through). `appendfsync always` closes that window at the cost
//!   of a disk flush per write; choose it where the disk is shared or slow.
//! - `maxmemory-policy noeviction`: an evicted replay key is a replay let
//!   through, an evicted marker a session brought back. With `noeviction`
//!   a full server refuses writes instead, and the endpoint answers 400.
//!
//! [`RedisConfig::connect`] reads both with `CONFIG GET` and logs a
//! warning (through `tracing`) naming each setting that differs. Managed
//! services that refuse `CONFIG` are not checked; set them there.
//!
//! # When Redis is unreachable
//!
//! Every call gives up after the [timeout](RedisConfig::timeout) with a
//! [`BackendError`]. The logout endpoint then fails closed: 400
//! `replay_store_unavailable` or `logout_failed`, never a false 200, and
//! the provider's retry is accepted once Redis is back (the connection
//! reconnects by itself). The per-request session check fails closed too
//! (the core answers 503) unless the application opts out with
//! [`RedisConfig::dangerous_fail_open_session_check`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use backchannel_logout::store::StoreKey;
use backchannel_logout::{
    BackendError, Freshness, LogoutScope, LogoutSink, LogoutToken, ReplayGuard, SessionRecord,
    SessionStatus, UnixTime,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};

/// The store could not be configured or reached at start-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The URL is not a Redis URL (`redis://`, `rediss://`, `unix://`).
    #[error("invalid redis url: {0}")]
    InvalidUrl(#[source] redis::RedisError),
    /// The marker TTL is zero: a logout would be forgotten at once.
    #[error("the marker ttl must be at least one second")]
    MarkerTtlTooShort,
    /// The timeout is zero: every call would fail.
    #[error("the redis timeout must not be zero")]
    ZeroTimeout,
    /// The server did not answer at start-up.
    #[error("cannot connect to redis: {0}")]
    Connect(#[source] redis::RedisError),
    /// The server did not answer within the timeout at start-up.
    #[error("cannot connect to redis: no answer within {0:?}")]
    ConnectTimeout(Duration),
}

/// The stores' configuration: the server, the key prefix, the markers'
/// lifetime, the timeout and the session check's policy. Plain data until
/// [`connect`](Self::connect).
#[derive(Debug, Clone)]
pub struct RedisConfig {
    client: Client,
    prefix: String,
    marker_ttl: Duration,
    timeout: Duration,
    fail_open: bool,
}

impl RedisConfig {
    /// Default key prefix.
    pub const DEFAULT_PREFIX: &'static str = "bclogout:";
    /// Default marker lifetime: 24 hours, as the in-memory store's.
    pub const DEFAULT_MARKER_TTL: Duration = Duration::from_secs(24 * 3600);
    /// Default timeout of every call: 1 second.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

    /// A configuration for the server at `url` (`redis://[user:password@]host[:port][/db]`,
    /// `rediss://` for TLS, `unix:///path`), with the defaults. Connects
    /// to nothing yet.
    ///
    /// # Errors
    ///
    /// [`RedisStoreError::InvalidUrl`] when `url` is not a Redis URL.
    pub fn new(url: &str) -> Result<Self, RedisStoreError> {
        Ok(RedisConfig {
            client: Client::open(url).map_err(RedisStoreError::InvalidUrl)?,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            marker_ttl: Self::DEFAULT_MARKER_TTL,
            timeout: Self::DEFAULT_TIMEOUT,
            fail_open: false,
        })
    }

    /// Puts every key under `prefix` (default `bclogout:`): to share one
    /// Redis database between applications, give each its own. Instances
    /// of one application must use the same prefix.
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a logged-out marker is kept (default 24 hours): choose the
    /// longest a login may last. The per-request session check ends any
    /// session authenticated longer ago
    /// ([`SessionStatus::logout_retention`]), so none outlives its marker.
    /// At least one second.
    #[must_use]
    pub fn marker_ttl(mut self, ttl: Duration) -> Self {
        self.marker_ttl = ttl;
        self
    }

    /// How long any one Redis call may take, connecting included (default
    /// 1 second). Past it the call fails: the endpoint answers 400 and the
    /// session check 503 (or lets the session through, see
    /// [`dangerous_fail_open_session_check`](Self::dangerous_fail_open_session_check)).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// **Weakens the logout.** When Redis cannot answer the per-request
    /// session check, treat the session as not logged out (live) instead
    /// of failing closed with 503. A session the provider ended then stays
    /// usable for as long as Redis is unreachable; each such pass is logged
    /// at error level. For applications that prefer availability to a
    /// prompt logout. The logout endpoint fails closed either way.
    #[must_use]
    pub fn dangerous_fail_open_session_check(mut self) -> Self {
        self.fail_open = true;
        self
    }

    /// The Redis key of `key`: the prefix, then its text form.
    #[must_use]
    pub fn key(&self, key: &StoreKey) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The marker lifetime.
    #[must_use]
    pub fn marker_lifetime(&self) -> Duration {
        self.marker_ttl
    }

    /// Whether the session check lets sessions through when Redis cannot
    /// answer ([`dangerous_fail_open_session_check`](Self::dangerous_fail_open_session_check)).
    #[must_use]
    pub fn fails_open(&self) -> bool {
        self.fail_open
    }

    /// Connects (retrying, for at most four times the timeout), checks the
    /// server's settings (a warning names each that weakens the stores'
    /// promise, see the crate docs), and returns the stores. The
    /// connection reconnects by itself whenever it breaks later.
    ///
    /// # Errors
    ///
    /// [`RedisStoreError::MarkerTtlTooShort`] or
    /// [`RedisStoreError::ZeroTimeout`] for a bad configuration;
    /// [`RedisStoreError::Connect`] or [`RedisStoreError::ConnectTimeout`]
    /// when the server cannot be reached.
    pub async fn connect(self) -> Result<RedisStores, RedisStoreError> {
        if self.marker_ttl.as_secs() == 0 {
            return Err(RedisStoreError::MarkerTtlTooShort);
        }
        if self.timeout.is_zero() {
            return Err(RedisStoreError::ZeroTimeout);
        }
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            // Reconnect quickly once the server is back: retry within a
            // few seconds, and start over on the next call after that.
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500))
            .set_number_of_retries(4);
        let connect = ConnectionManager::new_with_config(self.client.clone(), manager_config);
        // Connecting retries; bound the whole of it.
        let start_timeout = self.timeout.saturating_mul(4);
        let conn = tokio::time::timeout(start_timeout, connect)
            .await
            .map_err(|_| RedisStoreError::ConnectTimeout(start_timeout))?
            .map_err(RedisStoreError::Connect)?;
        let stores = RedisStores {
            inner: Arc::new(Shared {
                conn,
                config: self,
                sub_script: Script::new(SUB_MARKER_SCRIPT),
            }),
        };
        match stores.check_server_settings().await {
            Ok(problems) => {
                for problem in problems {
                    tracing::warn!(
                        setting = problem.setting,
                        value = %problem.value,
                        expected = problem.expected,
                        "redis setting weakens back-channel logout: {}",
                        problem.why,
                    );
                }
            }
            Err(error) => tracing::info!(
                %error,
                "could not read the redis settings (CONFIG GET refused?): make sure appendonly is yes and maxmemory-policy is noeviction"
            ),
        }
        Ok(stores)
    }
}

/// Keeps the latest logout `iat` of a subject and renews the marker's TTL,
/// atomically: KEYS[1] the marker, ARGV[1] the `iat` (seconds), ARGV[2]
/// the TTL (milliseconds).
const SUB_MARKER_SCRIPT: &str = r"
local current = redis.call('GET', KEYS[1])
if (not current) or tonumber(ARGV[1]) > tonumber(current) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
";

#[derive(Debug)]
struct Shared {
    conn: ConnectionManager,
    config: RedisConfig,
    sub_script: Script,
}

impl Shared {
    /// Runs one Redis call within the timeout.
    async fn call<T>(
        &self,
        what: &'static str,
        f: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, BackendError> {
        // The manager is a cheap handle on one multiplexed connection.
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.config.timeout, f(&mut conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(BackendError::new(format!("redis {what} failed"), e)),
            Err(_) => Err(BackendError::msg(format!(
                "redis {what}: no answer within {:?}",
                self.config.timeout
            ))),
        }
    }

    fn ttl_ms(&self) -> u64 {
        u64::try_from(self.config.marker_ttl.as_millis()).unwrap_or(u64::MAX)
    }
}

/// The connected stores: a [`RedisReplayGuard`] and a [`RedisLogoutStore`]
/// on one self-reconnecting, multiplexed connection. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RedisStores {
    inner: Arc<Shared>,
}

/// A server setting that weakens the stores' promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    /// The setting's name, as in `redis.conf`.
    pub setting: &'static str,
    /// Its value on the server.
    pub value: String,
    /// The value the stores need.
    pub expected: &'static str,
    /// What goes wrong otherwise.
    pub why: &'static str,
}

impl RedisStores {
    /// The replay guard, for the receiver.
    #[must_use]
    pub fn replay_guard(&self) -> RedisReplayGuard {
        RedisReplayGuard {
            inner: Arc::clone(&self.inner),
        }
    }

    /// The logged-out markers: the receiver's [`LogoutSink`] and the
    /// per-request check's [`SessionStatus`].
    #[must_use]
    pub fn logout_store(&self) -> RedisLogoutStore {
        RedisLogoutStore {
            inner: Arc::clone(&self.inner),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &RedisConfig {
        &self.inner.config
    }

    /// Reads `appendonly` and `maxmemory-policy` with `CONFIG GET` and
    /// returns each that differs from what the stores need (`yes`,
    /// `noeviction`). [`RedisConfig::connect`] logs them as warnings.
    ///
    /// # Errors
    ///
    /// When the server refuses `CONFIG GET` (managed services often do) or
    /// cannot answer.
    pub async fn check_server_settings(&self) -> Result<Vec<SettingProblem>, BackendError> {
        const NEEDED: [(&str, &str, &str); 2] = [
            (
                "appendonly",
                "yes",
                "a restarted server forgets which tokens were used and which sessions were logged out",
            ),
            (
                "maxmemory-policy",
                "noeviction",
                "an evicted replay key lets a replay through, an evicted marker brings a session back",
            ),
        ];
        let mut problems = Vec::new();
        for (setting, expected, why) in NEEDED {
            let pairs: Vec<(String, String)> = self
                .inner
                .call("CONFIG GET", async |c| {
                    redis::cmd("CONFIG")
                        .arg("GET")
                        .arg(setting)
                        .query_async(c)
                        .await
                })
                .await?;
            let value = pairs
                .into_iter()
                .find(|(name, _)| name == setting)
                .map(|(_, value)| value)
                .ok_or_else(|| {
                    BackendError::msg(format!("redis CONFIG GET {setting}: no such setting"))
                })?;
            if !value.eq_ignore_ascii_case(expected) {
                problems.push(SettingProblem {
                    setting,
                    value,
                    expected,
                    why,
                });
            }
        }
        Ok(problems)
    }
}

/// The replay guard on Redis: one atomic `SET key 1 NX PX ttl` per token.
#[derive(Debug, Clone)]
pub struct RedisReplayGuard {
    inner: Arc<Shared>,
}

impl ReplayGuard for RedisReplayGuard {
    async fn first_use(
        &self,
        issuer: &str,
        jti: &str,
        until: UnixTime,
        now: UnixTime,
    ) -> Result<Freshness, BackendError> {
        let key = self.inner.config.key(&StoreKey::replay(issuer, jti));
        // The server's clock runs the TTL: hand it the remaining time.
        let ttl_ms = now.secs_until(until).saturating_mul(1000).max(1);
        let set: Option<String> = self
            .inner
            .call("SET NX", async |c| {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(1)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms)
                    .query_async(c)
                    .await
            })
            .await?;
        Ok(match set {
            Some(_) => Freshness::First,
            None => Freshness::Replay,
        })
    }

    async fn release(&self, issuer: &str, jti: &str) -> Result<(), BackendError> {
        let key = self.inner.config.key(&StoreKey::replay(issuer, jti));
        self.inner
            .call("DEL", async |c| {
                redis::cmd("DEL").arg(&key).query_async::<()>(c).await
            })
            .await
    }
}

/// The logged-out markers on Redis: records them for the receiver
/// ([`LogoutSink`]) and reads them for the per-request check
/// ([`SessionStatus`]).
#[derive(Debug, Clone)]
pub struct RedisLogoutStore {
    inner: Arc<Shared>,
}

impl LogoutSink for RedisLogoutStore {
    async fn end_sessions(&self, logout: &LogoutToken, _now: UnixTime) -> Result<(), BackendError> {
        let shared = &self.inner;
        let ttl_ms = shared.ttl_ms();
        match logout.scope() {
            LogoutScope::Session { sid, .. } => {
                let key = shared.config.key(&StoreKey::session(logout.issuer(), sid));
                shared
                    .call("SET", async |c| {
                        redis::cmd("SET")
                            .arg(&key)
                            .arg(1)
                            .arg("PX")
                            .arg(ttl_ms)
                            .query_async::<()>(c)
                            .await
                    })
                    .await
            }
            LogoutScope::Subject { sub } => {
                let key = shared.config.key(&StoreKey::subject(logout.issuer(), sub));
                let iat = logout.issued_at().as_secs();
                shared
                    .call("subject marker script", async |c| {
                        shared
                            .sub_script
                            .key(&key)
                            .arg(iat)
                            .arg(ttl_ms)
                            .invoke_async::<()>(c)
                            .await
                    })
                    .await
            }
        }
    }
}

impl RedisLogoutStore {
    async fn markers(&self, session: &SessionRecord) -> Result<bool, BackendError> {
        let config = &self.inner.config;
        let sid = session
            .sid()
            .map(|sid| config.key(&StoreKey::session(session.issuer(), sid)));
        let sub = session
            .sub()
            .map(|sub| config.key(&StoreKey::subject(session.issuer(), sub)));
        let keys: Vec<&String> = sid.iter().chain(sub.iter()).collect();
        let values: Vec<Option<String>> = self
            .inner
            .call("MGET", async |c| {
                redis::cmd("MGET").arg(&keys).query_async(c).await
            })
            .await?;
        let mut values = values.into_iter();
        if sid.is_some() && values.next().flatten().is_some() {
            return Ok(true);
        }
        if sub.is_some()
            && let Some(iat) = values.next().flatten()
        {
            let iat: u64 = iat.parse().map_err(|_| {
                BackendError::msg(format!("redis subject marker holds {iat:?}, not an iat"))
            })?;
            return Ok(session.authenticated_at() < UnixTime::from_secs(iat));
        }
        Ok(false)
    }
}

impl SessionStatus for RedisLogoutStore {
    async fn is_logged_out(
        &self,
        session: &SessionRecord,
        _now: UnixTime,
    ) -> Result<bool, BackendError> {
        match self.markers(session).await {
            Err(error) if self.inner.config.fail_open => {
                tracing::error!(
                    %error,
                    "redis unavailable: letting the session through unchecked (dangerous_fail_open_session_check)"
                );
                Ok(false)
            }
            other => other,
        }
    }

    fn logout_retention(&self) -> Duration {
        self.inner.config.marker_ttl
    }
}
