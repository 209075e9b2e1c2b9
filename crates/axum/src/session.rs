//! The per-request check with `tower-sessions`: the login helper, a layer
//! that asks the core's [`SessionCheck`] about the session and purges an
//! ended one, and an extractor for the live session.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use backchannel_logout::{SESSION_KEY, SessionCheck, SessionRecord, UnixTime};
use tower::{Layer, Service};
use tower_sessions::Session;

use crate::endpoint::to_axum;

/// Records, at login, what a logout token will later be matched against:
/// call it in your OpenID Connect login callback with the validated ID
/// token's `iss`, `sid` and `sub` and the current time
/// ([`SessionRecord::from_id_token_claims`] builds it from the claims). It
/// is stored under the core's [`SESSION_KEY`].
///
/// It also gives the session a new id, as every login should (against
/// session fixation).
///
/// ```
/// # use backchannel_logout::{SessionRecord, UnixTime};
/// # use tower_sessions::Session;
/// # async fn callback(session: Session, iss: String, sid: Option<String>, sub: String) -> Result<(), Box<dyn std::error::Error>> {
/// use backchannel_logout_axum::record_login;
///
/// let now = UnixTime::from_system_time(std::time::SystemTime::now());
/// record_login(&session, SessionRecord::new(iss, sid, Some(sub), now)?).await?;
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
/// it has ended (the [`LogoutCheckLayer`] then has already deleted it and
/// cleared its cookie).
///
/// Read who is logged in through this extractor: it is the result of this
/// request's check.
///
/// ```
/// use backchannel_logout_axum::LiveSession;
///
/// async fn whoami(LiveSession(session): LiveSession) -> String {
///     match session {
///         Some(record) => format!("{:?} at {}", record.sub(), record.issuer()),
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
/// wrap: a programming error, answered like a failed session layer (500).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("LiveSession needs the LogoutCheckLayer on this route")]
pub struct MissingLogoutCheck;

impl IntoResponse for MissingLogoutCheck {
    fn into_response(self) -> Response {
        to_axum(backchannel_logout::Response::internal_error())
    }
}

/// The per-request check as a [`tower::Layer`]: on every request it reads
/// the [`SessionRecord`] that [`record_login`] stored, asks the core's
/// [`SessionCheck`] whether the session is still live (for instance against
/// the [`MemoryLogoutStore`](backchannel_logout::MemoryLogoutStore) the
/// receiver writes to), and if it has ended flushes it (deleted from the
/// store, cookie cleared), so that the handler sees an anonymous request.
/// The result is available to handlers as [`LiveSession`].
///
/// It needs the `tower_sessions` [`SessionManagerLayer`](tower_sessions::SessionManagerLayer)
/// outside it (added after it, with Axum's `.layer` order), and should not
/// wrap the back-channel logout route. When the check cannot be made, the
/// core's answer is sent instead of calling the handler (see
/// [`SessionDecision`](backchannel_logout::SessionDecision)).
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
#[derive(Debug, Clone)]
pub struct LogoutCheckLayer {
    check: SessionCheck,
}

impl LogoutCheckLayer {
    /// Checks sessions against the store of logged-out markers (any
    /// [`SessionStatus`](backchannel_logout::SessionStatus)), or with a
    /// ready [`SessionCheck`].
    pub fn new(check: impl Into<SessionCheck>) -> Self {
        LogoutCheckLayer {
            check: check.into(),
        }
    }
}

impl<Svc> Layer<Svc> for LogoutCheckLayer {
    type Service = LogoutCheck<Svc>;

    fn layer(&self, inner: Svc) -> Self::Service {
        LogoutCheck {
            inner,
            check: self.check.clone(),
        }
    }
}

/// The service [`LogoutCheckLayer`] wraps around a route.
#[derive(Debug, Clone)]
pub struct LogoutCheck<Svc> {
    inner: Svc,
    check: SessionCheck,
}

impl<Svc, B> Service<axum::http::Request<B>> for LogoutCheck<Svc>
where
    Svc: Service<axum::http::Request<B>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    Svc::Future: Send + 'static,
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
        let check = self.check.clone();
        Box::pin(async move {
            let session = request.extensions().get::<Session>().cloned();
            match live_session(session, &check).await {
                Ok(live) => {
                    request.extensions_mut().insert(live);
                    inner.call(request).await
                }
                Err(answer) => Ok(to_axum(answer)),
            }
        })
    }
}

/// Reads the record, asks the core, purges an ended session.
async fn live_session(
    session: Option<Session>,
    check: &SessionCheck,
) -> Result<LiveSession, backchannel_logout::Response> {
    let Some(session) = session else {
        let error = "LogoutCheckLayer needs tower_sessions::SessionManagerLayer outside it";
        return Err(check.session_layer_failed(&error));
    };
    let record = session
        .get::<SessionRecord>(SESSION_KEY)
        .await
        .map_err(|e| check.session_layer_failed(&e))?;
    let now = UnixTime::from_system_time(SystemTime::now());
    let (live, ended) = check.check(record, now).await.resolve()?;
    if ended {
        session
            .flush()
            .await
            .map_err(|e| check.session_layer_failed(&e))?;
    }
    Ok(LiveSession(live))
}
