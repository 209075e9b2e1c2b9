//! Receiving a back-channel logout request end to end: form body in, HTTP
//! answer out. The decisions are all here; the waiting on the outside world
//! (keys, replay store, sessions) goes through three small async traits.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::claims::LogoutToken;
use crate::error::Error;
use crate::jwk::KeySet;
use crate::request::{BodyBuffer, DEFAULT_MAX_BODY, RequestError, logout_token_from_form};
use crate::response::Response;
use crate::time::UnixTime;
use crate::validate::{Issuer, Validator, ValidatorSet, peek_unverified_with_limit};

/// A failure of something outside the core: a key fetch, a store.
///
/// Implementations wrap their own error in it; the receiver reports it and
/// answers 400 (the logout did not happen, §2.8).
#[derive(Debug)]
pub struct BackendError {
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl BackendError {
    /// A failure described by `message`.
    pub fn msg(message: impl Into<String>) -> Self {
        BackendError {
            message: message.into(),
            source: None,
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn new(message: impl Into<String>, source: impl StdError + Send + Sync + 'static) -> Self {
        BackendError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(s) => write!(f, "{}: {s}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl StdError for BackendError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Where the provider's keys come from: a static [`KeySet`] the application
/// loaded ([`StaticKeys`]), or the JWKS fetcher of the
/// `backchannel-logout-jwks` crate.
pub trait KeySource: Send + Sync {
    /// The current key set for `issuer`.
    fn keys(
        &self,
        issuer: &Issuer,
    ) -> impl Future<Output = Result<Arc<KeySet>, BackendError>> + Send;

    /// Called once when a token names a `kid` the current keys lack (the
    /// provider may have rotated its keys). May refetch, rate-limited; the
    /// receiver retries validation once with the result, never more.
    fn refresh(
        &self,
        issuer: &Issuer,
        kid: Option<&str>,
    ) -> impl Future<Output = Result<Arc<KeySet>, BackendError>> + Send;
}

/// Whether a `jti` was seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// First use: it is now remembered.
    First,
    /// Seen before: a replay.
    Replay,
}

/// Remembers which tokens were already used (Back-Channel Logout §2.6 step 7).
pub trait ReplayGuard: Send + Sync {
    /// Atomically: if `(issuer, jti)` was not seen, remember it until
    /// `until` and answer [`Freshness::First`]; otherwise
    /// [`Freshness::Replay`].
    fn first_use(
        &self,
        issuer: &str,
        jti: &str,
        until: UnixTime,
        now: UnixTime,
    ) -> impl Future<Output = Result<Freshness, BackendError>> + Send;

    /// Forgets `(issuer, jti)`: called when ending the sessions failed, so
    /// that the provider's retry of the same token is not refused as a replay.
    fn release(
        &self,
        issuer: &str,
        jti: &str,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
}

/// Ends what a validated logout token names: one session (by `sid`) or
/// every session of a subject authenticated before the token's `iat`.
///
/// [`crate::store::MemoryLogoutStore`] records logged-out markers; an
/// application with server-side sessions can delete them here instead.
pub trait LogoutSink: Send + Sync {
    /// Ends the sessions; an error means the logout did not happen.
    fn end_sessions(
        &self,
        logout: &LogoutToken,
        now: UnixTime,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
}

impl<T: KeySource> KeySource for Arc<T> {
    fn keys(
        &self,
        issuer: &Issuer,
    ) -> impl Future<Output = Result<Arc<KeySet>, BackendError>> + Send {
        (**self).keys(issuer)
    }

    fn refresh(
        &self,
        issuer: &Issuer,
        kid: Option<&str>,
    ) -> impl Future<Output = Result<Arc<KeySet>, BackendError>> + Send {
        (**self).refresh(issuer, kid)
    }
}

impl<T: ReplayGuard> ReplayGuard for Arc<T> {
    fn first_use(
        &self,
        issuer: &str,
        jti: &str,
        until: UnixTime,
        now: UnixTime,
    ) -> impl Future<Output = Result<Freshness, BackendError>> + Send {
        (**self).first_use(issuer, jti, until, now)
    }

    fn release(
        &self,
        issuer: &str,
        jti: &str,
    ) -> impl Future<Output = Result<(), BackendError>> + Send {
        (**self).release(issuer, jti)
    }
}

impl<T: LogoutSink> LogoutSink for Arc<T> {
    fn end_sessions(
        &self,
        logout: &LogoutToken,
        now: UnixTime,
    ) -> impl Future<Output = Result<(), BackendError>> + Send {
        (**self).end_sessions(logout, now)
    }
}

/// Fixed key sets the application loaded (from a file, say), each bound to
/// the issuer whose keys they are. `refresh` returns the same keys.
///
/// Each issuer's tokens are verified with that issuer's keys only: with
/// several issuers, one provider's key never verifies a token claiming
/// another issuer. An issuer without a key set here is a configuration
/// error, answered 400 (`keys_unavailable`) and logged at error level.
///
/// ```
/// use backchannel_logout::{Issuer, KeySet, StaticKeys};
/// # let jwks_a = include_bytes!("../tests/data/doc-jwks.json");
/// # let jwks_b = include_bytes!("../tests/data/doc-jwks.json");
/// let keys = StaticKeys::new(Issuer::new("https://a.example"), KeySet::from_jwks(jwks_a)?)
///     .with(Issuer::new("https://b.example"), KeySet::from_jwks(jwks_b)?);
/// assert!(keys.get(&Issuer::new("https://a.example")).is_some());
/// assert!(keys.get(&Issuer::new("https://c.example")).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct StaticKeys {
    by_issuer: HashMap<String, Arc<KeySet>>,
}

impl StaticKeys {
    /// Serves `keys` for `issuer`'s tokens.
    #[must_use]
    pub fn new(issuer: Issuer, keys: KeySet) -> Self {
        StaticKeys {
            by_issuer: HashMap::new(),
        }
        .with(issuer, keys)
    }

    /// Also serves `keys` for `issuer`'s tokens (replacing any key set
    /// given for it before).
    #[must_use]
    pub fn with(mut self, issuer: Issuer, keys: KeySet) -> Self {
        self.by_issuer
            .insert(issuer.as_str().to_owned(), Arc::new(keys));
        self
    }

    /// The key set for `issuer`, if one was given.
    #[must_use]
    pub fn get(&self, issuer: &Issuer) -> Option<&Arc<KeySet>> {
        self.by_issuer.get(issuer.as_str())
    }

    fn for_issuer(&self, issuer: &Issuer) -> Result<Arc<KeySet>, BackendError> {
        self.get(issuer).cloned().ok_or_else(|| {
            BackendError::msg(format!(
                "no static key set is configured for issuer {}",
                issuer.as_str()
            ))
        })
    }
}

impl KeySource for StaticKeys {
    async fn keys(&self, issuer: &Issuer) -> Result<Arc<KeySet>, BackendError> {
        self.for_issuer(issuer)
    }

    async fn refresh(
        &self,
        issuer: &Issuer,
        _kid: Option<&str>,
    ) -> Result<Arc<KeySet>, BackendError> {
        self.for_issuer(issuer)
    }
}

/// Why a logout request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The request body or content type is wrong.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The token failed a check.
    #[error(transparent)]
    Token(#[from] Error),
    /// The token's `jti` was already used.
    #[error("token was already used (replayed jti)")]
    Replay,
    /// The keys could not be had.
    #[error("the provider's keys are unavailable")]
    KeySource(#[source] BackendError),
    /// The replay store failed.
    #[error("the replay store is unavailable")]
    ReplayGuard(#[source] BackendError),
    /// Ending the sessions failed: the logout did not happen.
    #[error("the sessions could not be ended")]
    Sink(#[source] BackendError),
}

impl Rejection {
    /// A stable short code naming the failed check.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Request(e) => e.code(),
            Rejection::Token(e) => e.code(),
            Rejection::Replay => "replayed_token",
            Rejection::KeySource(_) => "keys_unavailable",
            Rejection::ReplayGuard(_) => "replay_store_unavailable",
            Rejection::Sink(_) => "logout_failed",
        }
    }

    /// The answer for this rejection: 400 with the code and a description
    /// safe to show the provider (backend details stay in the logs).
    #[must_use]
    pub fn response(&self) -> Response {
        Response::bad_request(&format!("{}: {self}", self.code()))
    }
}

/// The result of [`Receiver::receive`]: the answer to send, and what
/// happened, for logging.
#[derive(Debug)]
pub struct Outcome {
    /// The HTTP answer.
    pub response: Response,
    /// The validated token that ended sessions, or why the request was refused.
    pub result: Result<LogoutToken, Rejection>,
    /// The issuer the token claimed, unverified unless `result` is `Ok`.
    pub issuer: Option<String>,
    /// The `kid` in the token's header, unverified unless `result` is `Ok`.
    pub kid: Option<String>,
}

/// The back-channel logout endpoint, framework-neutral: built once from the
/// validator(s), a key source, a replay guard and a logout sink; then
/// [`Receiver::receive`] turns each request into an answer.
///
/// ```
/// use backchannel_logout::receive::{Receiver, StaticKeys};
/// use backchannel_logout::store::{MemoryLogoutStore, MemoryReplayGuard};
/// use backchannel_logout::{ClientId, Issuer, KeySet, UnixTime, Validator};
///
/// let issuer = Issuer::new("https://op.example.com");
/// let validator = Validator::builder(issuer.clone(), ClientId::new("client-1")).build()?;
/// let keys = KeySet::from_jwks(include_bytes!("../tests/data/doc-jwks.json"))?;
/// let receiver = Receiver::new(
///     validator,
///     StaticKeys::new(issuer, keys),
///     MemoryReplayGuard::new(),
///     MemoryLogoutStore::new(),
/// );
/// let body = format!("logout_token={}", include_str!("../tests/data/doc-token.txt").trim());
/// let now = UnixTime::from_secs(1_767_225_630);
/// # let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// # rt.block_on(async {
/// let first = receiver
///     .receive(Some("application/x-www-form-urlencoded"), body.as_bytes(), now)
///     .await;
/// assert_eq!(first.response.status, 200);
/// let replay = receiver
///     .receive(Some("application/x-www-form-urlencoded"), body.as_bytes(), now)
///     .await;
/// assert_eq!(replay.response.status, 400);
/// # });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Receiver<K, R, S> {
    validators: ValidatorSet,
    keys: K,
    replay: R,
    sink: S,
    max_body: usize,
}

impl<K: KeySource, R: ReplayGuard, S: LogoutSink> Receiver<K, R, S> {
    /// A receiver for one issuer (a [`Validator`]) or several (a
    /// [`ValidatorSet`]).
    pub fn new(validators: impl Into<ValidatorSet>, keys: K, replay: R, sink: S) -> Self {
        Receiver {
            validators: validators.into(),
            keys,
            replay,
            sink,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Sets the request body limit (default 64 KiB). Adapters read the
    /// body up to this size.
    #[must_use]
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The request body limit.
    #[must_use]
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// The key source.
    pub fn key_source(&self) -> &K {
        &self.keys
    }

    /// The replay guard.
    pub fn replay_guard(&self) -> &R {
        &self.replay
    }

    /// The logout sink (often also the store the adapters' session check
    /// reads).
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The validators.
    pub fn validators(&self) -> &ValidatorSet {
        &self.validators
    }

    /// Handles one back-channel logout request: the request's content type
    /// and body in, the answer out, with `now` the current time.
    ///
    /// Answers 200 when the token is valid, fresh, and its sessions were
    /// ended (or it names none this application holds); 400 otherwise,
    /// including a replay and a failure to end the sessions, in which case
    /// the `jti` is released so the provider's retry can succeed.
    ///
    /// With the `tracing` feature, the request runs in a
    /// `backchannel_logout` span and is logged once, as [`crate::log`]
    /// describes.
    pub async fn receive(&self, content_type: Option<&str>, body: &[u8], now: UnixTime) -> Outcome {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument;
            let span = crate::log::request_span();
            let outcome = self
                .receive_quietly(content_type, body, now)
                .instrument(span.clone())
                .await;
            crate::log::outcome(&span, &outcome);
            outcome
        }
        #[cfg(not(feature = "tracing"))]
        self.receive_quietly(content_type, body, now).await
    }

    /// The answer when the adapter could not read the request body (the
    /// connection broke mid-body): 400 `unreadable_body`, logged like any
    /// other refusal. There is nothing for the core to judge, and the
    /// provider is likely gone already.
    #[must_use]
    pub fn unreadable_body(&self) -> Outcome {
        self.refuse(RequestError::UnreadableBody)
    }

    /// The answer to a request refused before its body was judged (it
    /// could not be read, or an adapter's lower limit cut it), logged like
    /// any other refusal.
    fn refuse(&self, error: RequestError) -> Outcome {
        let outcome = finish(Err(error.into()), None, None);
        #[cfg(feature = "tracing")]
        crate::log::outcome(&crate::log::request_span(), &outcome);
        outcome
    }

    async fn receive_quietly(
        &self,
        content_type: Option<&str>,
        body: &[u8],
        now: UnixTime,
    ) -> Outcome {
        let token = match logout_token_from_form(content_type, body, self.max_body) {
            Ok(t) => t,
            Err(e) => return finish(Err(e.into()), None, None),
        };
        let result = self.process(token.as_bytes(), now).await;
        let (issuer, kid) = match &result {
            Ok(logout) => (
                Some(logout.issuer().to_owned()),
                logout.kid().map(str::to_owned),
            ),
            // For the logs only: what the refused token claimed.
            Err(_) => {
                peek_unverified_with_limit(token.as_bytes(), self.validators.max_token_size())
                    .map(|p| (p.issuer, p.header.kid))
                    .unwrap_or_default()
            }
        };
        finish(result, issuer, kid)
    }

    /// This receiver behind a [`SharedReceiver`]: held and passed around
    /// without naming its type parameters.
    #[must_use]
    pub fn shared(self) -> SharedReceiver
    where
        K: 'static,
        R: 'static,
        S: 'static,
    {
        SharedReceiver(Arc::new(self))
    }

    async fn process(&self, token: &[u8], now: UnixTime) -> Result<LogoutToken, Rejection> {
        let validator = self.validator_for(token)?;
        let issuer = validator.issuer();
        let keys = self.keys.keys(issuer).await.map_err(Rejection::KeySource)?;
        let logout = match validator.validate(token, &keys, now) {
            Err(Error::KeyNotFound { kid, .. }) => {
                let fresh = self
                    .keys
                    .refresh(issuer, kid.as_deref())
                    .await
                    .map_err(Rejection::KeySource)?;
                validator.validate(token, &fresh, now)?
            }
            other => other?,
        };
        let until = logout.remember_jti_until();
        match self
            .replay
            .first_use(logout.issuer(), logout.jti(), until, now)
            .await
            .map_err(Rejection::ReplayGuard)?
        {
            Freshness::Replay => return Err(Rejection::Replay),
            Freshness::First => {}
        }
        if let Err(e) = self.sink.end_sessions(&logout, now).await {
            // The logout did not happen: let the provider's retry through.
            // If even the release fails, the retry reads as a replay; the
            // sink's error is still what the provider learns.
            let _ = self.replay.release(logout.issuer(), logout.jti()).await;
            return Err(Rejection::Sink(e));
        }
        Ok(logout)
    }

    fn validator_for(&self, token: &[u8]) -> Result<&Validator, Error> {
        match self.validators.only() {
            Some(v) => Ok(v),
            None => self.validators.route(token),
        }
    }
}

fn finish(
    result: Result<LogoutToken, Rejection>,
    issuer: Option<String>,
    kid: Option<String>,
) -> Outcome {
    let response = match &result {
        Ok(_) => Response::ok(),
        Err(rejection) => rejection.response(),
    };
    Outcome {
        response,
        result,
        issuer,
        kid,
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`Receiver`] made object-safe (one boxed future per request).
trait DynReceiver: Send + Sync {
    fn receive<'a>(
        &'a self,
        content_type: Option<&'a str>,
        body: &'a [u8],
        now: UnixTime,
    ) -> BoxFuture<'a, Outcome>;
    fn refuse(&self, error: RequestError) -> Outcome;
    fn max_body(&self) -> usize;
    fn validators(&self) -> &ValidatorSet;
}

impl<K: KeySource, R: ReplayGuard, S: LogoutSink> DynReceiver for Receiver<K, R, S> {
    fn receive<'a>(
        &'a self,
        content_type: Option<&'a str>,
        body: &'a [u8],
        now: UnixTime,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(Receiver::receive(self, content_type, body, now))
    }

    fn refuse(&self, error: RequestError) -> Outcome {
        Receiver::refuse(self, error)
    }

    fn max_body(&self) -> usize {
        self.max_body
    }

    fn validators(&self) -> &ValidatorSet {
        &self.validators
    }
}

/// A [`Receiver`] an application holds without naming its type
/// parameters: what every adapter takes (Axum's router state, Actix's
/// `web::Data`, Rocket's managed state look it up by this one type).
/// Cheap to clone; one boxed future per request is its whole cost.
///
/// ```
/// use backchannel_logout::{
///     ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard, Receiver, SharedReceiver,
///     StaticKeys, UnixTime, Validator,
/// };
///
/// let issuer = Issuer::new("https://op.example.com");
/// let validator = Validator::builder(issuer.clone(), ClientId::new("client-1")).build()?;
/// let keys = KeySet::from_jwks(include_bytes!("../tests/data/doc-jwks.json"))?;
/// let receiver: SharedReceiver = Receiver::new(
///     validator,
///     StaticKeys::new(issuer, keys),
///     MemoryReplayGuard::new(),
///     MemoryLogoutStore::new(),
/// )
/// .shared();
///
/// // An adapter: read the body up to `max_body() + 1` bytes, then
/// let body = format!("logout_token={}", include_str!("../tests/data/doc-token.txt").trim());
/// # let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// # rt.block_on(async {
/// let now = UnixTime::from_secs(1_767_225_630); // the adapter reads the clock
/// let outcome = receiver
///     .receive(Some("application/x-www-form-urlencoded"), body.as_bytes(), now)
///     .await;
/// // ... and copy `outcome.response` into the framework's response.
/// assert_eq!(outcome.response.status, 200);
/// # });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SharedReceiver(Arc<dyn DynReceiver>);

impl fmt::Debug for SharedReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedReceiver")
            .field(
                "issuers",
                &self.0.validators().issuers().collect::<Vec<_>>(),
            )
            .field("max_body", &self.0.max_body())
            .finish_non_exhaustive()
    }
}

impl SharedReceiver {
    /// The request body limit: read the body up to this size plus one
    /// byte, so that the core refuses a larger one with its own answer.
    #[must_use]
    pub fn max_body(&self) -> usize {
        self.0.max_body()
    }

    /// The validators.
    #[must_use]
    pub fn validators(&self) -> &ValidatorSet {
        self.0.validators()
    }

    /// [`Receiver::receive`]: one request in, the answer out (logged with
    /// the `tracing` feature).
    pub async fn receive(&self, content_type: Option<&str>, body: &[u8], now: UnixTime) -> Outcome {
        self.0.receive(content_type, body, now).await
    }

    /// [`Receiver::unreadable_body`]: the answer when the body could not be
    /// read.
    #[must_use]
    pub fn unreadable_body(&self) -> Outcome {
        self.0.refuse(RequestError::UnreadableBody)
    }

    /// [`receive`](Self::receive) for a body an adapter read into a
    /// [`BodyBuffer`] (made with this receiver's
    /// [`max_body`](Self::max_body), or a lower limit of the framework's),
    /// or the [`unreadable_body`](Self::unreadable_body) answer when reading
    /// it failed (`Err` with the framework's error, which is not logged: the
    /// client broke the connection, or stalled). A body over the buffer's
    /// limit gets the 400 `body_too_large` answer, whichever limit it was.
    pub async fn receive_buffered<E>(
        &self,
        content_type: Option<&str>,
        body: Result<BodyBuffer, E>,
        now: UnixTime,
    ) -> Outcome {
        match body {
            Ok(body) if body.is_over_limit() => self.0.refuse(RequestError::BodyTooLarge {
                len: body.as_bytes().len(),
                max: body.max_body(),
            }),
            Ok(body) => self.receive(content_type, body.as_bytes(), now).await,
            Err(_) => self.unreadable_body(),
        }
    }
}

impl<K, R, S> From<Receiver<K, R, S>> for SharedReceiver
where
    K: KeySource + 'static,
    R: ReplayGuard + 'static,
    S: LogoutSink + 'static,
{
    fn from(receiver: Receiver<K, R, S>) -> Self {
        receiver.shared()
    }
}
