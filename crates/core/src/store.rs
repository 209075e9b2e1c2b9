//! What the application records at login, and in-memory, bounded stores:
//! a replay guard and a logged-out-marker store.
//!
//! The in-memory stores serve one process. For several instances behind a
//! load balancer, use shared stores (the `backchannel-logout-redis` crate)
//! implementing the same traits.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::claims::{LogoutScope, LogoutToken};
use crate::error::{Error, Expected};
use crate::receive::{BackendError, Freshness, LogoutSink, ReplayGuard};
use crate::time::UnixTime;

/// What the application records at login, to match logout tokens later:
/// the validated ID token's issuer, `sid` and `sub`, and when the session
/// was authenticated. Small and serializable into any session store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// `iss` of the ID token.
    pub issuer: String,
    /// `sid` of the ID token, if the provider sent one.
    pub sid: Option<String>,
    /// `sub` of the ID token.
    pub sub: Option<String>,
    /// When this session was authenticated (the login time).
    pub authenticated_at: UnixTime,
}

impl SessionRecord {
    /// A record from its parts.
    pub fn new(
        issuer: impl Into<String>,
        sid: Option<String>,
        sub: Option<String>,
        authenticated_at: UnixTime,
    ) -> Self {
        SessionRecord {
            issuer: issuer.into(),
            sid,
            sub,
            authenticated_at,
        }
    }

    /// A record from the claims of an ID token the application has
    /// validated at login, with `now` as the authentication time of this
    /// session.
    ///
    /// # Errors
    ///
    /// [`Error::MissingClaim`] without `iss`; [`Error::InvalidClaimType`]
    /// when `iss`, `sid` or `sub` is not a string;
    /// [`Error::MissingSubjectAndSession`] with neither `sid` nor `sub`.
    pub fn from_id_token_claims(claims: &Map<String, Value>, now: UnixTime) -> Result<Self, Error> {
        fn string(
            claims: &Map<String, Value>,
            name: &'static str,
        ) -> Result<Option<String>, Error> {
            match claims.get(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::InvalidClaimType {
                    name,
                    expected: Expected::String,
                }),
            }
        }
        let issuer = string(claims, "iss")?.ok_or(Error::MissingClaim { name: "iss" })?;
        let sid = string(claims, "sid")?;
        let sub = string(claims, "sub")?;
        if sid.is_none() && sub.is_none() {
            return Err(Error::MissingSubjectAndSession);
        }
        Ok(SessionRecord::new(issuer, sid, sub, now))
    }
}

/// Answers "was this session logged out?" for the adapters' per-request check.
pub trait SessionStatus: Send + Sync {
    /// Whether a logout token ended `session`: one naming its `(issuer,
    /// sid)`, or a `sub`-only one naming its `(issuer, sub)` issued after
    /// the session was authenticated.
    fn is_logged_out(
        &self,
        session: &SessionRecord,
        now: UnixTime,
    ) -> impl Future<Output = Result<bool, BackendError>> + Send;
}

impl<T: SessionStatus> SessionStatus for std::sync::Arc<T> {
    fn is_logged_out(
        &self,
        session: &SessionRecord,
        now: UnixTime,
    ) -> impl Future<Output = Result<bool, BackendError>> + Send {
        (**self).is_logged_out(session, now)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps inconsistent
    // in a way that matters more than losing the whole store.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

type Fingerprint = [u8; 16];

fn fingerprint(issuer: &str, jti: &str) -> Fingerprint {
    let digest = Sha256::new()
        .chain_update(issuer.as_bytes())
        .chain_update([0u8])
        .chain_update(jti.as_bytes())
        .finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(digest.get(..16).unwrap_or(&[0u8; 16]));
    out
}

/// An in-memory replay guard for one process.
///
/// Each entry is a 16-byte fingerprint of `(issuer, jti)` plus its expiry,
/// so memory is fixed by the capacity (about 64 bytes an entry: 6.4 MB at
/// the default 100,000), whatever the `jti` values look like. Entries
/// expire at [`LogoutToken::remember_jti_until`]. Only validly signed
/// tokens reach the guard, so only the provider can fill it; when full,
/// expired entries are dropped first, then the oldest, whose replay
/// protection then lapses early. A replayed logout token ends nothing new
/// (the sessions it names are already ended), so this bounds memory at no
/// real cost.
#[derive(Debug)]
pub struct MemoryReplayGuard {
    inner: Mutex<ReplayEntries>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct ReplayEntries {
    until: HashMap<Fingerprint, UnixTime>,
    order: VecDeque<(Fingerprint, UnixTime)>,
}

impl MemoryReplayGuard {
    /// Default capacity: 100,000 entries, 10,000 logouts a minute for the
    /// default 10-minute maximum age.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A guard with the default capacity.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A guard remembering at most `capacity` tokens (at least 1).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryReplayGuard {
            inner: Mutex::new(ReplayEntries::default()),
            capacity: capacity.max(1),
        }
    }

    /// Number of remembered tokens.
    #[must_use]
    pub fn len(&self) -> usize {
        lock(&self.inner).until.len()
    }

    /// Whether no token is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn first_use_now(&self, issuer: &str, jti: &str, until: UnixTime, now: UnixTime) -> Freshness {
        let key = fingerprint(issuer, jti);
        let mut e = lock(&self.inner);
        if let Some(&t) = e.until.get(&key)
            && t > now
        {
            return Freshness::Replay;
        }
        // Drop expired entries from the front, then make room.
        while let Some(&(k, t)) = e.order.front() {
            let full = e.order.len() >= self.capacity;
            if t > now && !full {
                break;
            }
            e.order.pop_front();
            if e.until.get(&k) == Some(&t) {
                e.until.remove(&k);
            }
        }
        e.until.insert(key, until);
        e.order.push_back((key, until));
        Freshness::First
    }
}

impl Default for MemoryReplayGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplayGuard for MemoryReplayGuard {
    async fn first_use(
        &self,
        issuer: &str,
        jti: &str,
        until: UnixTime,
        now: UnixTime,
    ) -> Result<Freshness, BackendError> {
        Ok(self.first_use_now(issuer, jti, until, now))
    }

    async fn release(&self, issuer: &str, jti: &str) -> Result<(), BackendError> {
        lock(&self.inner).until.remove(&fingerprint(issuer, jti));
        Ok(())
    }
}

/// In-memory logged-out markers for one process: implements
/// [`LogoutSink`] (recording markers) and [`SessionStatus`] (reading them).
///
/// A `sid` logout marks `(issuer, sid)`; a `sub`-only logout marks
/// `(issuer, sub)` with the token's `iat`, ending every session of that
/// subject authenticated before it and none after. Markers live for the
/// marker TTL (default 24 hours): set it to at least your sessions' lifetime.
///
/// Bounded: at most `capacity` markers (default 1,000,000). Each marker
/// is a 16-byte fingerprint of `(issuer, sid)` or `(issuer, sub)` plus its
/// times, about 70 bytes whatever the identifiers' length, so a full store
/// holds about 70 MB. Expired markers leave first; if none has expired,
/// recording fails, the receiver answers 400 and the provider learns the
/// logout did not happen, rather than a marker being silently lost.
#[derive(Debug)]
pub struct MemoryLogoutStore {
    inner: Mutex<Markers>,
    ttl: Duration,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Markers {
    /// Fingerprint of `(issuer, sid)` → marker expiry.
    sids: HashMap<Fingerprint, UnixTime>,
    /// Fingerprint of `(issuer, sub)` → (latest logout `iat`, marker expiry).
    subs: HashMap<Fingerprint, (UnixTime, UnixTime)>,
    /// Every marker written, oldest first. All markers live for the same
    /// TTL, so this is also expiry order: expired ones leave from the front.
    order: VecDeque<(Scope, Fingerprint, UnixTime)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Sid,
    Sub,
}

impl Markers {
    fn len(&self) -> usize {
        self.sids.len() + self.subs.len()
    }

    /// The expiry the map holds for a queued marker, if it is still that one.
    fn current(&self, scope: Scope, key: &Fingerprint) -> Option<UnixTime> {
        match scope {
            Scope::Sid => self.sids.get(key).copied(),
            Scope::Sub => self.subs.get(key).map(|(_, exp)| *exp),
        }
    }

    /// Drops expired markers, and queue entries superseded by a later
    /// write of the same marker, from the front.
    fn expire(&mut self, now: UnixTime) {
        while let Some(&(scope, key, exp)) = self.order.front() {
            let live = self.current(scope, &key) == Some(exp);
            if live && exp > now {
                break;
            }
            self.order.pop_front();
            if live {
                match scope {
                    Scope::Sid => self.sids.remove(&key),
                    Scope::Sub => self.subs.remove(&key).map(|(_, e)| e),
                };
            }
        }
    }
}

fn marker_key(scope: Scope, issuer: &str, name: &str) -> Fingerprint {
    let tag = match scope {
        Scope::Sid => "sid",
        Scope::Sub => "sub",
    };
    fingerprint(issuer, &format!("{tag}\0{name}"))
}

impl MemoryLogoutStore {
    /// Default capacity: 1,000,000 markers (about 80 MB when full).
    pub const DEFAULT_CAPACITY: usize = 1_000_000;
    /// Default marker lifetime: 24 hours.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

    /// A store with the default capacity and TTL.
    #[must_use]
    pub fn new() -> Self {
        Self::with_limits(Self::DEFAULT_CAPACITY, Self::DEFAULT_TTL)
    }

    /// A store holding at most `capacity` markers (at least 1), each for `ttl`.
    #[must_use]
    pub fn with_limits(capacity: usize, ttl: Duration) -> Self {
        MemoryLogoutStore {
            inner: Mutex::new(Markers::default()),
            ttl,
            capacity: capacity.max(1),
        }
    }

    /// Number of markers held (expired ones included until purged).
    #[must_use]
    pub fn len(&self) -> usize {
        lock(&self.inner).len()
    }

    /// Whether no marker is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records the markers for `logout`.
    ///
    /// # Errors
    ///
    /// When the store is full of unexpired markers.
    pub fn record(&self, logout: &LogoutToken, now: UnixTime) -> Result<(), BackendError> {
        let expires = now.saturating_add(self.ttl);
        let (scope, key) = match logout.scope() {
            LogoutScope::Session { sid, .. } => {
                (Scope::Sid, marker_key(Scope::Sid, logout.issuer(), sid))
            }
            LogoutScope::Subject { sub } => {
                (Scope::Sub, marker_key(Scope::Sub, logout.issuer(), sub))
            }
        };
        let mut m = lock(&self.inner);
        m.expire(now);
        if m.current(scope, &key).is_none() && m.len() >= self.capacity {
            return Err(BackendError::msg(format!(
                "logged-out marker store is full ({} markers)",
                self.capacity
            )));
        }
        match scope {
            Scope::Sid => {
                m.sids.insert(key, expires);
            }
            Scope::Sub => {
                let iat = logout.issued_at();
                let entry = m.subs.entry(key).or_insert((iat, expires));
                entry.0 = entry.0.max(iat);
                entry.1 = expires;
            }
        }
        m.order.push_back((scope, key, expires));
        if m.order.len() > self.capacity.saturating_mul(2) {
            // Rewrites of the same markers left superseded entries behind.
            let Markers { sids, subs, order } = &mut *m;
            order.retain(|(scope, key, exp)| match scope {
                Scope::Sid => sids.get(key) == Some(exp),
                Scope::Sub => subs.get(key).map(|(_, e)| e) == Some(exp),
            });
        }
        Ok(())
    }

    /// Whether `session` was logged out, synchronously.
    #[must_use]
    pub fn is_logged_out_now(&self, session: &SessionRecord, now: UnixTime) -> bool {
        let sid = session
            .sid
            .as_deref()
            .map(|sid| marker_key(Scope::Sid, &session.issuer, sid));
        let sub = session
            .sub
            .as_deref()
            .map(|sub| marker_key(Scope::Sub, &session.issuer, sub));
        let m = lock(&self.inner);
        if let Some(key) = sid
            && m.sids.get(&key).is_some_and(|exp| *exp > now)
        {
            return true;
        }
        if let Some(key) = sub
            && let Some((iat, exp)) = m.subs.get(&key)
        {
            return *exp > now && session.authenticated_at < *iat;
        }
        false
    }
}

impl Default for MemoryLogoutStore {
    fn default() -> Self {
        Self::new()
    }
}

impl LogoutSink for MemoryLogoutStore {
    async fn end_sessions(&self, logout: &LogoutToken, now: UnixTime) -> Result<(), BackendError> {
        self.record(logout, now)
    }
}

impl SessionStatus for MemoryLogoutStore {
    async fn is_logged_out(
        &self,
        session: &SessionRecord,
        now: UnixTime,
    ) -> Result<bool, BackendError> {
        Ok(self.is_logged_out_now(session, now))
    }
}
