//! The stores' one key derivation ([`StoreKey`]), and in-memory, bounded
//! stores: a replay guard and a logged-out-marker store.
//!
//! The in-memory stores serve one process. For several instances behind a
//! load balancer, use a shared store implementing the same traits
//! ([`ReplayGuard`], [`LogoutSink`], [`SessionStatus`]) with the same keys;
//! the testkit's store conformance suite checks such a store.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::claims::{LogoutScope, LogoutToken};
use crate::receive::{BackendError, Freshness, LogoutSink, ReplayGuard};
pub use crate::session::{SessionRecord, SessionStatus};
use crate::time::UnixTime;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps inconsistent
    // in a way that matters more than losing the whole store.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The stable, hashed name of a replay marker or a logged-out marker: the
/// one key derivation every store uses (the memory stores here, a shared
/// store such as one on Redis), so that instances of different
/// versions sharing one store agree on every key.
///
/// The key is SHA-256 over a versioned domain tag, the marker's kind, and
/// the issuer and the identifier, each length-prefixed: attacker-chosen
/// `jti`, `sid` and `sub` values (any length, any bytes: `:`, `*`,
/// newlines, non-ASCII) can neither collide with another pair nor inject
/// anything into a store's command, since only the digest is used. Its text
/// form ([`fmt::Display`]) is `jti:`, `sid:` or `sub:` followed by the 43
/// base64url characters of the digest, safe as (part of) a Redis key.
///
/// ```
/// use backchannel_logout::store::StoreKey;
///
/// let key = StoreKey::session("https://op.example.com", "s-1");
/// assert!(key.to_string().starts_with("sid:"));
/// assert_eq!(key.to_string().len(), 4 + 43);
/// // The issuer and the identifier are separate inputs, never concatenated.
/// assert_ne!(StoreKey::session("https://op", "a:b"), StoreKey::session("https://op:a", "b"));
/// assert_ne!(StoreKey::session("https://op", "x"), StoreKey::subject("https://op", "x"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreKey {
    kind: MarkerKind,
    digest: [u8; 32],
}

/// What a [`StoreKey`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarkerKind {
    /// A used token: `(issuer, jti)`.
    Replay,
    /// A logged-out session: `(issuer, sid)`.
    Session,
    /// A logged-out subject: `(issuer, sub)`, with the logout's `iat`.
    Subject,
}

impl MarkerKind {
    /// The tag in the key's text form and in its derivation.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            MarkerKind::Replay => "jti",
            MarkerKind::Session => "sid",
            MarkerKind::Subject => "sub",
        }
    }
}

impl StoreKey {
    /// Version 1 of the derivation. A change would be a new version with a
    /// new tag, never a silent change of this one.
    const DOMAIN: &'static [u8] = b"backchannel-logout/store-key/v1";

    fn derive(kind: MarkerKind, issuer: &str, value: &str) -> Self {
        let len = |s: &str| u64::try_from(s.len()).unwrap_or(u64::MAX).to_be_bytes();
        let digest = Sha256::new()
            .chain_update(Self::DOMAIN)
            .chain_update([0u8])
            .chain_update(kind.tag().as_bytes())
            .chain_update(len(issuer))
            .chain_update(issuer.as_bytes())
            .chain_update(len(value))
            .chain_update(value.as_bytes())
            .finalize();
        StoreKey {
            kind,
            digest: digest.into(),
        }
    }

    /// The replay marker of a token: `(issuer, jti)`.
    #[must_use]
    pub fn replay(issuer: &str, jti: &str) -> Self {
        Self::derive(MarkerKind::Replay, issuer, jti)
    }

    /// The logged-out marker of a session: `(issuer, sid)`.
    #[must_use]
    pub fn session(issuer: &str, sid: &str) -> Self {
        Self::derive(MarkerKind::Session, issuer, sid)
    }

    /// The logged-out marker of every session of a subject: `(issuer, sub)`.
    #[must_use]
    pub fn subject(issuer: &str, sub: &str) -> Self {
        Self::derive(MarkerKind::Subject, issuer, sub)
    }

    /// What the key names.
    #[must_use]
    pub fn kind(&self) -> MarkerKind {
        self.kind
    }

    /// The SHA-256 digest.
    #[must_use]
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

impl fmt::Display for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 43];
        let len = crate::jws::BASE64URL
            .encode_slice(self.digest, &mut buf)
            .map_err(|_| fmt::Error)?;
        let encoded = buf
            .get(..len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or(fmt::Error)?;
        write!(f, "{}:{encoded}", self.kind.tag())
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreKey({self})")
    }
}

/// An in-memory replay guard for one process.
///
/// Each entry is the [`StoreKey`] of `(issuer, jti)` (a 32-byte digest)
/// plus its expiry, so memory is fixed by the capacity (about 100 bytes an
/// entry: 10 MB at the default 100,000), whatever the `jti` values look like. Entries
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
    until: HashMap<StoreKey, UnixTime>,
    order: VecDeque<(StoreKey, UnixTime)>,
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
        let key = StoreKey::replay(issuer, jti);
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
        lock(&self.inner)
            .until
            .remove(&StoreKey::replay(issuer, jti));
        Ok(())
    }
}

/// In-memory logged-out markers for one process: implements
/// [`LogoutSink`] (recording markers) and [`SessionStatus`] (reading them).
///
/// A `sid` logout marks `(issuer, sid)`; a `sub`-only logout marks
/// `(issuer, sub)` with the token's `iat`, ending every session of that
/// subject authenticated before it and none after. Markers live for the
/// marker TTL (default 24 hours), which is also its
/// [`logout_retention`](SessionStatus::logout_retention): the per-request
/// [`SessionCheck`](crate::session::SessionCheck) ends any session
/// authenticated longer ago than that, so no session outlives the marker
/// that would end it. Choose the TTL as the longest a login may last.
///
/// Bounded: at most `capacity` markers (default 1,000,000). Each marker
/// is the [`StoreKey`] of `(issuer, sid)` or `(issuer, sub)` (a 32-byte
/// digest) plus its times, about 110 bytes whatever the identifiers'
/// length, so a full store holds about 110 MB. Expired markers leave first; if none has expired,
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
    /// Key of `(issuer, sid)` → marker expiry.
    sids: HashMap<StoreKey, UnixTime>,
    /// Key of `(issuer, sub)` → (latest logout `iat`, marker expiry).
    subs: HashMap<StoreKey, (UnixTime, UnixTime)>,
    /// Every marker written, oldest first. All markers live for the same
    /// TTL, so this is also expiry order: expired ones leave from the front.
    order: VecDeque<(Scope, StoreKey, UnixTime)>,
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
    fn current(&self, scope: Scope, key: &StoreKey) -> Option<UnixTime> {
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
                (Scope::Sid, StoreKey::session(logout.issuer(), sid))
            }
            LogoutScope::Subject { sub } => (Scope::Sub, StoreKey::subject(logout.issuer(), sub)),
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
            .sid()
            .map(|sid| StoreKey::session(session.issuer(), sid));
        let sub = session
            .sub()
            .map(|sub| StoreKey::subject(session.issuer(), sub));
        let m = lock(&self.inner);
        if let Some(key) = sid
            && m.sids.get(&key).is_some_and(|exp| *exp > now)
        {
            return true;
        }
        if let Some(key) = sub
            && let Some((iat, exp)) = m.subs.get(&key)
        {
            return *exp > now && session.authenticated_at() < *iat;
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

    fn logout_retention(&self) -> Duration {
        self.ttl
    }
}
