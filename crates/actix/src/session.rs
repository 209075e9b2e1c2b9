//! The per-request check with `actix-session`: the login helper, a
//! middleware that asks the core's [`SessionCheck`] about the session and
//! ends an ended one, and an extractor for the live session.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::time::SystemTime;

use actix_session::{Session, SessionExt, SessionInsertError};
use actix_web::body::EitherBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use backchannel_logout::{SESSION_KEY, SessionCheck, SessionRecord, UnixTime};

use crate::endpoint::to_actix;

/// Records, at login, what a logout token will later be matched against:
/// call it in your OpenID Connect login callback with the validated ID
/// token's `iss`, `sid` and `sub` and the current time
/// ([`SessionRecord::from_id_token_claims`] builds it from the claims). It
/// is stored under the core's [`SESSION_KEY`].
///
/// It also renews the session key, as every login should (against session
/// fixation).
///
/// ```
/// # use actix_session::Session;
/// # use backchannel_logout::{SessionRecord, UnixTime};
/// # fn callback(session: Session, iss: String, sid: Option<String>, sub: String) -> Result<(), Box<dyn std::error::Error>> {
/// use backchannel_logout_actix::record_login;
///
/// let now = UnixTime::from_system_time(std::time::SystemTime::now());
/// record_login(&session, SessionRecord::new(iss, sid, Some(sub), now)?)?;
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// When the record cannot be serialized into the session.
pub fn record_login(session: &Session, record: SessionRecord) -> Result<(), SessionInsertError> {
    session.renew();
    session.insert(SESSION_KEY, record)
}

/// The session's [`SessionRecord`] if it is live: `None` when the request
/// has no session, its session was never recorded with [`record_login`], or
/// it has ended (the [`LogoutCheck`] has then emptied it, and purges it
/// once the handler is done: deleted, its cookie cleared).
///
/// Read who is logged in through this extractor: it is the result of this
/// request's check.
///
/// ```
/// use backchannel_logout_actix::LiveSession;
///
/// async fn whoami(LiveSession(session): LiveSession) -> String {
///     match session {
///         Some(record) => format!("{:?} at {}", record.sub(), record.issuer()),
///         None => "anonymous".to_owned(),
///     }
/// }
/// ```
///
/// Fails with [`MissingLogoutCheck`] (500) on a route the [`LogoutCheck`]
/// does not wrap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession(pub Option<SessionRecord>);

impl FromRequest for LiveSession {
    type Error = MissingLogoutCheck;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<LiveSession>()
                .cloned()
                .ok_or(MissingLogoutCheck),
        )
    }
}

/// [`LiveSession`] was used on a route the [`LogoutCheck`] does not wrap:
/// a programming error, answered like a failed session layer (500).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("LiveSession needs the LogoutCheck middleware on this route")]
pub struct MissingLogoutCheck;

impl ResponseError for MissingLogoutCheck {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        to_actix(backchannel_logout::Response::internal_error())
    }
}

/// The per-request check as Actix middleware: on every request it reads
/// the [`SessionRecord`] that [`record_login`] stored, asks the core's
/// [`SessionCheck`] whether the session is still live (for instance against
/// the [`MemoryLogoutStore`](backchannel_logout::MemoryLogoutStore) the
/// receiver writes to), and if it has ended empties it, so that the
/// handler sees an anonymous request, then purges it once the handler is
/// done ([`Session::purge`]: deleted from the store, cookie cleared). If
/// the handler stored something in the emptied session (a new login with
/// [`record_login`], say), that is kept under a new session key instead
/// and the old one is deleted. The result is available to handlers as
/// [`LiveSession`].
///
/// It needs `actix-session`'s
/// [`SessionMiddleware`](actix_session::SessionMiddleware) outside it
/// (`.wrap(..)`ed after it: Actix runs the last one first); without it
/// every request looks anonymous, since `actix-session` then hands out an
/// empty session that the check cannot tell from a missing one. It should
/// not wrap the back-channel logout route. When the check cannot be made, the
/// core's answer is sent instead of calling the handler (see
/// [`SessionDecision`](backchannel_logout::SessionDecision)).
///
/// ```
/// # use std::sync::Arc;
/// # use actix_session::{SessionMiddleware, storage::CookieSessionStore};
/// # use actix_web::{App, cookie::Key, web};
/// # use backchannel_logout::MemoryLogoutStore;
/// # async fn whoami() -> &'static str { "" }
/// use backchannel_logout_actix::LogoutCheck;
///
/// let markers = Arc::new(MemoryLogoutStore::new()); // also the receiver's sink
/// let key = Key::generate(); // load yours: sessions then survive a restart
/// let app = App::new().service(
///     web::scope("")
///         .route("/whoami", web::get().to(whoami))
///         .wrap(LogoutCheck::new(Arc::clone(&markers)))
///         .wrap(SessionMiddleware::new(CookieSessionStore::default(), key)),
/// );
/// ```
#[derive(Debug, Clone)]
pub struct LogoutCheck {
    check: SessionCheck,
}

impl LogoutCheck {
    /// Checks sessions against the store of logged-out markers (any
    /// [`SessionStatus`](backchannel_logout::SessionStatus)), or with a
    /// ready [`SessionCheck`].
    pub fn new(check: impl Into<SessionCheck>) -> Self {
        LogoutCheck {
            check: check.into(),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for LogoutCheck
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = LogoutCheckMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(LogoutCheckMiddleware {
            service: Rc::new(service),
            check: self.check.clone(),
        }))
    }
}

/// The service [`LogoutCheck`] wraps around a route.
#[derive(Debug)]
pub struct LogoutCheckMiddleware<S> {
    service: Rc<S>,
    check: SessionCheck,
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for LogoutCheckMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let check = self.check.clone();
        Box::pin(async move {
            let session = request.get_session();
            match live_session(&session, &check).await {
                Ok((live, ended)) => {
                    request.extensions_mut().insert(live);
                    let response = service.call(request).await?;
                    if ended {
                        purge_unless_reused(&session);
                    }
                    Ok(response.map_into_left_body())
                }
                Err(answer) => Ok(request
                    .into_response(to_actix(answer))
                    .map_into_right_body()),
            }
        })
    }
}

/// Ends an ended session once the handler is done. Its data was cleared
/// before the handler ran (an anonymous request); if the handler stored
/// nothing, the session is purged (deleted from the store, its cookie
/// cleared). If it stored something (a login through [`record_login`], or
/// where to return after one), that is a new session: it gets a new key,
/// and the old one is deleted. (Purging first would have thrown the new
/// data away: a purged `actix_session::Session` ignores inserts.)
fn purge_unless_reused(session: &Session) {
    if session.entries().is_empty() {
        session.purge();
    } else {
        session.renew();
    }
}

/// Reads the record and asks the core; clears an ended session (see
/// [`purge_unless_reused`]) and says so.
async fn live_session(
    session: &Session,
    check: &SessionCheck,
) -> Result<(LiveSession, bool), backchannel_logout::Response> {
    let record = session
        .get::<SessionRecord>(SESSION_KEY)
        .map_err(|e| check.session_layer_failed(&e))?;
    let now = UnixTime::from_system_time(SystemTime::now());
    let (live, ended) = check.check(record, now).await.resolve()?;
    if ended {
        session.clear();
    }
    Ok((LiveSession(live), ended))
}
