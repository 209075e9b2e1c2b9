//! The example relying party for Actix Web: OpenID Connect Back-Channel
//! Logout with `backchannel-logout-actix`, keeping the examples' contract
//! (`examples/README.md`): the same environment, demo mode and routes as the
//! other frameworks' examples, so that one test suite drives them all.
//!
//! [`app`] and [`Routes::configure`] are the Actix wiring a real
//! application copies: session middleware, check middleware, routes, the
//! server's timeouts ([`serve_routes`]). The validator, key source,
//! receiver and stores are the same in every framework's example:
//! `example_support::setup` builds them (and the adapter's crate docs show
//! them in production). Demo mode (the example playing its own provider)
//! lives apart, in `demo.rs` and the `example-support` crate; a real
//! application needs neither.
#![forbid(unsafe_code)]

mod demo;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::LOCATION;
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, HttpServer, web};
use backchannel_logout::{SessionCheck, SessionRecord, SharedReceiver, UnixTime};
use backchannel_logout_actix::actix_session::config::{PersistentSession, TtlExtensionPolicy};
use backchannel_logout_actix::actix_session::storage::CookieSessionStore;
use backchannel_logout_actix::actix_session::{Session, SessionMiddleware};
use backchannel_logout_actix::{LiveSession, LogoutCheck, logout_route, record_login};
pub use example_support::{Config, ConfigError, Timeouts};
use example_support::{SESSION_COOKIE, Setup, setup};
use serde::Deserialize;

/// The application, ready to serve.
#[derive(Debug)]
pub struct App {
    /// The routes, for each worker's `actix_web::App`.
    pub routes: Routes,
    /// One line naming the mode, for the start-up log.
    pub mode: String,
    /// What to print at start: in demo mode, the ready-to-paste `curl`
    /// commands; otherwise empty.
    pub banner: String,
}

/// What every worker's routes share: cheap to clone (Actix builds one
/// `actix_web::App` per worker thread).
#[derive(Clone)]
pub struct Routes {
    receiver: SharedReceiver,
    check: SessionCheck,
    /// Seals the session cookie.
    key: Key,
    login: web::Data<LoginState>,
    demo: Option<web::Data<demo::Demo>>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("check", &self.check)
            .field("demo", &self.demo.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds the application for a listener bound to `addr` (demo mode is its
/// own provider at `http://addr`).
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] for a configuration error (the
/// provider's keys unreachable at start, say); another error when the demo
/// session cannot be stored.
pub async fn app(config: Config, addr: SocketAddr) -> io::Result<App> {
    // The provider, the receiver and the marker store: the same in every
    // example (`example_support::setup` says how they are built).
    let Setup {
        demo,
        provider,
        mode,
        receiver,
        markers,
    } = setup(config, addr).await?;

    let routes = Routes {
        receiver,
        check: SessionCheck::new(markers),
        // A real application loads its key (64 bytes from its secrets):
        // sessions then survive a restart and every instance reads them.
        key: Key::generate(),
        login: web::Data::new(LoginState {
            issuer: Arc::from(provider.issuer.as_str()),
            enabled: provider.demo_login,
        }),
        demo: demo.map(|d| web::Data::new(demo::Demo(d))),
    };
    let mut banner = String::new();
    if let Some(demo) = &routes.demo {
        banner = demo.open_session(routes.sessions()).await?;
    }
    Ok(App {
        routes,
        mode,
        banner,
    })
}

impl Routes {
    /// The session middleware: the whole session in a cookie sealed with
    /// the application's key (`actix-session`'s cookie store; its Redis
    /// store keeps it server side instead).
    fn sessions(&self) -> SessionMiddleware<CookieSessionStore> {
        SessionMiddleware::builder(CookieSessionStore::default(), self.key.clone())
            .cookie_name(SESSION_COOKIE.to_owned())
            // Plain HTTP on loopback for the example; behind HTTPS keep the
            // default (secure cookies).
            .cookie_secure(false)
            // The OpenID Connect login callback arrives from the provider's
            // site: Strict would drop the cookie there.
            .cookie_same_site(SameSite::Lax)
            // Idle sessions end well before the markers' 24 hours.
            .session_lifecycle(
                PersistentSession::default()
                    .session_ttl(actix_web::cookie::time::Duration::hours(8))
                    .session_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
            )
            .build()
    }

    /// Registers the routes in one worker's `actix_web::App`
    /// (`App::new().configure(|cfg| routes.configure(cfg))`).
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        // Outside the session and check middleware: the provider's call
        // carries no cookie and no CSRF token, and must not be checked as a
        // browser session.
        cfg.service(logout_route("/backchannel-logout", self.receiver.clone()));
        let mut browser = web::scope("")
            .app_data(self.login.clone())
            .route("/whoami", web::get().to(whoami));
        if self.login.enabled {
            browser = browser.route("/login", web::post().to(login));
        }
        if let Some(demo) = self.demo.clone() {
            browser = browser.configure(|cfg| demo::routes(cfg, demo));
        }
        cfg.service(
            browser
                // Every route above: a logged-out session is ended here.
                .wrap(LogoutCheck::new(self.check.clone()))
                .wrap(self.sessions()),
        );
    }
}

/// Serves the application on `listener` until `shutdown` completes: logs
/// the address and mode, prints the demo banner on standard output.
///
/// # Errors
///
/// As [`app`], and when serving fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + 'static,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    let app = app(config, addr).await?;
    example_support::announce("example-actix", addr, &app.mode, &app.banner);
    serve_routes(listener, app.routes, Timeouts::default(), shutdown).await
}

/// Serves `routes` on `listener` with [`Timeouts`], one Actix worker per
/// core, until `shutdown` completes; then lets the requests in flight
/// finish (at most 5 s).
///
/// The header timeout is Actix's own `client_request_timeout`. Actix has
/// no limit on reading a body, so the whole request is bounded by a
/// middleware: a client still sending its body then gets 408 and the
/// connection is closed.
///
/// # Errors
///
/// When the listener cannot be handed to Actix, or serving fails.
pub async fn serve_routes(
    listener: tokio::net::TcpListener,
    routes: Routes,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()> + 'static,
) -> io::Result<()> {
    let limit = timeouts.request;
    let server = HttpServer::new(move || {
        let routes = routes.clone();
        actix_web::App::new()
            .wrap(from_fn(move |request, next| within(limit, request, next)))
            .configure(|cfg| routes.configure(cfg))
    })
    .client_request_timeout(timeouts.header)
    .shutdown_timeout(5)
    // `shutdown` stops it, not Actix's own signal handling.
    .disable_signals()
    .listen(listener.into_std()?)?
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        shutdown.await;
        handle.stop(true).await;
    });
    server.await
}

/// Answers 408 when the request (reading its body, and answering) takes
/// longer than `limit`.
async fn within(
    limit: std::time::Duration,
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // An error, not a response: a response needs the `HttpRequest`, which
    // must not be cloned before routing.
    actix_web::rt::time::timeout(limit, next.call(request))
        .await
        .map_err(|_| actix_web::error::ErrorRequestTimeout("request timed out"))?
}

/// `GET /whoami`: the live session, if any.
async fn whoami(LiveSession(session): LiveSession) -> HttpResponse {
    HttpResponse::Ok().json(example_support::whoami(session.as_ref()))
}

struct LoginState {
    /// The issuer recorded at login.
    issuer: Arc<str>,
    /// Whether `POST /login` is served.
    enabled: bool,
}

#[derive(Deserialize)]
struct LoginForm {
    sub: String,
    sid: Option<String>,
}

/// `POST /login`: stands in for the OpenID Connect login callback, which
/// records the validated ID token's `iss`, `sid` and `sub` the same way.
async fn login(
    state: web::Data<LoginState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let now = UnixTime::from_system_time(SystemTime::now());
    let record = match SessionRecord::new(&*state.issuer, form.sid, Some(form.sub), now) {
        Ok(record) => record,
        Err(error) => return HttpResponse::BadRequest().body(error.to_string()),
    };
    match record_login(&session, record) {
        Ok(()) => HttpResponse::SeeOther()
            .insert_header((LOCATION, "/whoami"))
            .finish(),
        Err(error) => {
            tracing::error!(%error, "login failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}
