//! The per-request check over Rocket's private cookies: the login helper,
//! a fairing that makes the core's [`SessionCheck`] managed state, and a
//! request guard that asks it about the request's session and removes an
//! ended session's cookie.

use std::time::SystemTime;

use backchannel_logout::{SESSION_KEY, SessionCheck, SessionRecord, UnixTime};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{self, FromRequest, Request};
use rocket::sentinel::Sentinel;
use rocket::{Build, Ignite, Rocket};

use crate::endpoint::to_rocket;

/// Records, at login, what a logout token will later be matched against:
/// call it in your OpenID Connect login callback with the validated ID
/// token's `iss`, `sid` and `sub` and the current time
/// ([`SessionRecord::from_id_token_claims`] builds it from the claims).
///
/// The record is the session: it is stored as a private (encrypted and
/// authenticated) cookie named after the core's [`SESSION_KEY`], see
/// [`session_cookie`]. Each login writes a freshly encrypted value, so
/// there is no session id to fixate.
///
/// ```
/// # use backchannel_logout::{SessionRecord, UnixTime};
/// # use rocket::http::CookieJar;
/// # fn callback(cookies: &CookieJar<'_>, iss: String, sid: Option<String>, sub: String) -> Result<(), Box<dyn std::error::Error>> {
/// use backchannel_logout_rocket::record_login;
///
/// let now = UnixTime::from_system_time(std::time::SystemTime::now());
/// record_login(cookies, SessionRecord::new(iss, sid, Some(sub), now)?)?;
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// When the record cannot be serialized to JSON (not with the core's
/// [`SessionRecord`], whose fields are strings and a number).
pub fn record_login(
    cookies: &CookieJar<'_>,
    record: SessionRecord,
) -> Result<(), serde_json::Error> {
    cookies.add_private(session_cookie(&record)?);
    Ok(())
}

/// The cookie [`record_login`] adds, before Rocket encrypts it: named
/// [`SESSION_KEY`], the record's JSON as its value, for every path,
/// `HttpOnly`, and `SameSite=Lax` (with `Strict` the browser would drop it
/// on the provider's redirect back to the login callback). Rocket adds an
/// expiry (a week) and, behind TLS, `Secure`; the check ends a session
/// older than the logged-out markers are kept anyway.
///
/// # Errors
///
/// As [`record_login`].
pub fn session_cookie(record: &SessionRecord) -> Result<Cookie<'static>, serde_json::Error> {
    Ok(Cookie::build((SESSION_KEY, serde_json::to_string(record)?))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build())
}

/// The per-request check as a [`Fairing`]: attach it once, with the store
/// of logged-out markers the receiver writes to; it makes the core's
/// [`SessionCheck`] managed state for the [`LiveSession`] guard, and sends
/// the core's answer when the check could not be made.
///
/// ```
/// # use std::sync::Arc;
/// # use backchannel_logout::MemoryLogoutStore;
/// use backchannel_logout_rocket::LogoutCheck;
///
/// let markers = Arc::new(MemoryLogoutStore::new()); // also the receiver's sink
/// let rocket = rocket::build().attach(LogoutCheck::new(Arc::clone(&markers)));
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

/// The managed state: the adapter's own type, so that it cannot collide
/// with an application's.
struct Managed(SessionCheck);

/// This request's check, made once however many guards ask: the live
/// session, or the core's answer to send instead.
struct Checked(Result<Option<SessionRecord>, backchannel_logout::Response>);

#[rocket::async_trait]
impl Fairing for LogoutCheck {
    fn info(&self) -> Info {
        Info {
            name: "back-channel logout session check",
            kind: Kind::Ignite | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        Ok(rocket.manage(Managed(self.check.clone())))
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut rocket::Response<'r>) {
        // A failed check stopped the request with its status; the answer
        // is the core's, not the catcher's.
        if let Checked(Err(answer)) = request.local_cache(|| Checked(Ok(None))) {
            *response = to_rocket(answer.clone());
        }
    }
}

/// The session's [`SessionRecord`] if it is live: `None` when the request
/// has no session cookie, or its session has ended (the guard has then
/// removed the cookie). A request guard: take it in every handler that
/// acts for a logged-in user; read who is logged in from it.
///
/// ```
/// use backchannel_logout_rocket::LiveSession;
///
/// #[rocket::get("/whoami")]
/// fn whoami(session: LiveSession) -> String {
///     match session.0 {
///         Some(record) => format!("{:?} at {}", record.sub(), record.issuer()),
///         None => "anonymous".to_owned(),
///     }
/// }
/// ```
///
/// Reads the record that [`record_login`] stored, asks the core's
/// [`SessionCheck`] whether the session is still live (once per request),
/// and removes the cookie of a session that has ended. When the check
/// cannot be made, the request fails with the core's answer (see
/// [`SessionDecision`](backchannel_logout::SessionDecision)): 503 when the
/// marker store is unavailable, 500 when the cookie cannot be read. Rocket
/// refuses to launch a route using it without the [`LogoutCheck`] fairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession(pub Option<SessionRecord>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for LiveSession {
    type Error = backchannel_logout::Response;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let checked = request
            .local_cache_async(async { Checked(check(request).await) })
            .await;
        match &checked.0 {
            Ok(live) => request::Outcome::Success(LiveSession(live.clone())),
            Err(answer) => request::Outcome::Error((Status::new(answer.status), answer.clone())),
        }
    }
}

impl Sentinel for LiveSession {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        rocket.state::<Managed>().is_none()
    }
}

/// Reads the record, asks the core, removes an ended session's cookie.
async fn check(
    request: &Request<'_>,
) -> Result<Option<SessionRecord>, backchannel_logout::Response> {
    let Some(Managed(check)) = request.rocket().state::<Managed>() else {
        return Err(backchannel_logout::Response::internal_error());
    };
    let cookies = request.cookies();
    let record = cookies
        .get_private(SESSION_KEY)
        .map(|cookie| serde_json::from_str::<SessionRecord>(cookie.value()))
        .transpose()
        .map_err(|e| check.session_layer_failed(&e))?;
    let now = UnixTime::from_system_time(SystemTime::now());
    let (live, ended) = check.check(record, now).await.resolve()?;
    if ended {
        cookies.remove_private(SESSION_KEY);
    }
    Ok(live)
}
