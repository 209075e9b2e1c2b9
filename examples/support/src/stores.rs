//! The stores an example runs on: in memory for one instance, on Redis
//! (`BCL_REDIS_URL`) for several behind one load balancer. One type per
//! role, whichever the backend, so that each example's wiring names one
//! replay guard and one marker store.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use backchannel_logout::{
    BackendError, Freshness, LogoutSink, LogoutToken, MemoryLogoutStore, MemoryReplayGuard,
    ReplayGuard, SessionRecord, SessionStatus, UnixTime,
};
use backchannel_logout_redis::{RedisConfig, RedisLogoutStore, RedisReplayGuard};

/// The receiver's replay guard.
#[derive(Debug)]
pub enum ReplayStore {
    /// One process.
    Memory(MemoryReplayGuard),
    /// Shared through Redis.
    Redis(RedisReplayGuard),
}

/// The logged-out markers: the receiver's sink and the session check's
/// store. Cheap to clone; clones share the markers.
#[derive(Debug, Clone)]
pub enum MarkerStore {
    /// One process.
    Memory(Arc<MemoryLogoutStore>),
    /// Shared through Redis.
    Redis(RedisLogoutStore),
}

/// The stores `redis` names (connected, with its settings checked), or
/// in-memory ones without it.
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] naming `BCL_REDIS_URL` when the server
/// cannot be reached at start: a configuration error (exit status 2).
pub async fn stores(redis: Option<&RedisConfig>) -> io::Result<(ReplayStore, MarkerStore)> {
    let Some(redis) = redis else {
        return Ok((
            ReplayStore::Memory(MemoryReplayGuard::new()),
            MarkerStore::Memory(Arc::new(MemoryLogoutStore::new())),
        ));
    };
    let stores =
        redis.clone().connect().await.map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("BCL_REDIS_URL: {e}"))
        })?;
    Ok((
        ReplayStore::Redis(stores.replay_guard()),
        MarkerStore::Redis(stores.logout_store()),
    ))
}

impl ReplayGuard for ReplayStore {
    async fn first_use(
        &self,
        issuer: &str,
        jti: &str,
        until: UnixTime,
        now: UnixTime,
    ) -> Result<Freshness, BackendError> {
        match self {
            ReplayStore::Memory(s) => s.first_use(issuer, jti, until, now).await,
            ReplayStore::Redis(s) => s.first_use(issuer, jti, until, now).await,
        }
    }

    async fn release(&self, issuer: &str, jti: &str) -> Result<(), BackendError> {
        match self {
            ReplayStore::Memory(s) => s.release(issuer, jti).await,
            ReplayStore::Redis(s) => s.release(issuer, jti).await,
        }
    }
}

impl LogoutSink for MarkerStore {
    async fn end_sessions(&self, logout: &LogoutToken, now: UnixTime) -> Result<(), BackendError> {
        match self {
            MarkerStore::Memory(s) => s.end_sessions(logout, now).await,
            MarkerStore::Redis(s) => s.end_sessions(logout, now).await,
        }
    }
}

impl SessionStatus for MarkerStore {
    async fn is_logged_out(
        &self,
        session: &SessionRecord,
        now: UnixTime,
    ) -> Result<bool, BackendError> {
        match self {
            MarkerStore::Memory(s) => s.is_logged_out(session, now).await,
            MarkerStore::Redis(s) => s.is_logged_out(session, now).await,
        }
    }

    fn logout_retention(&self) -> Duration {
        match self {
            MarkerStore::Memory(s) => s.logout_retention(),
            MarkerStore::Redis(s) => s.logout_retention(),
        }
    }
}
