//! The key source: per-issuer caches, single-flight fetches, the cooldown on
//! unknown-`kid` refreshes, stale-if-error, and the background refresher.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

use backchannel_logout::{AlgorithmSet, BackendError, Issuer, KeySet, KeySource};
use tokio::sync::watch;
use url::Url;

use crate::cache::TtlPolicy;
use crate::discovery::{self, DiscoveryWarning};
use crate::error::{BuildError, Error, chain};
use crate::fetch::{Http, discovery_url, url_allowed};
use crate::metrics::{Counter, Metrics, MetricsSnapshot};

/// Longest duration any option takes; longer values are capped to it (so
/// that no deadline computation can overflow).
const ONE_YEAR: Duration = Duration::from_secs(366 * 24 * 3600);

/// The provider's keys, fetched over HTTP (by discovery from the issuer, or
/// from a `jwks_uri`), cached and refreshed: the [`KeySource`] to give a
/// [`backchannel_logout::Receiver`].
///
/// Cheap to clone: clones share the caches, the HTTP client and the
/// counters. Build it with [`JwksKeySource::builder`], then call
/// [`JwksKeySource::start`] once at startup.
///
/// What it does, per issuer:
///
/// - keys are parsed once per fetch and shared (`Arc<KeySet>`);
/// - a key set is fresh for the provider's `Cache-Control: max-age`, held
///   within [`min_ttl`](JwksKeySourceBuilder::min_ttl) and
///   [`max_ttl`](JwksKeySourceBuilder::max_ttl); it is refetched in the
///   background when three quarters of that time have passed;
/// - a token naming an unknown `kid` triggers one refetch per
///   [`cooldown`](JwksKeySourceBuilder::cooldown), whatever the number of
///   such tokens;
/// - concurrent callers that need a fetch share one (single flight);
/// - when a fetch fails (unreachable, timeout, HTTP error, a document that is
///   too large, unparsable or without a usable key), the last good keys stay
///   in use, past their TTL if need be (stale-if-error), and the failure is
///   logged at `WARN`; a fetch is retried at most once per cooldown.
#[derive(Clone)]
pub struct JwksKeySource {
    inner: Arc<Inner>,
}

impl fmt::Debug for JwksKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksKeySource")
            .field("issuers", &self.inner.order)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Inner {
    caches: HashMap<Issuer, Arc<IssuerCache>>,
    order: Vec<Issuer>,
    http: Http,
    ttl: TtlPolicy,
    cooldown: Duration,
    started: AtomicBool,
    // Dropped with the last clone: the background refreshers then stop.
    shutdown: watch::Sender<()>,
}

#[derive(Debug)]
enum Endpoint {
    Discovery(Url),
    Jwks(Url),
}

#[derive(Debug)]
struct IssuerCache {
    issuer: Issuer,
    endpoint: Endpoint,
    algorithms: Option<AlgorithmSet>,
    metrics: Metrics,
    state: Mutex<State>,
}

/// The result of one fetch, shared by every caller waiting on it.
type Outcome = Result<Arc<KeySet>, Error>;

#[derive(Debug, Default)]
struct State {
    /// The last good key set: never replaced by a failed fetch.
    keys: Option<Arc<KeySet>>,
    jwks_uri: Option<Url>,
    fetched_at: Option<SystemTime>,
    expires_at: Option<Instant>,
    refresh_at: Option<Instant>,
    last_attempt: Option<Instant>,
    /// Set when the last fetch failed, cleared by a success.
    last_error: Option<Error>,
    last_kid_refetch: Option<Instant>,
    warnings: Option<Vec<DiscoveryWarning>>,
    /// The fetch in flight, if any: callers join it instead of starting one.
    inflight: Option<watch::Receiver<Option<Outcome>>>,
}

/// Why a fetch started, for the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Prefetch,
    Initial,
    Expired,
    Ahead,
    Scheduled,
    UnknownKid,
}

struct Fetched {
    keys: KeySet,
    ttl: Duration,
    jwks_uri: Url,
    warnings: Option<Vec<DiscoveryWarning>>,
}

/// What [`JwksKeySource::status`] tells about one issuer: for health checks
/// and admin pages.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuerStatus {
    /// The issuer.
    pub issuer: Issuer,
    /// The key set URL: configured, or read from the discovery document.
    pub jwks_uri: Option<Url>,
    /// The keys in use, if a fetch ever succeeded.
    pub keys: Option<Arc<KeySet>>,
    /// When the keys in use were fetched.
    pub fetched_at: Option<SystemTime>,
    /// Whether the keys in use are past their TTL (the provider could not be
    /// reached since).
    pub stale: bool,
    /// Why the last fetch failed, if it did.
    pub last_error: Option<Error>,
    /// What the last discovery document deserved a warning for.
    pub warnings: Vec<DiscoveryWarning>,
    /// This issuer's counters.
    pub metrics: MetricsSnapshot,
}

impl IssuerCache {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent after every statement: a panic elsewhere
        // while holding the lock leaves nothing half-done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The keys in use, counted as stale if past their TTL; or, without any,
    /// `err`, the last error, or "not fetched".
    fn current(&self, st: &State, now: Instant, err: Option<Error>) -> Outcome {
        match &st.keys {
            Some(keys) => {
                if st.expires_at.is_some_and(|e| now >= e) {
                    self.metrics.incr(Counter::StaleServed);
                    tracing::debug!(
                        issuer = self.issuer.as_str(),
                        "serving keys past their TTL: no fresh key set could be had"
                    );
                }
                Ok(Arc::clone(keys))
            }
            None => {
                Err(err
                    .or_else(|| st.last_error.clone())
                    .unwrap_or_else(|| Error::NotFetched {
                        issuer: self.issuer.as_str().to_owned(),
                    }))
            }
        }
    }

    /// Records a finished fetch; returns what the waiting callers get.
    fn complete(&self, result: Result<Fetched, Error>) -> Outcome {
        let now = Instant::now();
        let mut st = self.lock();
        st.inflight = None;
        let issuer = self.issuer.as_str();
        match result {
            Ok(f) => {
                if let Some(warnings) = f.warnings {
                    if st.warnings.as_ref() != Some(&warnings) {
                        for w in &warnings {
                            tracing::warn!(issuer, warning = %w, "provider discovery document");
                        }
                    }
                    st.warnings = Some(warnings);
                }
                tracing::info!(
                    issuer,
                    url = %f.jwks_uri,
                    keys = f.keys.len(),
                    skipped = f.keys.skipped_count(),
                    ttl_secs = f.ttl.as_secs(),
                    "key set fetched"
                );
                for s in f.keys.skipped() {
                    tracing::debug!(issuer, key = %s, "key skipped");
                }
                let keys = Arc::new(f.keys);
                st.keys = Some(Arc::clone(&keys));
                st.jwks_uri = Some(f.jwks_uri);
                st.fetched_at = Some(SystemTime::now());
                st.expires_at = Some(now + f.ttl);
                st.refresh_at = Some(now + (f.ttl - f.ttl / 4));
                st.last_error = None;
                Ok(keys)
            }
            Err(e) => {
                self.metrics.incr(Counter::FetchFailure);
                let error = chain(&e);
                match &st.fetched_at {
                    Some(at) => tracing::warn!(
                        issuer,
                        error,
                        keys_age_secs = at.elapsed().map_or(0, |d| d.as_secs()),
                        "key set fetch failed; keeping the last good keys"
                    ),
                    None => tracing::warn!(
                        issuer,
                        error,
                        "key set fetch failed; no keys for this issuer yet"
                    ),
                }
                st.last_error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// When the background refresher should fetch next.
    fn next_due(st: &State, cooldown: Duration) -> Instant {
        let mut due = st.refresh_at.unwrap_or_else(Instant::now);
        if let (Some(_), Some(t)) = (&st.last_error, st.last_attempt) {
            due = due.max(t + cooldown);
        }
        due
    }

    fn status(&self) -> IssuerStatus {
        let st = self.lock();
        IssuerStatus {
            issuer: self.issuer.clone(),
            jwks_uri: st.jwks_uri.clone().or_else(|| match &self.endpoint {
                Endpoint::Jwks(u) => Some(u.clone()),
                Endpoint::Discovery(_) => None,
            }),
            keys: st.keys.clone(),
            fetched_at: st.fetched_at,
            stale: st.expires_at.is_some_and(|e| Instant::now() >= e),
            last_error: st.last_error.clone(),
            warnings: st.warnings.clone().unwrap_or_default(),
            metrics: self.metrics.snapshot(),
        }
    }
}

/// Clears the in-flight marker if a fetch task is dropped before it
/// completes (runtime shutdown), so that later callers start a new one.
/// After completion the marker is already gone (or is another fetch's).
struct InflightGuard {
    cache: Arc<IssuerCache>,
    rx: watch::Receiver<Option<Outcome>>,
}

impl Drop for InflightGuard {
    fn drop(&mut self) {
        let mut st = self.cache.lock();
        if st
            .inflight
            .as_ref()
            .is_some_and(|r| r.same_channel(&self.rx))
        {
            st.inflight = None;
        }
    }
}

impl Inner {
    fn cache(&self, issuer: &Issuer) -> Result<&Arc<IssuerCache>, Error> {
        self.caches.get(issuer).ok_or_else(|| Error::UnknownIssuer {
            issuer: issuer.as_str().to_owned(),
        })
    }

    fn recently_tried(&self, st: &State, now: Instant) -> bool {
        st.last_attempt
            .is_some_and(|t| now.saturating_duration_since(t) < self.cooldown)
    }

    /// Starts a fetch in a task of its own (a caller that gives up waiting
    /// does not cancel it), marks it in flight, and returns the receiver of
    /// its outcome. The caller holds the state lock.
    fn start(
        self: &Arc<Self>,
        cache: &Arc<IssuerCache>,
        st: &mut State,
        trigger: Trigger,
    ) -> Result<watch::Receiver<Option<Outcome>>, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let (tx, rx) = watch::channel(None);
        st.inflight = Some(rx.clone());
        st.last_attempt = Some(Instant::now());
        cache.metrics.incr(Counter::Fetch);
        tracing::debug!(issuer = cache.issuer.as_str(), ?trigger, "fetching key set");
        let known_uri = st.jwks_uri.clone();
        let inner = Arc::clone(self);
        let guard = InflightGuard {
            cache: Arc::clone(cache),
            rx: rx.clone(),
        };
        runtime.spawn(async move {
            let result = inner.fetch(&guard.cache, known_uri, trigger).await;
            let outcome = guard.cache.complete(result);
            // Nobody may be waiting (a background fetch): that is fine.
            let _ = tx.send(Some(outcome));
        });
        Ok(rx)
    }

    async fn fetch(
        &self,
        cache: &IssuerCache,
        known_uri: Option<Url>,
        trigger: Trigger,
    ) -> Result<Fetched, Error> {
        let (jwks_uri, warnings) = match (&cache.endpoint, known_uri) {
            (Endpoint::Jwks(uri), _) => (uri.clone(), None),
            // A rotation does not move the key set: skip discovery.
            (Endpoint::Discovery(_), Some(uri)) if trigger == Trigger::UnknownKid => (uri, None),
            (Endpoint::Discovery(url), _) => {
                let doc = self.http.get(url, "application/json").await?;
                let found = discovery::parse(&doc.body, url, &cache.issuer, cache.algorithms)?;
                (found.jwks_uri, Some(found.warnings))
            }
        };
        let response = self
            .http
            .get(&jwks_uri, "application/jwk-set+json, application/json")
            .await?;
        let keys = KeySet::from_jwks(&response.body).map_err(|source| Error::Jwks {
            url: jwks_uri.to_string(),
            source,
        })?;
        Ok(Fetched {
            keys,
            ttl: self.ttl.ttl(&response.headers),
            jwks_uri,
            warnings,
        })
    }
}

async fn wait(mut rx: watch::Receiver<Option<Outcome>>) -> Option<Outcome> {
    match rx.wait_for(Option::is_some).await {
        Ok(outcome) => outcome.clone(),
        // The fetch task was dropped (runtime shutting down).
        Err(_) => None,
    }
}

/// The `kid` comes from an unverified token: logged the core's way.
fn logged_kid(kid: Option<&str>) -> Option<std::borrow::Cow<'_, str>> {
    kid.map(backchannel_logout::log::unverified)
}

impl JwksKeySource {
    /// Refetch on an unknown `kid` at most once per this (30 s).
    pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30);
    /// Shortest TTL of a key set (5 minutes), whatever `max-age` says.
    pub const DEFAULT_MIN_TTL: Duration = Duration::from_secs(5 * 60);
    /// Longest TTL of a key set (24 hours), whatever `max-age` says.
    pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(24 * 3600);
    /// TTL of a key set served without `max-age` (1 hour).
    pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);
    /// Limit on one request, connection and body included (5 s).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Limit on establishing the connection (2 s).
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
    /// Largest discovery document or key set accepted (256 KiB).
    pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 256 * 1024;

    /// A builder with the defaults above and no issuer yet.
    pub fn builder() -> JwksKeySourceBuilder {
        JwksKeySourceBuilder {
            issuers: Vec::new(),
            algorithms: Vec::new(),
            cooldown: Self::DEFAULT_COOLDOWN,
            min_ttl: Self::DEFAULT_MIN_TTL,
            max_ttl: Self::DEFAULT_MAX_TTL,
            default_ttl: Self::DEFAULT_TTL,
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            max_response_size: Self::DEFAULT_MAX_RESPONSE_SIZE,
        }
    }

    /// Fetches every issuer's keys now, concurrently, and waits for them.
    ///
    /// [`JwksKeySource::start`] calls it; call it alone to fetch without
    /// the background refresher (keys are then refreshed when a request
    /// finds them due).
    ///
    /// # Errors
    ///
    /// The first issuer's (in configuration order) failure: a wrong issuer
    /// in the discovery document, an unreachable provider, a key set with no
    /// usable key... The other issuers' fetches are still done.
    pub async fn prefetch(&self) -> Result<(), Error> {
        let mut pending = Vec::with_capacity(self.inner.order.len());
        for issuer in &self.inner.order {
            let cache = self.inner.cache(issuer)?;
            let rx = {
                let mut st = cache.lock();
                match &st.inflight {
                    Some(rx) => rx.clone(),
                    None => self.inner.start(cache, &mut st, Trigger::Prefetch)?,
                }
            };
            pending.push((cache, rx));
        }
        let mut first_error = None;
        for (cache, rx) in pending {
            let error = match wait(rx).await {
                Some(Ok(_)) => continue,
                Some(Err(e)) => e,
                None => Error::NotFetched {
                    issuer: cache.issuer.as_str().to_owned(),
                },
            };
            first_error.get_or_insert(error);
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Fetches every issuer's keys ([`JwksKeySource::prefetch`]), then
    /// starts the background refresher: one tokio task per issuer that
    /// refetches before the keys expire, and retries once per cooldown
    /// after a failure. The tasks end when the last clone of this key source
    /// is dropped. Calling `start` again only prefetches again.
    ///
    /// Call it at startup and stop there on an error: the configuration is
    /// likely wrong (the refresher runs anyway, so an application that goes
    /// on gets the keys once the provider answers).
    ///
    /// # Errors
    ///
    /// As [`JwksKeySource::prefetch`]; [`Error::NoRuntime`] outside a tokio
    /// runtime.
    pub async fn start(&self) -> Result<(), Error> {
        let result = self.prefetch().await;
        if !self.inner.started.swap(true, Ordering::SeqCst) {
            let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
            for issuer in &self.inner.order {
                let cache = Arc::clone(self.inner.cache(issuer)?);
                runtime.spawn(refresher(
                    Arc::downgrade(&self.inner),
                    cache,
                    self.inner.shutdown.subscribe(),
                    self.inner.cooldown,
                ));
            }
        }
        result
    }

    /// The keys for `issuer`: the cached set while fresh (starting a
    /// background refetch once it is due), else a fetch shared with any
    /// concurrent caller; the last good keys if that fails. While the
    /// provider keeps failing, the last good keys are served at once and
    /// the retries (one per cooldown) run in the background.
    ///
    /// This is [`KeySource::keys`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownIssuer`] for an issuer not configured; the fetch's
    /// error when there are no keys to fall back on.
    pub async fn keys_for(&self, issuer: &Issuer) -> Result<Arc<KeySet>, Error> {
        let cache = self.inner.cache(issuer)?;
        let now = Instant::now();
        let rx = {
            let mut st = cache.lock();
            let fresh = match (&st.keys, st.expires_at) {
                (Some(keys), Some(expires)) if now < expires => Some(Arc::clone(keys)),
                _ => None,
            };
            if let Some(keys) = fresh {
                let due = st.refresh_at.is_some_and(|r| now >= r);
                if due && st.inflight.is_none() && !self.inner.recently_tried(&st, now) {
                    // Refresh ahead; this caller does not wait for it. Only a
                    // missing runtime fails here, and then the keys still serve.
                    let _ = self.inner.start(cache, &mut st, Trigger::Ahead);
                }
                return Ok(keys);
            }
            // Past their TTL while the provider fails: serve the stale keys
            // at once rather than wait on each retry (stale-if-error).
            let failing = st.keys.is_some() && st.last_error.is_some();
            match &st.inflight {
                Some(_) if failing => return cache.current(&st, now, None),
                Some(rx) => rx.clone(),
                None if self.inner.recently_tried(&st, now) => {
                    return cache.current(&st, now, None);
                }
                None if failing => {
                    let _ = self.inner.start(cache, &mut st, Trigger::Expired);
                    return cache.current(&st, now, None);
                }
                None => {
                    let trigger = if st.keys.is_some() {
                        Trigger::Expired
                    } else {
                        Trigger::Initial
                    };
                    self.inner.start(cache, &mut st, trigger)?
                }
            }
        };
        finish(cache, rx).await
    }

    /// Called when a token names a `kid` the keys lack: refetches the key
    /// set, at most once per cooldown for this issuer; joins a fetch already
    /// in flight; returns the current keys when the cooldown holds (or when
    /// another caller's refetch already brought the `kid`).
    ///
    /// This is [`KeySource::refresh`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// As [`JwksKeySource::keys_for`].
    pub async fn refresh_for(
        &self,
        issuer: &Issuer,
        kid: Option<&str>,
    ) -> Result<Arc<KeySet>, Error> {
        let cache = self.inner.cache(issuer)?;
        let now = Instant::now();
        let rx = {
            let mut st = cache.lock();
            if let (Some(kid), Some(keys)) = (kid, &st.keys)
                && keys.contains_kid(kid)
            {
                return Ok(Arc::clone(keys));
            }
            let cooling = st
                .last_kid_refetch
                .is_some_and(|t| now.saturating_duration_since(t) < self.inner.cooldown);
            match &st.inflight {
                // An unfinished fetch is as fresh as a new one would be.
                Some(rx) => rx.clone(),
                None if cooling => {
                    cache.metrics.incr(Counter::RefreshSuppressed);
                    tracing::debug!(
                        issuer = issuer.as_str(),
                        kid = logged_kid(kid).as_deref(),
                        "unknown kid within the cooldown: not refetching"
                    );
                    return cache.current(&st, now, None);
                }
                None => {
                    st.last_kid_refetch = Some(now);
                    cache.metrics.incr(Counter::UnknownKidRefresh);
                    tracing::info!(
                        issuer = issuer.as_str(),
                        kid = logged_kid(kid).as_deref(),
                        "unknown kid: refetching the key set"
                    );
                    self.inner.start(cache, &mut st, Trigger::UnknownKid)?
                }
            }
        };
        finish(cache, rx).await
    }

    /// The counters, summed over all issuers.
    #[must_use]
    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner
            .caches
            .values()
            .map(|c| c.metrics.snapshot())
            .fold(MetricsSnapshot::default(), |a, b| a + b)
    }

    /// What is known about one issuer's keys, or `None` for an issuer not
    /// configured.
    #[must_use]
    pub fn status(&self, issuer: &Issuer) -> Option<IssuerStatus> {
        self.inner.caches.get(issuer).map(|c| c.status())
    }

    /// The configured issuers, in configuration order.
    pub fn issuers(&self) -> impl Iterator<Item = &Issuer> {
        self.inner.order.iter()
    }
}

/// Waits for a fetch; on failure falls back on the keys in use.
async fn finish(cache: &IssuerCache, rx: watch::Receiver<Option<Outcome>>) -> Outcome {
    let error = match wait(rx).await {
        Some(Ok(keys)) => return Ok(keys),
        Some(Err(e)) => Some(e),
        None => None,
    };
    let st = cache.lock();
    cache.current(&st, Instant::now(), error)
}

async fn refresher(
    inner: Weak<Inner>,
    cache: Arc<IssuerCache>,
    mut shutdown: watch::Receiver<()>,
    cooldown: Duration,
) {
    loop {
        let due = IssuerCache::next_due(&cache.lock(), cooldown);
        tokio::select! {
            () = tokio::time::sleep_until(due.into()) => {}
            // Only ever an error: the sender went with the last clone.
            _ = shutdown.changed() => return,
        }
        let rx = {
            let Some(inner) = inner.upgrade() else { return };
            let mut st = cache.lock();
            match &st.inflight {
                Some(rx) => Some(rx.clone()),
                // Due may have moved (an unknown-kid refetch came between).
                None if IssuerCache::next_due(&st, cooldown) <= Instant::now() => {
                    inner.start(&cache, &mut st, Trigger::Scheduled).ok()
                }
                None => None,
            }
        };
        if let Some(rx) = rx {
            let _ = wait(rx).await;
        }
    }
}

fn backend(issuer: &Issuer, e: Error) -> BackendError {
    BackendError::new(format!("keys of issuer {} unavailable", issuer.as_str()), e)
}

impl KeySource for JwksKeySource {
    async fn keys(&self, issuer: &Issuer) -> Result<Arc<KeySet>, BackendError> {
        self.keys_for(issuer).await.map_err(|e| backend(issuer, e))
    }

    async fn refresh(
        &self,
        issuer: &Issuer,
        kid: Option<&str>,
    ) -> Result<Arc<KeySet>, BackendError> {
        self.refresh_for(issuer, kid)
            .await
            .map_err(|e| backend(issuer, e))
    }
}

/// Configures a [`JwksKeySource`]: the issuers and where their keys are,
/// then the cache and HTTP limits, each with a secure default.
#[derive(Debug, Clone)]
#[must_use]
pub struct JwksKeySourceBuilder {
    issuers: Vec<(Issuer, Option<Url>)>,
    algorithms: Vec<(Issuer, AlgorithmSet)>,
    cooldown: Duration,
    min_ttl: Duration,
    max_ttl: Duration,
    default_ttl: Duration,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_size: usize,
}

impl JwksKeySourceBuilder {
    /// Adds an issuer whose keys are found by discovery: the key set URL is
    /// the `jwks_uri` of `{issuer}/.well-known/openid-configuration`, a
    /// document that must name exactly this issuer.
    ///
    /// The issuer must be an `https` URL (or `http` to a loopback address)
    /// without query or fragment.
    pub fn issuer_discovery(mut self, issuer: Issuer) -> Self {
        self.issuers.push((issuer, None));
        self
    }

    /// Adds an issuer whose key set is at `jwks_uri`, without discovery:
    /// for providers without a discovery document, or to skip a request.
    ///
    /// The URL must be `https` (or `http` to a loopback address).
    pub fn jwks_uri(mut self, issuer: Issuer, jwks_uri: Url) -> Self {
        self.issuers.push((issuer, Some(jwks_uri)));
        self
    }

    /// Optional: the algorithms the application allows for `issuer` (the
    /// validator's [`algorithms`](backchannel_logout::Validator::algorithms)),
    /// only so that discovery can warn when the provider does not advertise
    /// one of them. Keys are fetched and tokens verified the same without
    /// it; the allowed algorithms are the validator's and are never widened
    /// from the provider's list.
    pub fn allowed_algorithms_for(mut self, issuer: &Issuer, algorithms: AlgorithmSet) -> Self {
        self.algorithms.push((issuer.clone(), algorithms));
        self
    }

    /// The least time between two refetches triggered by unknown `kid`s,
    /// and between two attempts after a failure (default 30 s). Lower it to
    /// pick up a rotated key sooner; raise it to spare a provider from
    /// tokens with made-up `kid`s.
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// The shortest a key set stays fresh, whatever the provider's
    /// `max-age` (default 5 minutes; `no-store` and `no-cache` mean this).
    pub fn min_ttl(mut self, ttl: Duration) -> Self {
        self.min_ttl = ttl;
        self
    }

    /// The longest a key set stays fresh, whatever the provider's
    /// `max-age` (default 24 hours): bounds how long a key the provider
    /// withdrew can still verify. Capped at one year.
    pub fn max_ttl(mut self, ttl: Duration) -> Self {
        self.max_ttl = ttl;
        self
    }

    /// How long a key set served without `max-age` stays fresh (default 1
    /// hour), held within the bounds above.
    pub fn default_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// The limit on one request, from connecting to the last body byte
    /// (default 5 s). A fetch on an unknown `kid` happens while the
    /// provider waits for the logout answer: keep it short.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit on establishing a connection (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest discovery document or key set accepted, in bytes
    /// (default 256 KiB; real key sets are a few KiB). A key set is also
    /// bounded by [`KeySet::MAX_JWKS_SIZE`].
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// Checks the configuration and builds the key source. Nothing is
    /// fetched yet: call [`JwksKeySource::start`].
    ///
    /// # Errors
    ///
    /// [`BuildError`]: no issuer, an issuer twice, algorithms for an issuer
    /// not configured, an issuer or URL that is not `https` (or `http` to a
    /// loopback address), `min_ttl` over `max_ttl`, a zero timeout,
    /// cooldown or size, or an HTTP client that cannot be created.
    pub fn build(self) -> Result<JwksKeySource, BuildError> {
        if self.issuers.is_empty() {
            return Err(BuildError::NoIssuer);
        }
        for (option, d) in [
            ("cooldown", self.cooldown),
            ("timeout", self.timeout),
            ("connect_timeout", self.connect_timeout),
        ] {
            if d.is_zero() {
                return Err(BuildError::Zero { option });
            }
        }
        if self.max_response_size == 0 {
            return Err(BuildError::Zero {
                option: "max_response_size",
            });
        }
        let (min, max) = (self.min_ttl.min(ONE_YEAR), self.max_ttl.min(ONE_YEAR));
        if min > max {
            return Err(BuildError::TtlBounds { min, max });
        }
        let mut caches = HashMap::new();
        let mut order = Vec::new();
        for (issuer, jwks_uri) in self.issuers {
            let endpoint = match jwks_uri {
                Some(uri) if url_allowed(&uri) => Endpoint::Jwks(uri),
                Some(uri) => {
                    return Err(BuildError::InsecureUrl {
                        url: uri.to_string(),
                    });
                }
                None => Endpoint::Discovery(discovery_url(issuer.as_str())?),
            };
            if caches.contains_key(&issuer) {
                return Err(BuildError::DuplicateIssuer {
                    issuer: issuer.as_str().to_owned(),
                });
            }
            let cache = IssuerCache {
                issuer: issuer.clone(),
                endpoint,
                algorithms: None,
                metrics: Metrics::default(),
                state: Mutex::new(State::default()),
            };
            caches.insert(issuer.clone(), cache);
            order.push(issuer);
        }
        for (issuer, algorithms) in self.algorithms {
            let cache = caches
                .get_mut(&issuer)
                .ok_or_else(|| BuildError::UnknownIssuer {
                    issuer: issuer.as_str().to_owned(),
                })?;
            cache.algorithms = Some(algorithms);
        }
        let http = Http::new(
            self.timeout.min(ONE_YEAR),
            self.connect_timeout.min(ONE_YEAR),
            self.max_response_size,
        )?;
        let (shutdown, _) = watch::channel(());
        Ok(JwksKeySource {
            inner: Arc::new(Inner {
                caches: caches.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
                order,
                http,
                ttl: TtlPolicy {
                    min,
                    max,
                    default: self.default_ttl,
                },
                cooldown: self.cooldown.min(ONE_YEAR),
                started: AtomicBool::new(false),
                shutdown,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> Issuer {
        Issuer::new("https://op.example.com")
    }

    #[test]
    fn build_refuses_no_issuer() {
        let err = JwksKeySource::builder().build().unwrap_err();
        assert!(matches!(err, BuildError::NoIssuer));
    }

    #[test]
    fn build_refuses_duplicate_issuer() {
        let err = JwksKeySource::builder()
            .issuer_discovery(issuer())
            .jwks_uri(issuer(), Url::parse("https://op.example.com/jwks").unwrap())
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::DuplicateIssuer { .. }));
    }

    #[test]
    fn build_refuses_plain_http_to_another_host() {
        let err = JwksKeySource::builder()
            .jwks_uri(issuer(), Url::parse("http://op.example.com/jwks").unwrap())
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::InsecureUrl { .. }));
        let err = JwksKeySource::builder()
            .issuer_discovery(Issuer::new("http://op.example.com"))
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::InsecureUrl { .. }));
    }

    #[test]
    fn build_refuses_inverted_ttl_bounds_and_zero_limits() {
        let err = JwksKeySource::builder()
            .issuer_discovery(issuer())
            .min_ttl(Duration::from_secs(600))
            .max_ttl(Duration::from_secs(60))
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::TtlBounds { .. }));
        let err = JwksKeySource::builder()
            .issuer_discovery(issuer())
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::Zero { option: "timeout" }));
    }

    #[test]
    fn build_refuses_algorithms_for_unknown_issuer() {
        let err = JwksKeySource::builder()
            .issuer_discovery(issuer())
            .allowed_algorithms_for(
                &Issuer::new("https://other.example"),
                AlgorithmSet::default(),
            )
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::UnknownIssuer { .. }));
    }

    #[test]
    fn logged_kid_is_truncated_on_a_char_boundary() {
        let long = "é".repeat(100);
        let kid = logged_kid(Some(&long)).unwrap();
        assert!(kid.chars().count() <= backchannel_logout::log::MAX_UNVERIFIED_CHARS + 1);
        assert!(kid.starts_with('é'));
    }

    #[tokio::test]
    async fn unknown_issuer_is_an_error() {
        let source = JwksKeySource::builder()
            .issuer_discovery(issuer())
            .build()
            .unwrap();
        let err = source
            .keys_for(&Issuer::new("https://other.example"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::UnknownIssuer { .. }));
    }
}
