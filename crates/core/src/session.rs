//! The per-request session check every adapter runs (the logged-out
//! marker, see the architecture's "Sessions"): what a login records, under
//! which session key, and the decision "is this session still live?".
//!
//! An adapter reads the [`SessionRecord`] its session layer stored under
//! [`SESSION_KEY`], hands it to [`SessionCheck::check`], and does what the
//! [`SessionDecision`] says: let a live session through, purge an ended
//! one, or answer with [`SessionDecision::response`] when the marker store
//! is unavailable. It decides nothing itself.
//!
//! ```
//! use std::time::Duration;
//!
//! use backchannel_logout::session::{SessionCheck, SessionDecision, SessionRecord};
//! use backchannel_logout::{MemoryLogoutStore, UnixTime};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let markers = std::sync::Arc::new(MemoryLogoutStore::new()); // also the receiver's sink
//! let check = SessionCheck::new(std::sync::Arc::clone(&markers));
//!
//! let login = UnixTime::from_secs(1_767_225_600);
//! let record = SessionRecord::new("https://op.example.com", Some("s-1".into()), None, login)?;
//! let decision = check.check(Some(record), login.saturating_add(Duration::from_secs(60))).await;
//! assert!(matches!(decision, SessionDecision::Live(_)));
//!
//! // A session older than the markers' lifetime could outlive its logout
//! // marker: it has ended, whatever the store says.
//! let record = SessionRecord::new("https://op.example.com", Some("s-1".into()), None, login)?;
//! let much_later = login.saturating_add(MemoryLogoutStore::DEFAULT_TTL);
//! let decision = check.check(Some(record), much_later).await;
//! assert!(decision.is_ended());
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Expected};
use crate::receive::BackendError;
use crate::response::Response;
use crate::time::UnixTime;

/// The key under which every adapter's login helper stores the
/// [`SessionRecord`] in the framework's session (a `tower-sessions`
/// session with the Axum adapter), and where its per-request check reads
/// it back.
///
/// Stable across versions: a session stored by one version is read by
/// the next.
pub const SESSION_KEY: &str = "backchannel_logout.session";

/// What the application records at login, to match logout tokens later:
/// the validated ID token's issuer, `sid` and `sub`, and when the session
/// was authenticated. Small and serializable into any session store (its
/// JSON form: `{"issuer": .., "sid": .., "sub": .., "authenticated_at": ..}`).
///
/// A record always has a `sid` or a `sub` (or both): one with neither could
/// never be matched by a logout token, so it is refused when built and
/// when read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RecordFields")]
pub struct SessionRecord {
    issuer: String,
    sid: Option<String>,
    sub: Option<String>,
    authenticated_at: UnixTime,
}

/// The serialized shape, checked on the way in.
#[derive(Deserialize)]
struct RecordFields {
    issuer: String,
    sid: Option<String>,
    sub: Option<String>,
    authenticated_at: UnixTime,
}

impl TryFrom<RecordFields> for SessionRecord {
    type Error = SessionRecordError;

    fn try_from(f: RecordFields) -> Result<Self, Self::Error> {
        SessionRecord::new(f.issuer, f.sid, f.sub, f.authenticated_at)
    }
}

/// A [`SessionRecord`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionRecordError {
    /// Neither `sid` nor `sub`: no logout token could ever name this
    /// session. Record the ID token's `sub` (always present in an ID
    /// token) and its `sid` when the provider sends one.
    #[error("a session record needs a sid or a sub: without both no logout token can match it")]
    NoSessionOrSubject,
    /// The issuer is empty.
    #[error("a session record needs the issuer of the ID token")]
    EmptyIssuer,
}

impl SessionRecord {
    /// A record from its parts: the ID token's `iss`, `sid` and `sub`, and
    /// the time of the login. Empty `sid` or `sub` strings count as absent.
    ///
    /// # Errors
    ///
    /// [`SessionRecordError::NoSessionOrSubject`] with neither `sid` nor
    /// `sub`; [`SessionRecordError::EmptyIssuer`] with an empty issuer.
    pub fn new(
        issuer: impl Into<String>,
        sid: Option<String>,
        sub: Option<String>,
        authenticated_at: UnixTime,
    ) -> Result<Self, SessionRecordError> {
        let issuer = issuer.into();
        let sid = sid.filter(|s| !s.is_empty());
        let sub = sub.filter(|s| !s.is_empty());
        if issuer.is_empty() {
            return Err(SessionRecordError::EmptyIssuer);
        }
        if sid.is_none() && sub.is_none() {
            return Err(SessionRecordError::NoSessionOrSubject);
        }
        Ok(SessionRecord {
            issuer,
            sid,
            sub,
            authenticated_at,
        })
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
        let issuer = string(claims, "iss")?
            .filter(|s| !s.is_empty())
            .ok_or(Error::MissingClaim { name: "iss" })?;
        let sid = string(claims, "sid")?;
        let sub = string(claims, "sub")?;
        SessionRecord::new(issuer, sid, sub, now).map_err(|_| Error::MissingSubjectAndSession)
    }

    /// `iss` of the ID token.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `sid` of the ID token, if the provider sent one.
    #[must_use]
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// `sub` of the ID token.
    #[must_use]
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// When this session was authenticated (the login time).
    #[must_use]
    pub fn authenticated_at(&self) -> UnixTime {
        self.authenticated_at
    }
}

/// Answers "was this session logged out?" for the per-request check; the
/// store a [`LogoutSink`](crate::LogoutSink) writes logged-out markers to.
///
/// ```
/// use std::time::Duration;
/// use backchannel_logout::{BackendError, SessionRecord, SessionStatus, UnixTime};
///
/// /// Sessions the application ended itself, by sid.
/// struct EndedSids(std::sync::Mutex<std::collections::HashSet<String>>);
///
/// impl SessionStatus for EndedSids {
///     async fn is_logged_out(&self, s: &SessionRecord, _now: UnixTime) -> Result<bool, BackendError> {
///         let ended = self.0.lock().map_err(|_| BackendError::msg("poisoned"))?;
///         Ok(s.sid().is_some_and(|sid| ended.contains(sid)))
///     }
///     fn logout_retention(&self) -> Duration {
///         Duration::MAX // never forgets
///     }
/// }
/// ```
pub trait SessionStatus: Send + Sync {
    /// Whether a logout token ended `session`: one naming its `(issuer,
    /// sid)`, or a `sub`-only one naming its `(issuer, sub)` issued after
    /// the session was authenticated.
    fn is_logged_out(
        &self,
        session: &SessionRecord,
        now: UnixTime,
    ) -> impl Future<Output = Result<bool, BackendError>> + Send;

    /// How long this store remembers a logout (its markers' lifetime).
    ///
    /// A session authenticated longer ago than this could outlive the
    /// marker that ends it and come back to life, so [`SessionCheck`]
    /// treats it as ended: no session lives longer than the markers.
    fn logout_retention(&self) -> Duration;
}

impl<T: SessionStatus> SessionStatus for Arc<T> {
    fn is_logged_out(
        &self,
        session: &SessionRecord,
        now: UnixTime,
    ) -> impl Future<Output = Result<bool, BackendError>> + Send {
        (**self).is_logged_out(session, now)
    }

    fn logout_retention(&self) -> Duration {
        (**self).logout_retention()
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`SessionStatus`] made object-safe (one boxed future per call).
trait DynStatus: Send + Sync {
    fn is_logged_out<'a>(
        &'a self,
        session: &'a SessionRecord,
        now: UnixTime,
    ) -> BoxFuture<'a, Result<bool, BackendError>>;
    fn logout_retention(&self) -> Duration;
}

impl<T: SessionStatus> DynStatus for T {
    fn is_logged_out<'a>(
        &'a self,
        session: &'a SessionRecord,
        now: UnixTime,
    ) -> BoxFuture<'a, Result<bool, BackendError>> {
        Box::pin(SessionStatus::is_logged_out(self, session, now))
    }

    fn logout_retention(&self) -> Duration {
        SessionStatus::logout_retention(self)
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// A logout token named it (its `sid`, or its `sub` after the login).
    LoggedOut,
    /// It was authenticated longer ago than the markers are kept
    /// ([`SessionStatus::logout_retention`]): a logout could have been
    /// forgotten, so the user logs in again.
    OutlivedRetention,
}

impl EndReason {
    /// A stable short code, for logs.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            EndReason::LoggedOut => "logged_out",
            EndReason::OutlivedRetention => "outlived_logout_retention",
        }
    }
}

/// What the per-request check decided about a request's session.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionDecision {
    /// The request has no recorded session.
    NoSession,
    /// The session is live: hand it to the handler.
    Live(SessionRecord),
    /// The session has ended: purge it (delete it, clear its cookie) and
    /// treat the request as anonymous.
    Ended(SessionRecord, EndReason),
    /// The marker store could not answer. The session may have ended, so
    /// it must not be let through: answer with
    /// [`SessionDecision::response`] (503).
    Unavailable(BackendError),
}

impl SessionDecision {
    /// The live session, if any: what the handler sees.
    #[must_use]
    pub fn live(&self) -> Option<&SessionRecord> {
        match self {
            SessionDecision::Live(record) => Some(record),
            _ => None,
        }
    }

    /// Whether the session ended and must be purged.
    #[must_use]
    pub fn is_ended(&self) -> bool {
        matches!(self, SessionDecision::Ended(..))
    }

    /// The answer to send instead of calling the handler, if any: 503
    /// (`Retry-After: 5`) when the marker store is unavailable.
    #[must_use]
    pub fn response(&self) -> Option<Response> {
        match self {
            SessionDecision::Unavailable(_) => Some(Response::service_unavailable()),
            _ => None,
        }
    }

    /// Turns the decision into what the handler sees: the live record, or
    /// `None` (no session, or an ended one).
    #[must_use]
    pub fn into_live(self) -> Option<SessionRecord> {
        match self {
            SessionDecision::Live(record) => Some(record),
            _ => None,
        }
    }

    /// The decision in the shape an adapter acts on: `Ok` with what the
    /// handler sees ([`into_live`](Self::into_live)) and whether the
    /// session must be purged first ([`is_ended`](Self::is_ended)).
    ///
    /// # Errors
    ///
    /// The answer to send instead of calling the handler
    /// ([`response`](Self::response): 503 when the marker store could not
    /// answer).
    pub fn resolve(self) -> Result<(Option<SessionRecord>, bool), Response> {
        if let Some(answer) = self.response() {
            return Err(answer);
        }
        let ended = self.is_ended();
        Ok((self.into_live(), ended))
    }
}

/// The per-request session check, shared by every adapter: holds the
/// logged-out marker store (any [`SessionStatus`]) without naming its type,
/// and decides whether a recorded session is still live.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct SessionCheck {
    status: Arc<dyn DynStatus>,
}

/// Any marker store is a check: what lets an adapter's constructor take
/// either (`LogoutCheck::new(markers)` or `LogoutCheck::new(check)`).
impl<S: SessionStatus + 'static> From<S> for SessionCheck {
    fn from(status: S) -> Self {
        SessionCheck::new(status)
    }
}

impl fmt::Debug for SessionCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCheck")
            .field("logout_retention", &self.status.logout_retention())
            .finish_non_exhaustive()
    }
}

impl SessionCheck {
    /// Checks sessions against `status` (for instance the
    /// [`MemoryLogoutStore`](crate::MemoryLogoutStore) the receiver's sink
    /// writes to).
    pub fn new(status: impl SessionStatus + 'static) -> Self {
        SessionCheck {
            status: Arc::new(status),
        }
    }

    /// How long the store remembers a logout; no session lives longer.
    #[must_use]
    pub fn logout_retention(&self) -> Duration {
        self.status.logout_retention()
    }

    /// Decides about the session `record` (what the login stored under
    /// [`SESSION_KEY`], `None` when the request has none) at time `now`.
    ///
    /// A session authenticated at least [`SessionStatus::logout_retention`]
    /// ago has ended whatever the store says (its logout marker may be
    /// gone); otherwise the store answers. With the `tracing` feature, an
    /// ended session is logged at info level and an unavailable store at
    /// error level.
    pub async fn check(&self, record: Option<SessionRecord>, now: UnixTime) -> SessionDecision {
        let Some(record) = record else {
            return SessionDecision::NoSession;
        };
        let retention = self.status.logout_retention();
        let decision = if record.authenticated_at.saturating_add(retention) <= now {
            SessionDecision::Ended(record, EndReason::OutlivedRetention)
        } else {
            match self.status.is_logged_out(&record, now).await {
                Ok(false) => SessionDecision::Live(record),
                Ok(true) => SessionDecision::Ended(record, EndReason::LoggedOut),
                Err(error) => SessionDecision::Unavailable(error),
            }
        };
        #[cfg(feature = "tracing")]
        crate::log::session_decision(&decision);
        decision
    }

    /// The answer when the framework's own session layer fails (reading
    /// the record, or purging an ended session): 500, since an ended
    /// session must not be let through. Logged at error level with the
    /// `tracing` feature.
    #[must_use]
    pub fn session_layer_failed(&self, error: &dyn fmt::Display) -> Response {
        #[cfg(feature = "tracing")]
        crate::log::session_layer_failed(error);
        #[cfg(not(feature = "tracing"))]
        let _ = error;
        Response::internal_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_needs_a_sid_or_a_sub() {
        let t = UnixTime::from_secs(1);
        assert_eq!(
            SessionRecord::new("https://op", None, None, t),
            Err(SessionRecordError::NoSessionOrSubject)
        );
        assert_eq!(
            SessionRecord::new("https://op", Some(String::new()), Some(String::new()), t),
            Err(SessionRecordError::NoSessionOrSubject)
        );
        assert_eq!(
            SessionRecord::new("", Some("s".into()), None, t),
            Err(SessionRecordError::EmptyIssuer)
        );
        assert!(SessionRecord::new("https://op", Some("s".into()), None, t).is_ok());
        assert!(SessionRecord::new("https://op", None, Some("u".into()), t).is_ok());
    }

    #[test]
    fn a_stored_record_without_sid_and_sub_is_refused_when_read() {
        let json = r#"{"issuer":"https://op","sid":null,"sub":null,"authenticated_at":5}"#;
        let err = serde_json::from_str::<SessionRecord>(json).unwrap_err();
        assert!(err.to_string().contains("needs a sid or a sub"), "{err}");
        let json = r#"{"issuer":"https://op","sid":"s","sub":null,"authenticated_at":5}"#;
        let record: SessionRecord = serde_json::from_str(json).unwrap();
        assert_eq!(record.sid(), Some("s"));
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"issuer":"https://op","sid":"s","sub":null,"authenticated_at":5}"#
        );
    }
}
