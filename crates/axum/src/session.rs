//! The per-request check (the logged-out marker, see the architecture's
//! "Sessions"): what to record at login, a layer that ends a session a
//! logout token named, and an extractor for the live session.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use backchannel_logout::{SessionRecord, SessionStatus, UnixTime};
use tower::{Layer, Service};
use tower_sessions::Session;

/// The key under which [`record_login`] stores the [`SessionRecord`] in the
/// `tower_sessions` session.
pub const SESSION_KEY: &str = "backchannel_logout.session";

/// Records, at login, what a logout token will later be matched against:
/// call it in your OpenID Connect login callback with the validated ID
/// token's `iss`, `sid` and `sub` and the current time
/// ([`SessionRecord::from_id_token_claims`] builds it from the claims).
///
/// It also gives the session a new id, as every login should (against
/// session fixation).
///
/// ```
/// # use backchannel_logout::{SessionRecord, UnixTime};
/// # use tower_sessions::Session;
/// # async fn callback(session: Session, iss: String, sid: Option<String>, sub: String) -> Result<(), tower_sessions::session::Error> {
/// use backchannel_logout_axum::record_login;
///
/// let now = UnixTime::from_system_time(std::time::SystemTime::now());
/// record_login(&session, SessionRecord::new(iss, sid, Some(sub), now)).await?;
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// When the session store fails.
pub async fn record_login(
    session: &Session,
    record: SessionRecord,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(SESSION_KEY, record).await
}

/// The session's [`SessionRecord`] if it is live: `None` when the request
/// has no session, its session was never recorded with [`record_login`], or
/// a logout token ended it (the [`LogoutCheckLayer`] then has already
/// deleted it and cleared its cookie).
///
/// Read who is logged in through this extractor: it is the result of this
/// request's check.
///
/// ```
/// use backchannel_logout_axum::LiveSession;
///
/// async fn whoami(LiveSession(session): LiveSession) -> String {
///     match session {
///         Some(record) => format!("{:?} at {}", record.sub, record.issuer),
///         None => "anonymous".to_owned(),
///     }
/// }
/// ```
///
/// Rejects with [`MissingLogoutCheck`] (500) on a route the
/// [`LogoutCheckLayer`] does not wrap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession(pub Option<SessionRecord>);

impl<T: Send + Sync> FromRequestParts<T> for LiveSession {
    type Rejection = MissingLogoutCheck;

    async fn from_request_parts(parts: &mut Parts, _state: &T) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<LiveSession>()
            .cloned()
            .ok_or(MissingLogoutCheck)
    }
}

/// [`LiveSession`] was used on a route the [`LogoutCheckLayer`] does not
/// wrap: a programming error, answered with 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("LiveSession needs the LogoutCheckLayer on this route")]
pub struct MissingLogoutCheck;

impl IntoResponse for MissingLogoutCheck {
    fn into_response(self) -> Response {
        tracing::error!("{self}");
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

/// The per-request check as a [`tower::Layer`]: on every request it reads
/// the [`SessionRecord`] that [`record_login`] stored, asks `status` (for
/// instance the core's [`MemoryLogoutStore`](backchannel_logout::MemoryLogoutStore),
/// the same store the receiver writes to) whether a logout token ended it,
/// and if so flushes the session (deleted from the store, cookie cleared),
/// so that the handler sees an anonymous request. The result is available
/// to handlers as [`LiveSession`].
///
/// It needs the `tower_sessions` [`SessionManagerLayer`](tower_sessions::SessionManagerLayer)
/// outside it (added after it, with Axum's `.layer` order), and should not
/// wrap the back-channel logout route.
///
/// Failures answer, rather than let a possibly ended session through:
/// 500 when the session layer is missing or the session store fails, 503
/// when `status` fails (its store is unreachable).
///
/// ```
/// # use std::sync::Arc;
/// # use axum::{Router, routing::get};
/// # use backchannel_logout::MemoryLogoutStore;
/// # use tower_sessions::{MemoryStore, SessionManagerLayer};
/// # async fn whoami() {}
/// use backchannel_logout_axum::LogoutCheckLayer;
///
/// let markers = Arc::new(MemoryLogoutStore::new()); // also the receiver's sink
/// let app: Router = Router::new()
///     .route("/whoami", get(whoami))
///     .layer(LogoutCheckLayer::new(Arc::clone(&markers)))
///     .layer(SessionManagerLayer::new(MemoryStore::default()));
/// ```
#[derive(Debug)]
pub struct LogoutCheckLayer<St> {
    status: Arc<St>,
}

impl<St> LogoutCheckLayer<St> {
    /// Checks sessions against `status`.
    pub fn new(status: St) -> Self {
        LogoutCheckLayer {
            status: Arc::new(status),
        }
    }
}

impl<St> Clone for LogoutCheckLayer<St> {
    fn clone(&self) -> Self {
        LogoutCheckLayer {
            status: Arc::clone(&self.status),
        }
    }
}

impl<Svc, St> Layer<Svc> for LogoutCheckLayer<St> {
    type Service = LogoutCheck<Svc, St>;

    fn layer(&self, inner: Svc) -> Self::Service {
        LogoutCheck {
            inner,
            status: Arc::clone(&self.status),
        }
    }
}

/// The service [`LogoutCheckLayer`] wraps around a route.
#[derive(Debug)]
pub struct LogoutCheck<Svc, St> {
    inner: Svc,
    status: Arc<St>,
}

impl<Svc: Clone, St> Clone for LogoutCheck<Svc, St> {
    fn clone(&self) -> Self {
        LogoutCheck {
            inner: self.inner.clone(),
            status: Arc::clone(&self.status),
        }
    }
}

impl<Svc, St, B> Service<axum::http::Request<B>> for LogoutCheck<Svc, St>
where
    Svc: Service<axum::http::Request<B>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    Svc::Future: Send + 'static,
    St: SessionStatus + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: axum::http::Request<B>) -> Self::Future {
        // Call the service that was polled ready; leave its clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let status = Arc::clone(&self.status);
        Box::pin(async move {
            let Some(session) = request.extensions().get::<Session>().cloned() else {
                tracing::error!(
                    "LogoutCheckLayer needs tower_sessions::SessionManagerLayer outside it"
                );
                return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
            };
            match check(&session, &*status).await {
                Ok(live) => {
                    request.extensions_mut().insert(live);
                    inner.call(request).await
                }
                Err(status) => Ok(status.into_response()),
            }
        })
    }
}

/// The check itself: the live record, or the status to answer with.
async fn check<St: SessionStatus>(
    session: &Session,
    status: &St,
) -> Result<LiveSession, StatusCode> {
    let record = match session.get::<SessionRecord>(SESSION_KEY).await {
        Ok(Some(record)) => record,
        Ok(None) => return Ok(LiveSession(None)),
        Err(error) => {
            tracing::error!(%error, "session store failed");
            return Err(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let now = UnixTime::from_system_time(SystemTime::now());
    match status.is_logged_out(&record, now).await {
        Ok(false) => Ok(LiveSession(Some(record))),
        Ok(true) => {
            if let Err(error) = session.flush().await {
                tracing::error!(%error, "session store failed to end a logged-out session");
                return Err(StatusCode::INTERNAL_SERVER_ERROR);
            }
            tracing::info!(
                issuer = record.issuer.as_str(),
                sid = record.sid.as_deref(),
                sub = record.sub.as_deref(),
                "session ended by a back-channel logout"
            );
            Ok(LiveSession(None))
        }
        Err(error) => {
            tracing::error!(%error, "logged-out marker store failed");
            Err(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}
